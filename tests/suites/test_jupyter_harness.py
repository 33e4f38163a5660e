"""The Jupyter harness (tests/notebook_harness.py) in JupyterLab 4 and in Notebook 7.

Each app gets one server and one Chromium per module; every test opens its own
notebook in it. The tests prove what the widget's tests will lean on: a value set in
the kernel reaches an anywidget in the page and back, a kernel error shows in
``outputs()``, a widget that throws in JavaScript shows in ``console_errors()`` and a
clean notebook shows none, the kernel's pid is the kernel's, and the server keeps to
its private folders and stops with its kernels. Run with ``-s`` to see the timings.
"""

import json
import sys
import time
from pathlib import Path

import pytest
from browser import launched
from notebook_harness import jupyter_server, output_text

APPS = ["lab", "notebook"]

PROBE = '''import anywidget
import traitlets

class Probe(anywidget.AnyWidget):
    _esm = """
    export default { render({ model, el }) {
        window.harnessProbe = model.get("value");
        window.harnessModel = model;
        model.on("change:value", () => { window.harnessProbe = model.get("value"); });
        const div = document.createElement("div");
        div.className = "harness-probe";
        div.textContent = model.get("value");
        el.appendChild(div);
    } }"""
    value = traitlets.Unicode("").tag(sync=True)

probe = Probe(value="from-the-kernel-42")
probe'''

BOOM = '''import anywidget

class Boom(anywidget.AnyWidget):
    _esm = "export default { render() { throw new Error('harness-boom'); } }"

Boom()'''


@pytest.fixture(scope="module", params=APPS)
def server(request, tmp_path_factory):
    with jupyter_server(app=request.param, root=tmp_path_factory.mktemp(request.param)) as found:
        yield found


@pytest.fixture(scope="module")
def browser():
    with launched() as found:
        yield found


def test_a_kernel_value_reaches_an_anywidget_in_the_page_and_comes_back(server, browser):
    nb = server.open_notebook(browser, "probe.ipynb", cells=[PROBE])
    nb.run_all(timeout=60)
    assert nb.wait_for("window.harnessProbe", timeout=30) == "from-the-kernel-42"
    assert nb.evaluate("document.querySelector('.harness-probe').textContent") \
        == "from-the-kernel-42"
    nb.evaluate("window.harnessModel.set('value', 'from-the-page'); "
                "window.harnessModel.save_changes(); return true")
    assert nb.run_cell("print(probe.value)") == "from-the-page\n"
    nb.run_cell("probe.value = 'from-the-kernel-again'")
    assert nb.wait_for("window.harnessProbe === 'from-the-kernel-again'") is True
    assert nb.console_errors() == []  # a clean notebook, its widget included
    assert nb.screenshot().startswith(b"\x89PNG\r\n")


def test_a_kernel_error_is_reported_by_outputs(server, browser):
    nb = server.open_notebook(browser, "error.ipynb", cells=[
        "print('before')", "raise ValueError('harness-kernel-error')", "print('after')"])
    nb.run_all(timeout=60)
    before, error, after = nb.outputs()
    assert before == "before\n"
    assert "ValueError: harness-kernel-error" in error and "Traceback" in error
    assert after == ""  # Jupyter stops a run at the first error
    assert "\x1b[" not in error  # colours stripped


def test_a_widget_that_throws_in_javascript_is_a_console_error(server, browser):
    nb = server.open_notebook(browser, "boom.ipynb", cells=[BOOM])
    nb.run_all(timeout=60)
    deadline = time.monotonic() + 20
    while not nb.console_errors() and time.monotonic() < deadline:
        time.sleep(0.2)
    errors = nb.console_errors()
    # anywidget 0.11 logs the error itself; 0.9 (the floor) only the widget manager's
    # "Could not create a view for model id ..."
    assert errors and all("harness-boom" in error or "Could not create a view" in error
                          for error in errors), errors


def test_kernel_pid_is_the_kernel_process_and_the_only_one(server, browser):
    first = server.open_notebook(browser, "pid-first.ipynb", cells=["1"])
    first_pid = first.kernel_pid
    nb = server.open_notebook(browser, "pid.ipynb", cells=["import os"])
    nb.run_all(timeout=60)
    assert nb.kernel_pid == int(nb.run_cell("print(os.getpid())")) != first_pid
    # the first notebook's kernel was shut down, and the new page restored no old notebook
    assert server.kernel_pids() == [nb.kernel_pid]
    before = nb.kernel_rss
    assert before > 20e6  # a Python with IPython loaded
    nb.run_cell("block = bytearray(200_000_000)")  # 200 MB, touched: resident
    assert nb.kernel_rss - before > 150e6


