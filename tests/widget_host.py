"""A stand-in for a notebook, for the widget's front end in tests: a local HTTP server that
serves the widget's ES module to a page with a minimal anywidget model.

The model's ``send`` posts the message to this server, which answers with
:meth:`visheat.Explorer.handle` (errors as the kernel sends them), so the page runs the
widget's own script against the kernel side's own code, without Jupyter. The real
JupyterLab and Notebook 7 runs are in ``test_widget_jupyter.py``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from visheat.explorer.widget import css, esm

PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8"><style>%s</style></head>
<body><div style="height: %dpx">cells above</div><div id="out"></div>
<script type="module">
import widget from "/widget.js";
const start = await (await fetch("/meta")).json();
const data = { meta: start.meta, view: start.view }, listeners = {};
const fire = (event, ...args) => (listeners[event] || []).slice().forEach((f) => f(...args));
const model = {
  get: (key) => data[key],
  set: (key, value) => { data[key] = value; fire(`change:${key}`); },
  save_changes: () => fetch("/view", { method: "POST", body: JSON.stringify(data.view) }),
  on: (event, f) => { (listeners[event] = listeners[event] || []).push(f); },
  off: (event, f) => { listeners[event] = (listeners[event] || []).filter((g) => g !== f); },
  async send(content) {
    const answer = await (await fetch("/msg", { method: "POST", body: JSON.stringify(content) })).json();
    const buffers = answer.buffers.map((b) => { const s = atob(b), u = new Uint8Array(s.length);
      for (let k = 0; k < s.length; k++) u[k] = s.charCodeAt(k); return new DataView(u.buffer); });
    fire("msg:custom", answer.content, buffers);
  },
};
window.hostModel = model;
window.hostCleanup = widget.render({ model, el: document.getElementById("out") });
</script></body></html>"""


@contextlib.contextmanager
def widget_host(explorer: Any, above: int = 0) -> Iterator[str]:
    """Serve ``explorer``'s widget on the loopback address; yields the page's URL."""
    page = (PAGE % (css(), above)).encode()
    module = esm().encode()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            pass

        def _send(self, body: bytes, kind: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            if self.path == "/widget.js":
                self._send(module, "text/javascript")
            elif self.path == "/meta":
                start = {"meta": explorer.widget_meta(), "view": explorer.view}
                self._send(json.dumps(start).encode(), "application/json")
            else:
                self._send(page, "text/html")

        def do_POST(self) -> None:
            content = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/view":
                explorer._on_view({"new": content})
                self._send(b"{}", "application/json")
                return
            sent: list[Any] = []
            explorer._answer(Recorder(sent), content)
            reply, buffers = sent[0]
            body = {"content": reply, "buffers": [base64.b64encode(bytes(b)).decode() for b in buffers]}
            self._send(json.dumps(body).encode(), "application/json")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class Recorder:
    """What ``widget.send`` would send, kept."""

    def __init__(self, sent: list[Any]) -> None:
        self.sent = sent

    def send(self, content: Any, buffers: Any = None) -> None:
        self.sent.append((content, buffers or []))
