"""Drive Debian's headless Chromium through Chrome's DevTools protocol (CDP) over a websocket.

Playwright or Selenium would bring a browser build or a driver of their own; this talks to
the system's `chromium` directly with the pipeline's pinned `websockets`, and needs only the
few commands the browser tests use: navigate, evaluate, type, screenshot, and the network
events of the pages (to count what each chart received). Offline: no host resolves but the
loopback, so anything a page fetched from the internet would fail.
"""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from websockets.sync.client import connect

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",  # offline
    "--remote-debugging-port=0",
]
WIDTH, HEIGHT = 1600, 2400


class CdpError(RuntimeError):
    pass


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        raise CdpError("Chromium is not installed: `apt-get install -y chromium` (make test does it)")
    return found


class Browser:
    """One headless Chromium with one page; events are kept until read."""

    def __init__(self) -> None:
        self.profile = tempfile.mkdtemp(prefix="dti-cdp-")
        self.process = subprocess.Popen(
            [chromium(), *FLAGS, f"--user-data-dir={self.profile}", "about:blank"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        port_file = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not (port_file.exists() and len(port_file.read_text().splitlines()) >= 2):
            if time.monotonic() > deadline or self.process.poll() is not None:
                self.close()
                raise CdpError("Chromium did not open its DevTools port")
            time.sleep(0.1)
        port, path = port_file.read_text().splitlines()[:2]
        self.socket = connect(f"ws://127.0.0.1:{port}{path}", max_size=None, open_timeout=30)
        self.next_id = 0
        self.events: list[dict] = []
        target = self.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Network"):
            self.send(f"{domain}.enable", session=True)
        # a window tall enough for a whole dashboard: every chart is laid out and drawn
        self.page(
            "Emulation.setDeviceMetricsOverride",
            {"width": WIDTH, "height": HEIGHT, "deviceScaleFactor": 1, "mobile": False},
        )

    def send(self, method: str, params: dict | None = None, session: bool = False, timeout=60) -> dict:
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = self.session
        self.socket.send(json.dumps(message))
        deadline = time.monotonic() + timeout
        while True:
            reply = json.loads(self.socket.recv(timeout=max(0.1, deadline - time.monotonic())))
            if reply.get("id") == self.next_id:
                if "error" in reply:
                    raise CdpError(f"{method}: {reply['error']}")
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def page(self, method: str, params: dict | None = None, timeout=60) -> dict:
        return self.send(method, params, session=True, timeout=timeout)

    def evaluate(self, expression: str):
        result = self.page("Runtime.evaluate", {"expression": expression, "returnByValue": True})
        if "exceptionDetails" in result:
            raise CdpError(f"{expression[:80]}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def navigate(self, url: str) -> None:
        self.events.clear()
        self.page("Page.navigate", {"url": url})

    def wait_for(self, expression: str, timeout: float = 60, what: str = "") -> object:
        """Poll a JavaScript expression until it is truthy; its value."""
        deadline = time.monotonic() + timeout
        last = ""
        while time.monotonic() < deadline:
            try:
                value = self.evaluate(expression)
            except CdpError as exc:  # e.g. the page is still loading: no body yet
                value, last = None, f" (last: {str(exc)[:300]})"
            if value:
                return value
            time.sleep(0.25)
        raise CdpError(f"timed out after {timeout:.0f} s waiting for {what or expression}{last}")

    def type_into(self, selector: str, text: str) -> None:
        """Focus an input and type as a person would (React sees real input events)."""
        self.evaluate(f"document.querySelector({json.dumps(selector)}).focus()")
        self.page("Input.insertText", {"text": text})

    def response_body(self, request_id: str) -> str:
        body = self.page("Network.getResponseBody", {"requestId": request_id})
        return base64.b64decode(body["body"]).decode() if body.get("base64Encoded") else body["body"]

    def screenshot(self, path: Path) -> Path:
        shot = self.page("Page.captureScreenshot", {"format": "png"})
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(base64.b64decode(shot["data"]))
        return path

    def close(self) -> None:
        try:
            if getattr(self, "socket", None):
                self.socket.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
            shutil.rmtree(self.profile, ignore_errors=True)

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
