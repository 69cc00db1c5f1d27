#!/usr/bin/env python3
"""Serves the bare repositories under ROOT over git's smart HTTP protocol on loopback,
through `git http-backend` (CGI), behind HTTP basic authentication.

For the remote-repository tests (and for trying scaffold against an https-like remote
by hand). Prints the port it listens on, then serves until killed.

usage: git-http-server.py ROOT USER TOKEN [--anonymous-read]

Any user name is accepted with the right TOKEN as password, as forges accept tokens
(GitHub expects `x-access-token`, GitLab and Gitea any name); pushes are recorded as USER.

--anonymous-read lets fetches through without credentials (as a public repository on a
forge does) and still asks for them to push.
"""
import base64
import http.server
import os
import subprocess
import sys


def main():
    root, user, token = sys.argv[1:4]
    anonymous_read = "--anonymous-read" in sys.argv[4:]

    def token_of(header):
        if not header or not header.startswith("Basic "):
            return None
        try:
            return base64.b64decode(header[6:]).decode().partition(":")[2]
        except ValueError:
            return None

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args):
            pass

        def do_GET(self):
            self.serve()

        def do_POST(self):
            self.serve()

        def read_body(self):
            if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
                data = bytearray()
                while True:
                    size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                    if size == 0:
                        while self.rfile.readline().strip():
                            pass
                        return bytes(data)
                    data += self.rfile.read(size)
                    self.rfile.readline()
            return self.rfile.read(int(self.headers.get("Content-Length") or 0))

        def reply(self, status, headers, body):
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def serve(self):
            body = self.read_body()
            path, _, query = self.path.partition("?")
            pushing = "git-receive-pack" in path or "service=git-receive-pack" in query
            authorized = token_of(self.headers.get("Authorization")) == token
            if not authorized and (pushing or not anonymous_read):
                # No body: libgit2 1.5 does not read a 401's body before it replays the
                # request on the same connection, and then fails to parse the leftover.
                self.reply(401, [("WWW-Authenticate", 'Basic realm="scaffold-test"')], b"")
                return
            env = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "GIT_PROJECT_ROOT": root,
                "GIT_HTTP_EXPORT_ALL": "1",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "REQUEST_METHOD": self.command,
                "CONTENT_TYPE": self.headers.get("Content-Type", ""),
                "CONTENT_LENGTH": str(len(body)),
                "REMOTE_ADDR": "127.0.0.1",
            }
            if authorized:
                env["REMOTE_USER"] = user
            if self.headers.get("Content-Encoding"):
                env["HTTP_CONTENT_ENCODING"] = self.headers["Content-Encoding"]
            if self.headers.get("Git-Protocol"):
                env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
            output = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True).stdout
            separator = b"\r\n\r\n" if b"\r\n\r\n" in output else b"\n\n"
            head, _, payload = output.partition(separator)
            status, headers = 200, []
            for line in head.decode("latin-1").splitlines():
                name, _, value = line.partition(":")
                if name.lower() == "status":
                    status = int(value.split()[0])
                elif name:
                    headers.append((name, value.strip()))
            self.reply(status, headers, payload)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    print(server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
