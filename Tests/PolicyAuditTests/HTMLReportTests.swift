import Foundation
import PolicyAudit
import Testing
import TestSupport

/// The HTML report as a person opens it: rendered by headless Chromium, the screenshot
/// is not blank, the page's script ran to the end and the console shows no error.
@Suite(.serialized) struct HTMLReportTests {
    /// Decodes an 8-bit RGB(A), non-interlaced PNG with the standard library only and
    /// prints its width, height and the number of distinct colours (sampled).
    static let pngColours = """
        import sys, zlib, struct
        data = open(sys.argv[1], "rb").read()
        assert data[:8] == b"\\x89PNG\\r\\n\\x1a\\n", "not a PNG"
        pos, idat = 8, b""
        while pos < len(data):
            length, = struct.unpack(">I", data[pos:pos + 4])
            kind, chunk = data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
            pos += 12 + length
            if kind == b"IHDR":
                width, height, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", chunk)
            elif kind == b"IDAT":
                idat += chunk
            elif kind == b"IEND":
                break
        assert depth == 8 and interlace == 0 and ctype in (2, 6), (depth, ctype, interlace)
        bpp = 3 if ctype == 2 else 4
        raw, stride = zlib.decompress(idat), width * bpp
        prev, colours, i = bytearray(stride), set(), 0
        for y in range(height):
            f = raw[i]; i += 1
            line = bytearray(raw[i:i + stride]); i += stride
            for x in range(stride):
                a = line[x - bpp] if x >= bpp else 0
                b = prev[x]
                c = prev[x - bpp] if x >= bpp else 0
                if f == 1: line[x] = (line[x] + a) & 255
                elif f == 2: line[x] = (line[x] + b) & 255
                elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
                elif f == 4:
                    p = a + b - c
                    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                    line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
            if y % 3 == 0:
                for x in range(0, stride, bpp * 3):
                    colours.add(bytes(line[x:x + 3]))
            prev = line
        print(width, height, len(colours))
        """

    static func chromium() throws -> String? {
        for name in ["chromium", "chromium-browser"] where TestTools.which(name) != nil { return name }
        _ = try TestTools.require("chromium")
        return nil
    }

    @Test func reportRendersInHeadlessChromium() throws {
        guard let browser = try Self.chromium(), try TestTools.require("python3") else { return }
        let directory = try TemporaryDirectory(prefix: "scaffold-audit-html")
        let report = pipeline.audit(try Galaxy.load())
        let files = try AuditPipeline.writeEvidence(report, to: directory.path)
        #expect(files.map { ($0 as NSString).lastPathComponent } == ["evidence.json", "evidence.md", "report.html"])
        let html = directory.url.appendingPathComponent("report.html")
        let page = try String(contentsOf: html, encoding: .utf8)
        #expect(!page.contains("src=\"http") && !page.contains("href=\"http") && !page.contains("<link"), "self-contained")

        let profile = directory.url.appendingPathComponent("profile").path
        let common = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
                      "--user-data-dir=\(profile)", "--window-size=1200,900"]
        let screenshot = directory.url.appendingPathComponent("report.png").path
        let shot = try TestTools.run(browser, common + ["--enable-logging=stderr", "--v=0", "--screenshot=\(screenshot)", html.absoluteString])
        #expect(shot.succeeded, "\(shot.stderr)")
        let consoleErrors = shot.stderr.split(separator: "\n").filter { $0.contains("CONSOLE") || $0.contains("Uncaught") }
        #expect(consoleErrors.isEmpty, "console: \(consoleErrors.joined(separator: "\n"))")
        #expect(FileManager.default.fileExists(atPath: screenshot))

        let colours = try TestTools.run("python3", ["-c", Self.pngColours, screenshot])
        #expect(colours.succeeded, "\(colours.stderr)")
        let fields = colours.stdout.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }
        #expect(fields.count == 3 && fields[0] == 1200 && fields[1] == 900, "\(colours.stdout)")
        #expect(fields.count == 3 && fields[2] > 20, "the screenshot is not blank: \(colours.stdout)")

        let dom = try TestTools.run(browser, common + ["--dump-dom", html.absoluteString])
        #expect(dom.succeeded, "\(dom.stderr)")
        #expect(dom.stdout.contains("data-ready=\"true\""), "the page's script ran to the end")
        #expect(dom.stdout.contains("Invariant checks") && dom.stdout.contains("production-tr"))
        if let keep = ProcessInfo.processInfo.environment["SCAFFOLD_KEEP_SCREENSHOT"] {
            try? FileManager.default.removeItem(atPath: keep)
            try FileManager.default.copyItem(atPath: screenshot, toPath: keep)
        }
    }
}
