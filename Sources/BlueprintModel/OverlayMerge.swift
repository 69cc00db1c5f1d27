/// Merges an environment overlay onto a blueprint tree.
///
/// The rules are those of JSON Merge Patch (RFC 7386) with Kustomize's strategic
/// merge for named lists:
/// - mappings merge key by key, recursively; a `null` in the overlay removes the key;
/// - lists whose items are mappings with a `name` (or `id`) key merge item by item
///   on that key (new items are appended in overlay order);
/// - anything else in the overlay replaces the base value.
/// Every merged value keeps the location of the file that supplied it.
public enum OverlayMerge {
    static let identityKeys = ["name", "id"]

    public static func merge(_ base: SourceNode, _ overlay: SourceNode) -> SourceNode {
        switch (base.value, overlay.value) {
        case (.mapping(let baseEntries), .mapping(let overlayEntries)):
            var merged = baseEntries
            for entry in overlayEntries {
                if let index = merged.firstIndex(where: { $0.key == entry.key }) {
                    if entry.value.isNull {
                        merged.remove(at: index)
                    } else {
                        merged[index].value = merge(merged[index].value, entry.value)
                    }
                } else if !entry.value.isNull {
                    merged.append(entry)
                }
            }
            return SourceNode(.mapping(merged), at: base.location)
        case (.sequence(let baseItems), .sequence(let overlayItems)):
            guard let key = identityKey(baseItems + overlayItems) else { return overlay }
            var merged = baseItems
            for item in overlayItems {
                let id = item[key]?.string
                if let index = merged.firstIndex(where: { $0[key]?.string == id }) {
                    merged[index] = merge(merged[index], item)
                } else {
                    merged.append(item)
                }
            }
            return SourceNode(.sequence(merged), at: base.location)
        default:
            return overlay
        }
    }

    /// The key that identifies items, when every item is a mapping that has it.
    private static func identityKey(_ items: [SourceNode]) -> String? {
        guard !items.isEmpty else { return nil }
        return identityKeys.first { key in items.allSatisfy { $0[key]?.string != nil } }
    }
}
