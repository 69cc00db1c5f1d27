import Foundation
import HummingbirdTesting
import PlatformAPI
import TestSupport
import Testing

extension DatabaseBackedTests {
    /// The web page, driven in headless Chromium over the DevTools protocol: sign in as a
    /// guest, create an organization and a project, open a chat, press a canned action,
    /// and see counters change live, including for an action sent through another instance.
    @Suite struct WebPageTests {
        @Test func guestFlowWithLiveCountersInHeadlessChromium() async throws {
            guard TestServers.postgres != nil else { return }
            guard try TestTools.require("chromium"), try TestTools.require("python3") else { return }
            let database = try await TestServers.freshDatabase()
            let a = try await LiveInstance.start(LiveInstance.configuration(database: database, name: "web-a"))
            let b = try await LiveInstance.start(LiveInstance.configuration(database: database, name: "web-b"))
            let browser = try await HeadlessChromium.launch(executable: TestTools.which("chromium")!)
            do {
                try await Self.drive(browser: browser, a: a, b: b)
            } catch {
                browser.stop()
                await a.stop()
                await b.stop()
                throw error
            }
            browser.stop()
            await a.stop()
            await b.stop()
        }

        static func drive(browser: HeadlessChromium, a: LiveInstance, b: LiveInstance) async throws {
            let targets = try await TestClient.withClient(host: "127.0.0.1", port: browser.port) { client in
                try await client.get("/json/list")
            }
            guard case .array(let list)? = try? JSONValue(jsonText: targets.body.map { String(buffer: $0) } ?? ""),
                let page = list.first(where: { if case .object(let o) = $0 { return o["type"] == .string("page") } else { return false } }),
                case .object(let target) = page, case .string(let id)? = target["id"]
            else { throw ScenarioError("no page target in \(targets)") }
            // Chromium builds `webSocketDebuggerUrl` from the Host header; address the target directly.
            let url = "ws://127.0.0.1:\(browser.port)/devtools/page/\(id)"
            let screenshot: Data = try await CDPSession.run(url: url) { cdp in
                try await cdp.send("Page.enable")
                try await cdp.send("Page.navigate", ["url": .string("http://127.0.0.1:\(a.port)/")])
                try await cdp.waitFor("document.readyState === 'complete' && document.getElementById('signin')")
                try await cdp.evaluate("document.getElementById('signin').click()")
                try await cdp.waitFor("!document.getElementById('step-org').hidden && document.getElementById('org-region').options.length > 0")
                #expect(try await cdp.evaluate("document.getElementById('guest-key').textContent").jsonText.contains("guest-"))
                try await cdp.evaluate("document.getElementById('org-create').click()")
                try await cdp.waitFor("!document.getElementById('step-project').hidden")
                try await cdp.evaluate("document.getElementById('project-create').click()")
                try await cdp.waitFor("document.getElementById('live-status').textContent === 'live'")
                try await cdp.evaluate("document.getElementById('chat-open').click()")
                try await cdp.waitFor("!document.querySelector('button[data-action=thumbs_up]').disabled")
                try await cdp.evaluate("document.querySelector('button[data-action=thumbs_up]').click()")
                try await cdp.waitFor("document.getElementById('counter-thumbs_up').textContent === '1'")

                // An action sent through the other instance arrives live on the page.
                guard case .string(let stateText) = try await cdp.evaluate(
                    "JSON.stringify({token: state.token, org: state.org.id, project: state.project.id, chat: state.chats[0].id})"),
                    case .object(let state) = try JSONValue(jsonText: stateText),
                    case .string(let token)? = state["token"], case .string(let org)? = state["org"],
                    case .string(let project)? = state["project"], case .string(let chat)? = state["chat"]
                else { throw ScenarioError("could not read the page state") }
                for _ in 0..<2 {
                    let sent = try await b.withClient { api in
                        try await api.call(.post, "/orgs/\(org)/projects/\(project)/chats/\(chat)/actions", token: token, json: #"{"action":"deployed"}"#)
                    }
                    #expect(sent.status == .ok)
                }
                try await cdp.waitFor("document.getElementById('counter-deployed').textContent === '2'")
                try await cdp.waitFor("document.getElementById('feed').children.length >= 3")
                // Free text cannot be sent even by a hand-made request from the page.
                let refused = try await cdp.evaluate(
                    """
                    fetch(base() + '/chats/' + state.chats[0].id + '/actions', {method: 'POST',
                      headers: {'Content-Type': 'application/json', Authorization: 'Bearer ' + state.token},
                      body: JSON.stringify({action: 'hello'})}).then(r => r.status)
                    """)
                #expect(refused == .number(422))

                let shot = try await cdp.send(
                    "Page.captureScreenshot",
                    [
                        "format": .string("png"),
                        "clip": .object(["x": .number(0), "y": .number(0), "width": .number(1200), "height": .number(900), "scale": .number(0.5)]),
                    ])
                guard case .object(let object) = shot, case .string(let base64)? = object["data"], let png = Data(base64Encoded: base64) else {
                    throw ScenarioError("no screenshot")
                }
                return png
            }
            try Self.checkNotBlank(screenshot)
        }

        /// Decodes the PNG with Python's standard library (zlib) and checks that the page
        /// really rendered: many colours, and a good share of pixels that are not background.
        static func checkNotBlank(_ png: Data) throws {
            #expect(png.starts(with: [0x89, 0x50, 0x4E, 0x47]))
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("platform-api-page-\(UUID().uuidString).png")
            try png.write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            // Keep a copy for people (and CI artifacts) when asked to.
            if let folder = ProcessInfo.processInfo.environment["PLATFORM_API_SCREENSHOT_DIR"] {
                try? png.write(to: URL(fileURLWithPath: folder).appendingPathComponent("platform-api-web-page.png"))
            }
            let script = """
                import struct, sys, zlib
                data = open(sys.argv[1], 'rb').read()
                pos, idat, width, height = 8, b'', 0, 0
                while pos < len(data):
                    length, kind = struct.unpack('>I4s', data[pos:pos + 8])
                    body = data[pos + 8:pos + 8 + length]
                    if kind == b'IHDR':
                        width, height, depth, colour = struct.unpack('>IIBB', body[:10])
                        assert depth == 8 and colour in (2, 6), (depth, colour)
                        channels = 3 if colour == 2 else 4
                    elif kind == b'IDAT':
                        idat += body
                    pos += 12 + length
                raw = zlib.decompress(idat)
                stride = width * channels
                previous = bytearray(stride)
                colours, background, offset = {}, 0, 0
                for row in range(height):
                    kind = raw[offset]; line = bytearray(raw[offset + 1:offset + 1 + stride]); offset += 1 + stride
                    for i in range(stride):
                        left = line[i - channels] if i >= channels else 0
                        up = previous[i]
                        upleft = previous[i - channels] if i >= channels else 0
                        if kind == 1: line[i] = (line[i] + left) & 255
                        elif kind == 2: line[i] = (line[i] + up) & 255
                        elif kind == 3: line[i] = (line[i] + (left + up) // 2) & 255
                        elif kind == 4:
                            p = left + up - upleft; pa, pb, pc = abs(p - left), abs(p - up), abs(p - upleft)
                            line[i] = (line[i] + (left if pa <= pb and pa <= pc else up if pb <= pc else upleft)) & 255
                    for x in range(0, stride, channels * 4):
                        pixel = bytes(line[x:x + 3])
                        colours[pixel] = colours.get(pixel, 0) + 1
                    previous = line
                total = sum(colours.values())
                top = max(colours.values())
                print(width, height, len(colours), round(1 - top / total, 3))
                """
            let result = try TestTools.run("python3", ["-c", script, file.path])
            #expect(result.succeeded, "\(result.stderr)")
            let fields = result.stdout.split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
            guard fields.count == 4, let width = Int(fields[0]), let height = Int(fields[1]), let colours = Int(fields[2]),
                let foreground = Double(fields[3])
            else {
                Issue.record("could not analyse the screenshot: \(result.stdout) \(result.stderr)")
                return
            }
            print("web page screenshot: \(width)x\(height), \(colours) colours, \(Int(foreground * 100))% not background")
            #expect(width >= 500 && height >= 400)
            #expect(colours >= 20, "the screenshot has only \(colours) colours: blank?")
            #expect(foreground >= 0.05, "the screenshot is \(Int((1 - foreground) * 100))% one colour: blank?")
        }
    }
}
