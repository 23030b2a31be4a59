#!/usr/bin/env python3
"""The search page's first render in a running headless Chromium, over the DevTools protocol.

Usage: page-render.py BASE_URL ROUNDS QUERY...

Starts one Chromium (as a user's browser is already running), loads BASE_URL/?q=QUERY for each
query ROUNDS times (with ROUNDS 1, each once, the first of them as the cold load), and prints the page's own figure for each load: the time from the HTML's
arrival to the first results on the page (`data-first-render-ms`, set by the page's script).
The first load of the browser process is reported apart, as the cold figure. Standard library
only: the WebSocket client below speaks just the unfragmented text frames DevTools sends.
"""
import base64, json, os, re, shutil, socket, statistics, struct, subprocess, sys, tempfile, time, urllib.request


class DevTools:
    def __init__(self, url):
        host, port, path = re.match(r"ws://([^:/]+):(\d+)(/.*)", url).groups()
        self.socket = socket.create_connection((host, int(port)), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        self.socket.sendall(
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        response = b""
        while b"\r\n\r\n" not in response:
            response += self.socket.recv(4096)
        if b" 101 " not in response.split(b"\r\n")[0]:
            raise SystemExit(f"DevTools refused the WebSocket: {response[:200]!r}")
        self.buffer = response.split(b"\r\n\r\n", 1)[1]
        self.sequence = 0

    def read(self, count):
        while len(self.buffer) < count:
            chunk = self.socket.recv(65536)
            if not chunk:
                raise SystemExit("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:count], self.buffer[count:]
        return data

    def receive(self):
        first, second = self.read(2)
        length = second & 0x7F
        if length == 126:
            length = struct.unpack(">H", self.read(2))[0]
        elif length == 127:
            length = struct.unpack(">Q", self.read(8))[0]
        return json.loads(self.read(length))

    def call(self, method, **params):
        self.sequence += 1
        payload = json.dumps({"id": self.sequence, "method": method, "params": params}).encode()
        mask = os.urandom(4)
        header = bytes([0x81])
        if len(payload) < 126:
            header += bytes([0x80 | len(payload)])
        else:
            header += bytes([0x80 | 126]) + struct.pack(">H", len(payload))
        self.socket.sendall(header + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload)))
        while True:
            message = self.receive()
            if message.get("id") == self.sequence:
                if "error" in message:
                    raise SystemExit(f"{method}: {message['error']}")
                return message.get("result", {})


def first_render(tools, url):
    # The document being left is marked, so that its figure is not read as the new one's.
    tools.call("Runtime.evaluate", expression="window.leaving = true")
    tools.call("Page.navigate", url=url)
    deadline = time.time() + 10
    while time.time() < deadline:
        value = tools.call(
            "Runtime.evaluate",
            expression="!window.leaving && document.body && document.body.dataset.firstRenderMs",
            returnByValue=True,
        )["result"].get("value")
        if value:
            return float(value)
        time.sleep(0.01)
    raise SystemExit(f"no results rendered for {url}")


def main():
    base, rounds, queries = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    profile = tempfile.mkdtemp(prefix="page-render-")
    process = subprocess.Popen(
        [browser, "--headless", "--no-sandbox", "--disable-gpu", f"--user-data-dir={profile}",
         "--remote-debugging-port=0", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    try:
        for line in process.stderr:
            if "DevTools listening on" in line:
                port = re.search(r"ws://[^:]+:(\d+)/", line).group(1)
                break
        targets = json.load(urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list"))
        page = next(target for target in targets if target["type"] == "page")
        tools = DevTools(page["webSocketDebuggerUrl"])
        tools.call("Page.enable")
        urls = [f"{base}/?q={query}" for query in queries]
        cold = first_render(tools, urls[0])
        # With one round every address is loaded once: the first was the cold load.
        again = urls if rounds > 1 else urls[1:]
        samples = [first_render(tools, url) for _ in range(rounds) for url in again]
        samples.sort()
        p50 = statistics.median(samples)
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        print(f"search page, first render after the HTML arrived: cold browser {cold:.1f} ms; "
              f"running browser, {len(samples)} loads: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {samples[-1]:.1f} ms")
    finally:
        process.terminate()
        process.wait()
        shutil.rmtree(profile, ignore_errors=True)


if __name__ == "__main__":
    main()