def test_evaluate_awaits_and_reports_javascript_errors_and_timeouts(server, browser):
    nb = server.open_notebook(browser, "js.ipynb", cells=["1"])
    assert nb.evaluate("await new Promise((done) => setTimeout(() => done(7), 10))") == 7
    assert nb.evaluate("const a = await Promise.resolve(3); return [a, a * 2]") == [3, 6]
    with pytest.raises(RuntimeError, match="harness-js-error"):
        nb.evaluate("throw new Error('harness-js-error')")
    with pytest.raises(RuntimeError, match="timed out after 1 s"):
        nb.evaluate("await new Promise(() => {})", timeout=1)
    assert nb.evaluate("1 + 1") == 2  # the connection survived the timeout
    assert nb.console_errors() == []  # the rejected evaluations are not page errors


def test_the_server_keeps_to_its_private_folders_and_the_network_stays_off(server, browser):
    browser.call("Network.enable")
    try:
        nb = server.open_notebook(browser, "paths.ipynb", cells=["1"])
        requested = {event["params"]["request"]["url"] for event in browser.events
                     if event.get("method") == "Network.requestWillBeSent"}
    finally:
        browser.call("Network.disable")
    assert len(requested) > 10  # the page's scripts, settings, kernel specs ...
    elsewhere = sorted(url for url in requested if not url.startswith(
        (server.url, server.url.replace("http", "ws", 1), "data:", "blob:")))
    assert elsewhere == []
    paths = json.loads(nb.run_cell(
        "import json, sys, IPython.paths, jupyter_core.paths as p\n"
        "print(json.dumps([p.jupyter_data_dir(), p.jupyter_config_dir(), p.jupyter_runtime_dir(),"
        " IPython.paths.get_ipython_dir(), sys.executable]))"))
    assert [Path(p).is_relative_to(server.home) for p in paths[:4]] == [True] * 4, paths
    assert Path(paths[4]).resolve() == Path(sys.executable).resolve()  # this Python
    tracker = server.api("GET", "lab/api/settings/@jupyterlab/notebook-extension:tracker")
    assert '"windowingMode": "none"' in tracker["raw"]  # read from the private settings
    assert server.api("GET", "lab/api/news") == {"news": []}
    assert server.api("GET", "lab/api/update")["notification"] is None


@pytest.mark.parametrize("app", APPS)
def test_start_open_and_shut_down(app, tmp_path, capsys):
    start = time.monotonic()
    with jupyter_server(app=app, root=tmp_path) as server, launched() as browser:
        started = time.monotonic()
        nb = server.open_notebook(browser, "timed.ipynb", cells=["x = 1"])
        opened = time.monotonic()
        kernel, process = nb.kernel_pid, server.process
        assert (tmp_path / "timed.ipynb").exists() and server.root == tmp_path
    stopped = time.monotonic()
    with capsys.disabled():
        print(f"\n{app}: server {started - start:.1f} s, notebook open {opened - started:.1f} s, "
              f"shut down {stopped - opened:.1f} s")
    assert process is not None and process.returncode is not None  # the server exited
    assert not Path(f"/proc/{kernel}").exists()  # and so did its kernel


def test_output_text_reads_every_kind_of_output():
    outputs = [{"output_type": "stream", "name": "stdout", "text": ["a\n", "b"]},
               {"output_type": "execute_result", "data": {"text/plain": "3"}},
               {"output_type": "display_data", "data": {"text/html": "<b>x</b>"}},
               {"output_type": "error", "ename": "E", "evalue": "v",
                "traceback": ["\x1b[31mE\x1b[0m: v"]}]
    assert output_text(outputs) == "a\nb\n3\nE: v\n"
    assert output_text([]) == ""


def test_errors_of_the_page_left_behind_are_not_counted(browser, tmp_path):
    # a module's browser goes from page to page (and from a stopped server's page to the
    # next server's): what the old page logs while it is left belongs to neither
    noisy, quiet = tmp_path / "noisy.html", tmp_path / "quiet.html"
    noisy.write_text("<script>setInterval(() => console.error('old page'), 1)</script>")
    quiet.write_text("<p>quiet</p>")
    for _ in range(3):
        browser.open(noisy.as_uri())
        time.sleep(0.2)
        assert browser.errors()  # the collector sees the noisy page's errors
        browser.open(quiet.as_uri())
        assert browser.errors() == []
