"""A real Jupyter server (JupyterLab 4 or Notebook 7) and its notebooks, for tests.

``jupyter_server(app="lab" | "notebook", root=...)`` starts the server of this Python
on a free loopback port, with a token, no browser and no network: no news, no update
check, a read-only extension manager. Everything Jupyter and IPython write (runtime,
config, data, settings, workspaces, history) goes to a private folder beside the log;
the kernel is this Python's ipykernel. ``server.open_notebook(browser, name, cells)``
writes a notebook under ``root``, opens it in a ``tests/browser.py`` Chromium and hands
back a ``Notebook`` that runs its cells through ``window.jupyterapp``'s commands, reads
their outputs from the live model and evaluates JavaScript in the page. A failure of
the harness (a server that does not start, a page that never opens, a timeout) raises
with the server's log in its message; any other failing test that has a server (or a
notebook) among its fixtures shows the log too (tests/conftest.py).

    with jupyter_server(app="lab", root=tmp_path) as server, launched() as browser:
        nb = server.open_notebook(browser, "explore.ipynb", cells=["import visheat", "..."])
        nb.run_all(timeout=120)
        assert nb.wait_for("document.querySelector('.my-widget')")   # polls until truthy
        value = nb.evaluate("await window.something()")  # or a body: "...; return x"
        nb.outputs()          # each cell's output as text, tracebacks included
        nb.run_cell("print(1)") == "1\n"
        nb.console_errors() == []
        nb.kernel_pid, nb.kernel_rss

One notebook per page: opening another shuts the previous one's kernel down.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from browser import Chromium

ROOT = Path(__file__).resolve().parents[1]

# app -> (module run with -m, its traitlets class, the URL prefix that opens a notebook)
APPS = {"lab": ("jupyterlab", "LabApp", "lab/tree/"),
        "notebook": ("notebook", "JupyterNotebookApp", "notebooks/")}

# Lab and Notebook 7 both read these: every cell attached to the page (a widget in a
# cell out of view renders too), no notification asking to fetch news.
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                    "checkForUpdates": False},
}

# Errors Jupyter's own code raises on a clean page, by app, as regular expressions.
KNOWN_ERRORS = {
    # Notebook 7.6: at start-up the shortcuts plugin reads the schema of a plugin whose
    # settings are not loaded yet, a race (jupyter/notebook#7862); harmless to the page.
    "notebook": [r"^exception: TypeError: Cannot read properties of undefined "
                 r"\(reading 'schema'\)\n\s+at \S+/static/notebook/notebook_core\."],
}

# Run before the harness leaves a Jupyter page: every document clean, so that leaving
# asks nothing (Chromium logs an error for a blocked "unsaved changes" prompt).
LEAVE = """(() => { if (!window.jupyterapp) return false;
  for (const widget of window.jupyterapp.shell.widgets('main'))
    if (widget.context && widget.context.model) widget.context.model.dirty = false;
  return true; })()"""

# Installed in the page after it loads: finds the notebook panel and waits on it.
HELPERS = r"""
window.__harness = {
  async until(check, seconds, what) {
    const end = Date.now() + seconds * 1000;
    for (;;) {
      const found = await check();
      if (found) return found;
      if (Date.now() > end) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
      await new Promise((done) => setTimeout(done, 50));
    }
  },
  panel(path) {
    const app = window.jupyterapp;
    for (const widget of app.shell.widgets('main'))
      if (widget.context && widget.context.path === path && widget.content.model) return widget;
    return null;
  },
  async idle(panel, seconds) {
    await window.__harness.until(() => {
      const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
      return kernel && kernel.status === 'idle' && kernel.connectionStatus === 'connected';
    }, seconds, 'an idle kernel');
  },
  async open(path, seconds) {
    const h = window.__harness;
    await h.until(() => window.jupyterapp, seconds, 'window.jupyterapp');
    await window.jupyterapp.started;
    await window.jupyterapp.restored;
    const panel = await h.until(() => h.panel(path), seconds, `the notebook ${path}`);
    await panel.context.ready;
    await panel.sessionContext.ready;
    await h.idle(panel, seconds);
    return true;
  },
  async run(path, command, seconds) {
    const h = window.__harness, panel = h.panel(path);
    window.jupyterapp.shell.activateById(panel.id);
    await h.until(() => window.jupyterapp.shell.currentWidget === panel, seconds, 'focus');
    await window.jupyterapp.commands.execute(command);
    await h.idle(panel, seconds);
    return true;
  },
};
true
"""


@contextlib.contextmanager
def jupyter_server(app: str = "lab", root: Path | str | None = None, *,
                   timeout: float = 60.0,
                   env: dict[str, str] | None = None) -> Iterator[JupyterServer]:
    """A running JupyterLab 4 (``app="lab"``) or Notebook 7 (``app="notebook"``) server.

    ``root`` is the folder it serves (a temporary one if None); ``env`` adds variables
    for the server and its kernels (``PYTHONPATH`` already starts with this checkout's
    ``src``). On exit the server shuts down its kernels and stops.
    """
    server = JupyterServer(app, root, timeout=timeout, env=env)
    try:
        server.start()
        yield server
    except BaseException as error:
        if hasattr(error, "add_note") and "Jupyter server log" not in str(error):
            error.add_note(server.log_tail())  # Python 3.11+; 3.10 shows the harness's own
        server.stop()  # the private folder stays, its log named in the message
        raise
    server.stop()
    shutil.rmtree(server.home, ignore_errors=True)


class JupyterServer:
    """One Jupyter server process: ``url``, ``token``, ``root``, ``log``."""

    def __init__(self, app: str, root: Path | str | None, *, timeout: float = 60.0,
                 env: dict[str, str] | None = None) -> None:
        if app not in APPS:
            raise ValueError(f"app: expected one of {sorted(APPS)}. Got {app!r}")
        self.app = app
        self.timeout = timeout
        self.home = Path(tempfile.mkdtemp(prefix=f"visheat-jupyter-{app}-"))
        self.root = Path(root) if root is not None else self.home / "root"
        self.root.mkdir(parents=True, exist_ok=True)
        self.log = self.home / "server.log"
        self.token = secrets.token_hex(16)
        self.url = ""
        self.process: subprocess.Popen[bytes] | None = None
        self.extra_env = dict(env or {})

    # -- the process ----------------------------------------------------------------------

    def environment(self) -> dict[str, str]:
        """The server's (and so its kernels') environment: every Jupyter folder private."""
        dirs = {name: self.home / folder for name, folder in [
            ("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"), ("IPYTHONDIR", "ipython"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces")]}
        for folder in dirs.values():
            folder.mkdir(parents=True, exist_ok=True)
        paths = [str(ROOT / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(
            os.pathsep))]
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(paths),
                   JUPYTER_PLATFORM_DIRS="1", PYDEVD_DISABLE_FILE_VALIDATION="1",
                   **{name: str(folder) for name, folder in dirs.items()})
        env.pop("JUPYTER_PATH", None)
        env.pop("JUPYTER_CONFIG_PATH", None)
        env.update(self.extra_env)
        return env

    def command(self) -> list[str]:
        module, app_class, _ = APPS[self.app]
        return [sys.executable, "-m", module, "--no-browser", "--ip=127.0.0.1", "--port=0",
                "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                f"--ServerApp.root_dir={self.root}", "--ServerApp.terminals_enabled=False",
                f"--{app_class}.expose_app_in_browser=True",
                "--LabApp.news_url=None", "--LabApp.extension_manager=readonly",
                "--LabApp.check_for_updates_class="
                "jupyterlab.handlers.announcements.NeverCheckForUpdate",
                *(["--allow-root"] if os.geteuid() == 0 else [])]  # CI runs as root

    def _write_config(self, env: dict[str, str]) -> None:
        """This Python's kernel and the settings above."""
        spec = Path(env["JUPYTER_DATA_DIR"]) / "kernels" / "python3"
        spec.mkdir(parents=True, exist_ok=True)
        (spec / "kernel.json").write_text(json.dumps({
            "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            "display_name": "Python 3 (visheat tests)", "language": "python",
            "metadata": {"debugger": False}}), encoding="utf-8")
        for plugin, values in SETTINGS.items():
            path = Path(env["JUPYTERLAB_SETTINGS_DIR"]) / f"{plugin}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values), encoding="utf-8")

    def start(self) -> None:
        env = self.environment()
        self._write_config(env)
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(self.command(), cwd=self.root, env=env,
                                            stdin=subprocess.DEVNULL, stdout=log,
                                            stderr=subprocess.STDOUT)
        info = Path(env["JUPYTER_RUNTIME_DIR"]) / f"jpserver-{self.process.pid}.json"
        deadline = time.monotonic() + self.timeout
        while not (info.exists() and info.read_text(encoding="utf-8").strip()):
            if self.process.poll() is not None:
                raise AssertionError(f"the Jupyter server exited with code "
                                     f"{self.process.returncode}{self.log_tail()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"the Jupyter server did not start in "
                                     f"{self.timeout} s{self.log_tail()}")
            time.sleep(0.05)
        port = json.loads(info.read_text(encoding="utf-8"))["port"]
        self.url = f"http://127.0.0.1:{port}/"
        while True:  # the info file is written before the server answers
            try:
                self.api("GET", "api/status")
                return
            except OSError as error:
                if time.monotonic() > deadline:
                    raise AssertionError(f"the Jupyter server does not answer: {error!r}"
                                         f"{self.log_tail()}") from error
                time.sleep(0.05)

    def api(self, method: str, path: str, body: Any = None) -> Any:
        """One call of the server's REST API; its JSON answer (None when empty)."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method,
                                         headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            text = answer.read()
        return json.loads(text) if text.strip() else None

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kernel_pids(self) -> list[int]:
        """Processes running a kernel of this server (their command names its runtime)."""
        runtime = str(self.home / "runtime")
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    cmdline = (entry / "cmdline").read_bytes().split(b"\0")
                except OSError:
                    continue
                if any(part.decode(errors="replace").startswith(runtime + "/kernel-")
                       for part in cmdline):
                    found.append(int(entry.name))
        return found

    def stop(self) -> None:
        """Shut down the kernels and the server, then remove its runtime folder."""
        process, kernels = self.process, self.kernel_pids()
        if process is not None and process.poll() is None:
            with contextlib.suppress(OSError):
                self.api("POST", "api/shutdown")
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        for pid in kernels:  # a kernel the server left behind: ours, ended by its id
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.home / "runtime", ignore_errors=True)

    def log_tail(self, lines: int = 60) -> str:
        """The end of the server's log, to append to a failure's message."""
        text = self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() \
            else ""
        tail = "\n".join(text.splitlines()[-lines:])
        return f"\n--- Jupyter server log ({self.log}) ---\n{tail}"

    # -- notebooks --------------------------------------------------------------------------

    def open_notebook(self, browser: Chromium, name: str, cells: list[str | dict[str, Any]],
                      *, timeout: float = 60.0) -> Notebook:
        """Write ``cells`` (code as text, or nbformat cell dicts) as ``root/name``, open it.

        The notebook this browser showed before is closed first (its kernel shut down).
        Returns once the page's ``window.jupyterapp`` shows the notebook and its kernel is
        idle; no cell has run yet.
        """
        previous = getattr(browser, "jupyter_notebook", None)
        if previous is not None and previous.server.running():
            previous.close()
        with contextlib.suppress(RuntimeError):  # no prompt to keep unsaved changes
            browser.evaluate(LEAVE, timeout=10)
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(notebook_json(cells), indent=1), encoding="utf-8")
        relative = path.relative_to(self.root).as_posix()
        opened = Notebook(self, browser, relative)
        browser.call("Emulation.setFocusEmulationEnabled", enabled=True)  # a focus tracker
        reset = "reset&" if self.app == "lab" else ""  # no notebook of a past page restored
        try:
            browser.open(f"{self.url}{APPS[self.app][2]}{relative}?{reset}token={self.token}")
        except (TimeoutError, OSError) as error:  # websocket's timeout is an OSError
            raise AssertionError(f"the page of {relative} did not load: {error!r}"
                                 f"{opened._context()}") from error
        browser.evaluate(HELPERS)
        opened.call("open", timeout)
        browser.jupyter_notebook = opened  # type: ignore[attr-defined]
        return opened


class Notebook:
    """A notebook open in a browser page, driven through ``window.jupyterapp``."""

    def __init__(self, server: JupyterServer, browser: Chromium, path: str) -> None:
        self.server, self.browser, self.path = server, browser, path

    def evaluate(self, expression: str, timeout: float = 30.0) -> Any:
        """The JSON value of JavaScript in the page, awaited; raises with the JS error's text.

        ``expression`` is an expression (``await`` allowed: ``"await f()"``) or, when it
        is not one, the body of an async function (``"const a = await f(); return a"``).
        """
        wrapped = f"(async () => (\n{expression}\n))()"
        compiled = self.browser.call("Runtime.compileScript", expression=wrapped,
                                     sourceURL="", persistScript=False)
        if "exceptionDetails" in compiled:  # not an expression: a function body
            wrapped = f"(async () => {{\n{expression}\n}})()"
        try:
            return self.browser.evaluate(wrapped, timeout=timeout)
        except RuntimeError as error:
            raise RuntimeError(f"{error}{self._context()}") from None

    def call(self, helper: str, *args: Any) -> Any:
        """``window.__harness[helper](path, *args)``; the last argument is the timeout."""
        arguments = ", ".join(json.dumps(a) for a in (self.path, *args))
        return self.evaluate(f"await window.__harness.{helper}({arguments})",
                             timeout=float(args[-1]) + 5 if args else 30.0)

    def wait_for(self, expression: str, timeout: float = 30.0) -> Any:
        """Poll a JavaScript expression until it is truthy; return its value."""
        return self.evaluate(f"await window.__harness.until(async () => ({expression}), "
                             f"{timeout}, {json.dumps(expression)})", timeout=timeout + 5)

    def run_all(self, timeout: float = 120.0) -> None:
        """Run every cell (``notebook:run-all-cells``); return when done and idle.

        A cell that raises stops the run, as in Jupyter: see ``outputs()``.
        """
        self.call("run", "notebook:run-all-cells", timeout)

    def run_cell(self, code: str, timeout: float = 60.0) -> str:
        """Append a code cell, run it, and return its output as text."""
        index = self.evaluate(f"""
            const panel = window.__harness.panel({json.dumps(self.path)});
            const model = panel.content.model;
            model.sharedModel.insertCell(model.cells.length,
                                         {{cell_type: 'code', source: {json.dumps(code)}}});
            panel.content.activeCellIndex = model.cells.length - 1;
            panel.content.deselectAll();
            return model.cells.length - 1""")
        self.call("run", "notebook:run-cell", timeout)
        return self.outputs()[index]

    def model(self) -> dict[str, Any]:
        """The notebook as nbformat JSON, read from the live model in the page."""
        return dict(self.evaluate(
            f"window.__harness.panel({json.dumps(self.path)}).content.model.toJSON()"))

    def outputs(self) -> list[str]:
        """Each cell's output as text (``""`` for none), error tracebacks included."""
        return [output_text(cell.get("outputs", [])) for cell in self.model()["cells"]]

    def console_errors(self, *, known: bool = False) -> list[str]:
        """Console errors and uncaught exceptions on the page since it opened.

        Errors of Jupyter's own that every page of this app shows (``KNOWN_ERRORS``) are
        left out unless ``known=True``.
        """
        found = self.browser.errors()
        if known:
            return found
        return [error for error in found
                if not any(re.search(pattern, error, re.DOTALL)
                           for pattern in KNOWN_ERRORS.get(self.server.app, []))]

    def screenshot(self) -> bytes:
        """A PNG of the page (``Path("shot.png").write_bytes(nb.screenshot())``)."""
        return self.browser.screenshot()

    @property
    def kernel_id(self) -> str:
        return str(self.evaluate(f"window.__harness.panel({json.dumps(self.path)})"
                                 f".sessionContext.session.kernel.id"))

    @property
    def kernel_pid(self) -> int:
        """The process id of this notebook's kernel (read its /proc/PID/status)."""
        marker = f"kernel-{self.kernel_id}.json"
        for pid in self.server.kernel_pids():
            with contextlib.suppress(OSError):
                if marker in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace"):
                    return pid
        raise AssertionError(f"no process runs the kernel {marker}{self._context()}")

    @property
    def kernel_rss(self) -> int:
        """The kernel's resident memory in bytes (``VmRSS`` of /proc/PID/status)."""
        status = Path(f"/proc/{self.kernel_pid}/status").read_text(encoding="utf-8")
        return int(next(line for line in status.splitlines()
                        if line.startswith("VmRSS:")).split()[1]) * 1024

    def close(self) -> None:
        """Shut this notebook's kernel down and leave it clean (no unsaved-changes prompt)."""
        with contextlib.suppress(RuntimeError, TimeoutError):
            self.evaluate(f"""
                const panel = window.__harness.panel({json.dumps(self.path)});
                if (panel) await panel.sessionContext.shutdown();""", timeout=20)

    def _context(self) -> str:
        errors = "\n".join(self.browser.errors()) or "(none)"
        return f"\n--- page console errors ---\n{errors}{self.server.log_tail()}"


