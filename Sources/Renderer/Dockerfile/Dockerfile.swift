/// A container recipe as instructions: what translators build and ``DockerfilePrinter``
/// prints. Exec forms only (JSON arrays), so nothing at run time needs a shell.
public struct Dockerfile: Sendable, Equatable {
    public enum Instruction: Sendable, Equatable {
        /// A comment line (`# …`).
        case comment(String)
        /// `FROM image [AS stage]`.
        case from(image: String, stage: String?)
        case workdir(String)
        /// `COPY [--from=stage] [--chown=u:g] [--chmod=mode] source… destination`.
        case copy(sources: [String], destination: String, from: String? = nil, chown: String? = nil, chmod: String? = nil)
        /// `RUN` in shell form, for the build stage (lines joined with ` \` continuations).
        case run([String])
        case env(name: String, value: String)
        case user(String)
        case expose(Int)
        case entrypoint([String])
        case cmd([String])
        case label(name: String, value: String)
        /// A blank line between stages.
        case blank
    }

    public var instructions: [Instruction]

    public init(_ instructions: [Instruction]) { self.instructions = instructions }
}

/// Prints a ``Dockerfile``: one instruction a line, `RUN` continuations indented by four
/// spaces, exec forms as JSON arrays, values quoted where they hold spaces.
public enum DockerfilePrinter {
    public static func print(_ file: Dockerfile, header: [String] = []) -> String {
        var out = ""
        for line in header { out += line.isEmpty ? "#\n" : "# \(line)\n" }
        for instruction in file.instructions {
            switch instruction {
            case .comment(let text): out += "# \(text)\n"
            case .blank: out += "\n"
            case .from(let image, let stage): out += "FROM \(image)\(stage.map { " AS \($0)" } ?? "")\n"
            case .workdir(let path): out += "WORKDIR \(path)\n"
            case .copy(let sources, let destination, let from, let chown, let chmod):
                var flags = ""
                if let from { flags += "--from=\(from) " }
                if let chown { flags += "--chown=\(chown) " }
                if let chmod { flags += "--chmod=\(chmod) " }
                out += "COPY \(flags)\((sources + [destination]).joined(separator: " "))\n"
            case .run(let lines): out += "RUN " + lines.joined(separator: " \\\n    ") + "\n"
            case .env(let name, let value): out += "ENV \(name)=\(quoted(value))\n"
            case .user(let user): out += "USER \(user)\n"
            case .expose(let port): out += "EXPOSE \(port)\n"
            case .entrypoint(let words): out += "ENTRYPOINT \(array(words))\n"
            case .cmd(let words): out += "CMD \(array(words))\n"
            case .label(let name, let value): out += "LABEL \(name)=\(quoted(value))\n"
            }
        }
        return out
    }

    static func array(_ words: [String]) -> String {
        "[" + words.map { "\"" + escaped($0) + "\"" }.joined(separator: ", ") + "]"
    }

    static func quoted(_ value: String) -> String {
        value.isEmpty || value.contains(where: { " \"'\\$#\t".contains($0) }) ? "\"\(escaped(value))\"" : value
    }

    static func escaped(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
    }
}
