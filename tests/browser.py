"""A real, headless Chromium driven over the DevTools protocol, for tests.

Debian's ``/usr/bin/chromium`` is started with every flag that keeps it off the
network (the machine has none) and a fresh profile; the test talks to it over a
websocket on the loopback address (``websocket-client``, a test extra). Only what
the tests need: open a page, wait for it to load, collect console errors and
exceptions, evaluate an expression, take a screenshot.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import websocket

CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
         "--window-size=1280,900", "--hide-scrollbars", "about:blank"]


# Settles a promise (``this``) or rejects it after ``seconds``, inside the page.
_RACE = """function (seconds) {
    return Promise.race([Promise.resolve(this), new Promise((_, reject) => setTimeout(
        () => reject(new Error(`timed out after ${seconds} s`)), seconds * 1000))]);
}"""


def error_text(details: dict[str, Any]) -> str:
    """The text of a DevTools ``exceptionDetails``: the error's description and stack."""
    exception = details.get("exception", {})
    return str(exception.get("description") or exception.get("value") or details.get("text"))


def chromium_path() -> str | None:
    """The Chromium executable: Debian's, else one on PATH."""
    if Path(CHROMIUM).exists():
        return CHROMIUM
    return shutil.which("chromium")


@contextlib.contextmanager
def launched(timeout: float = 60.0) -> Iterator[Chromium]:
    """A headless Chromium for one test or module; fails (never skips) without one."""
    executable = chromium_path()
    assert executable, ("Chromium is needed for this test: apt-get install chromium "
                        "(.ci/run installs it)")
    with Chromium(executable, timeout) as browser:
        yield browser


class Chromium:
    """``with Chromium() as browser: page = browser.open(url)``."""

    def __init__(self, executable: str, timeout: float = 60.0) -> None:
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="visheat-chromium-")
        # XDG folders in the profile too: Chromium writes its crash reports' settings under
        # ~/.config and dconf under ~/.cache whatever --user-data-dir says
        env = dict(os.environ, XDG_CONFIG_HOME=f"{self.profile}/config",
                   XDG_CACHE_HOME=f"{self.profile}/cache")
        self.process = subprocess.Popen([executable, f"--user-data-dir={self.profile}", *FLAGS],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        env=env)
        self.port = self._port()
        self.ws = websocket.create_connection(self._page_socket(), timeout=timeout,
                                              suppress_origin=True)
        self._next_id = 0
        self.events: list[dict[str, Any]] = []
        for domain in ("Page", "Runtime", "Log"):
            self.call(f"{domain}.enable")

    def _port(self) -> int:
        marker = Path(self.profile) / "DevToolsActivePort"
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"chromium exited with code {self.process.returncode}")
            if marker.exists() and marker.read_text().strip():
                return int(marker.read_text().split()[0])
            time.sleep(0.05)
        raise TimeoutError("chromium did not open its DevTools port")

    def _page_socket(self) -> str:
        url = f"http://127.0.0.1:{self.port}/json/list"
        with urllib.request.urlopen(url, timeout=self.timeout) as answer:
            targets = json.load(answer)
        return next(t["webSocketDebuggerUrl"] for t in targets if t["type"] == "page")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """Send one DevTools command and return its result (events are kept)."""
        self._next_id += 1
        ident = self._next_id
        self.ws.send(json.dumps({"id": ident, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.recv())
            if message.get("id") == ident:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, event: str) -> dict[str, Any]:
        """Wait for the next ``event`` (e.g. ``"Page.loadEventFired"``)."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            message = json.loads(self.ws.recv())
            self.events.append(message)
            if message.get("method") == event:
                return message
        raise TimeoutError(event)

    def open(self, url: str) -> None:
        """Navigate to ``url`` and wait until the page (images included) has loaded."""
        self.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("Page.loadEventFired")

    def evaluate(self, expression: str, timeout: float | None = None) -> Any:
        """The JSON value of a JavaScript expression in the page, promises awaited.

        ``timeout`` (seconds) rejects a promise that takes longer, inside the page, so
        the DevTools connection stays usable. Raises ``RuntimeError`` with the
        JavaScript error's text and stack.
        """
        if timeout is None:
            result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                               awaitPromise=True)
        else:
            result = self._evaluate_within(expression, timeout)
        if "exceptionDetails" in result:
            raise RuntimeError(error_text(result["exceptionDetails"]))
        return result["result"].get("value")

    def _evaluate_within(self, expression: str, timeout: float) -> dict[str, Any]:
        found = self.call("Runtime.evaluate", expression=expression, objectGroup="evaluate",
                          awaitPromise=False, returnByValue=False)
        if "exceptionDetails" in found or "objectId" not in found["result"]:
            return found  # an error, or a primitive: already a value
        self.ws.settimeout(timeout + 30)
        try:
            return self.call("Runtime.callFunctionOn", objectId=found["result"]["objectId"],
                             functionDeclaration=_RACE, arguments=[{"value": timeout}],
                             awaitPromise=True, returnByValue=True)
        finally:
            self.ws.settimeout(self.timeout)
            self.call("Runtime.releaseObjectGroup", objectGroup="evaluate")

    def errors(self) -> list[str]:
        """Console errors, uncaught exceptions and browser log errors seen so far."""
        self.call("Runtime.evaluate", expression="0")  # flush pending events
        found = []
        revoked = {message["params"].get("exceptionId") for message in self.events
                   if message.get("method") == "Runtime.exceptionRevoked"}  # handled later
        for message in self.events:
            method, params = message.get("method"), message.get("params", {})
            if (method == "Runtime.exceptionThrown"
                    and params.get("exceptionDetails", {}).get("exceptionId") in revoked):
                continue
            if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
                found.append("console: " + " ".join(
                    str(arg.get("value", arg.get("description", arg.get("type"))))
                    for arg in params.get("args", [])))
            elif method == "Runtime.exceptionThrown":
                found.append(f"exception: {error_text(params.get('exceptionDetails', {}))}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"log: {params['entry'].get('text')} {params['entry'].get('url', '')}")
        return found

    def screenshot(self) -> bytes:
        """A PNG of the whole page."""
        shot = self.call("Page.captureScreenshot", format="png", captureBeyondViewport=True)
        return base64.b64decode(shot["data"])

    def __enter__(self) -> Chromium:
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            self.ws.close()
        finally:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
            shutil.rmtree(self.profile, ignore_errors=True)
