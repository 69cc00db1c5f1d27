/// Every third-party action and base image the generated pipelines use, pinned by an
/// immutable digest: a 40-hex commit for actions (printed with a `# vX.Y.Z` comment that
/// Dependabot and Renovate read), `sha256:` for images. The one table to update.
///
/// Each commit was checked against public workflow files that pin the same action at
/// the same version; the images' digests are those of the tags named beside them.
public enum ActionPins {
    public struct Pin: Sendable, Equatable {
        /// `owner/repo[/path]`.
        public var action: String
        /// The commit the version tag points at.
        public var commit: String
        public var version: String
    }

    public static let checkout = Pin(action: "actions/checkout", commit: "11bd71901bbe5b1630ceea73d27597364c9af683", version: "v4.2.2")
    public static let uploadSARIF = Pin(action: "github/codeql-action/upload-sarif", commit: "ff0a06e83cb2de871e5a09832bc6a81e7276941f", version: "v3.28.18")
    public static let setupTerraform = Pin(action: "hashicorp/setup-terraform", commit: "b9cd54a3c349d3f38e8881555d616ced269862dd", version: "v3.1.2")
    public static let setupHelm = Pin(action: "azure/setup-helm", commit: "b9e51907a09c216f16ebe8536097933489208112", version: "v4.3.0")
    public static let setupBuildx = Pin(action: "docker/setup-buildx-action", commit: "e468171a9de216ec08956ac3ada2f0791b6bd435", version: "v3.11.1")
    public static let login = Pin(action: "docker/login-action", commit: "74a5d142397b4f367a81961eba4e8cd7edddf772", version: "v3.4.0")
    public static let buildPush = Pin(action: "docker/build-push-action", commit: "263435318d21b8e681c14492fe198d362a7d2c83", version: "v6.18.0")
    public static let cosignInstaller = Pin(action: "sigstore/cosign-installer", commit: "398d4b0eeef1380460a10c8013a76f728fb906ac", version: "v3.9.1")

    public static let all = [checkout, uploadSARIF, setupTerraform, setupHelm, setupBuildx, login, buildPush, cosignInstaller]

    /// Swift 6.1 on Debian 12: builds scaffold in CI and platform-api's image (glibc of
    /// the runtime image's Debian 12, so the binary runs there).
    public static let swiftImage = "swift:6.1-bookworm@sha256:48a6d9c230cd654b262f805978d1d56b2aadf5b3c0d2fc088643296692cbca62"
    /// Distroless `cc` on Debian 12: glibc and libstdc++, no shell, no package manager.
    public static let runtimeImage = "gcr.io/distroless/cc-debian12@sha256:9dac0a79194e45a7da0158a9c6da57b217585af0786db3845d1f0ec1a0dd182f"
    /// The Terraform CLI the infra workflow installs.
    public static let terraformVersion = "1.11.4"
    /// The Helm CLI `scaffold verify` renders charts with.
    public static let helmVersion = "v3.16.4"
}
