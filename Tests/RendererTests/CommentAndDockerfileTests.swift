import Foundation
import Renderer
import Testing
import Yams

/// Trailing comments on scalar pairs (action pins' versions) and the Dockerfile printer.
@Suite struct CommentAndDockerfileTests {
    @Test func aPairCommentFollowsItsScalarAndReadsBackAsNothing() throws {
        let node: YAMLNode = .mapping([
            .init("uses", .string("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683"), comment: "v4.2.2"),
            .init("with", .map([("path", "ops")]), comment: "not printed on a nested mapping"),
            .init("run", .string("a\nb\n"), comment: "not printed after a literal block"),
            .init("on", .string("x # y"), comment: "v1"),
        ])
        let text = YAMLPrinter.print(node)
        #expect(text == """
            uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
            with:
              path: ops
            run: |
              a
              b
            "on": "x # y" # v1

            """)
        let read = try #require(try Yams.load(yaml: text) as? [String: Any])
        #expect(read["uses"] as? String == "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683")
        #expect(read["run"] as? String == "a\nb\n" && read["on"] as? String == "x # y")
    }

    @Test func dockerfileInstructionsPrintInExecForm() {
        let file = Dockerfile([
            .from(image: "swift:6.1@sha256:ab", stage: "build"),
            .run(["swift build", "&& cp a b"]),
            .blank,
            .from(image: "distroless", stage: nil),
            .copy(sources: ["/out/"], destination: "/app/", from: "build", chown: "1:1"),
            .env(name: "A", value: "two words"),
            .label(name: "x", value: "plain"),
            .user("65532:65532"),
            .entrypoint(["/app/run", "say \"hi\""]),
            .cmd(["serve"]),
        ])
        #expect(DockerfilePrinter.print(file, header: ["made here"]) == """
            # made here
            FROM swift:6.1@sha256:ab AS build
            RUN swift build \\
                && cp a b

            FROM distroless
            COPY --from=build --chown=1:1 /out/ /app/
            ENV A="two words"
            LABEL x=plain
            USER 65532:65532
            ENTRYPOINT ["/app/run", "say \\"hi\\""]
            CMD ["serve"]

            """)
    }
}