def notebook_json(cells: list[str | dict[str, Any]]) -> dict[str, Any]:
    """An nbformat 4.5 notebook of ``cells`` (code as text, or cell dicts), this kernel's."""
    def cell(given: str | dict[str, Any]) -> dict[str, Any]:
        if isinstance(given, str):
            given = {"cell_type": "code", "source": given}
        found = {"id": uuid.uuid4().hex[:8], "metadata": {}, **given}
        if found["cell_type"] == "code":
            found = {"execution_count": None, "outputs": [], **found}
        return found
    return {"nbformat": 4, "nbformat_minor": 5, "cells": [cell(c) for c in cells],
            "metadata": {"kernelspec": {"name": "python3", "language": "python",
                                        "display_name": "Python 3 (visheat tests)"},
                         "language_info": {"name": "python"}}}


ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def output_text(outputs: list[dict[str, Any]]) -> str:
    """nbformat outputs as text: streams, ``text/plain`` of results, error tracebacks."""
    parts = []
    for output in outputs:
        kind = output.get("output_type")
        if kind == "stream":
            parts.append(joined(output.get("text", "")))
        elif kind in ("execute_result", "display_data"):
            parts.append(joined(output.get("data", {}).get("text/plain", "")))
        elif kind == "error":
            parts.append(ANSI.sub("", "\n".join(output.get("traceback", [])) or
                                  f"{output.get('ename')}: {output.get('evalue')}"))
    return "".join(part if part.endswith("\n") else part + "\n" for part in parts if part)


def joined(text: str | list[str]) -> str:
    return text if isinstance(text, str) else "".join(text)
