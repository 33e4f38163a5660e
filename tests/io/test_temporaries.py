"""Temporary files of io.files.write_atomic: owned per write, removed on every interruption.

Real threads and real processes: a folder overwritten by one thread while another writes
into it, KeyboardInterrupts in a writing thread, SIGINT sent to a process that saves on
threads. Nothing here asserts on time; the loops are bounded by counts.
"""

from __future__ import annotations

import ctypes
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import visheat
from visheat.engine import map_threads
from visheat.io.files import remove_temporaries, write_atomic

SRC = Path(__file__).resolve().parents[2] / "src"
X = np.random.default_rng(3).normal(size=(6, 3, 8, 8)).astype(np.float32)


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*.tmp"))


def environment() -> dict[str, str]:
    path = os.pathsep.join([str(SRC)] + [p for p in os.environ.get("PYTHONPATH", "").split(
        os.pathsep) if p])
    return dict(os.environ, PYTHONPATH=path, VISHEAT_NUMBA="0")


def test_a_folder_overwritten_by_one_thread_loses_no_file_another_thread_writes(tmp_path):
    """save_heatmaps(existing="overwrite") removes stale temporaries; never a live one."""
    pages: dict[str, bytes] = {}
    errors: list[BaseException] = []
    done = threading.Event()

    def write_pages() -> None:
        i = 0
        while i < 1500 or not done.is_set():  # at least 1500 pages, and on until the end
            name, payload = f"page{i % 25}.html", f"<p>page {i}</p>\n".encode() * 300
            try:
                write_atomic(tmp_path / name, payload)
            except BaseException as err:  # noqa: BLE001 - reported by the assertion below
                errors.append(err)
                return
            pages[name] = payload
            i += 1

    writer = threading.Thread(target=write_pages)
    writer.start()
    try:
        for _ in range(150):
            visheat.save_heatmaps(X, directory=tmp_path, existing="overwrite", threads=2)
    finally:
        done.set()
        writer.join()
    assert errors == []
    assert {name: (tmp_path / name).read_bytes() for name in pages} == pages  # all complete
    for picture in tmp_path.glob("*.png"):
        with Image.open(picture) as image:
            image.load()  # decodes: complete
    assert len(list(tmp_path.glob("*.png"))) == len(X) and temporaries(tmp_path) == []


def test_this_processs_own_leftovers_are_removed_and_its_writes_in_flight_kept(tmp_path):
    own = f"{os.getpid() & 0xFFFFFF:06x}"
    left = tmp_path / f".a.png.{own}abcdef.tmp"  # ours, in no write: an earlier process's
    left.write_bytes(b"half")
    seen: list[list[str]] = []

    def pieces():
        yield b"first half, "
        seen.append([p.name for p in remove_temporaries(tmp_path)])  # while this write runs
        yield b"second half"

    write_atomic(tmp_path / "b.html", pieces())
    assert seen == [[left.name]] and (tmp_path / "b.html").read_bytes() == \
        b"first half, second half"
    assert temporaries(tmp_path) == []


def test_a_keyboard_interrupt_in_a_worker_thread_removes_its_temporary(tmp_path):
    raised = threading.Event()

    def pieces():
        if threading.current_thread() is threading.main_thread():
            raised.wait()  # the pool's thread takes an item too, however busy the machine
        yield b"x" * 1000
        if threading.current_thread() is not threading.main_thread():
            raised.set()
            raise KeyboardInterrupt
        yield b"y"

    with pytest.raises(KeyboardInterrupt):
        map_threads(lambda i: write_atomic(tmp_path / f"{i}.html", pieces()), list(range(40)), 2)
    assert temporaries(tmp_path) == []
    written = {p.read_bytes() for p in tmp_path.iterdir()}  # the main thread's, if any
    assert written <= {b"x" * 1000 + b"y"}  # complete


def _raise_in(thread: threading.Thread, error: type[BaseException] | None) -> None:
    """Raise ``error`` in ``thread`` at its next bytecode, as a signal does in the main thread
    (``None`` withdraws an exception not raised yet)."""
    ctypes.pythonapi.PyThreadState_SetAsyncExc(
        ctypes.c_ulong(thread.ident or 0), None if error is None else ctypes.py_object(error))


# An interruption just after open() returns drops the file object, which Python closes at
# once (a ResourceWarning says so); its temporary is removed all the same.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_keyboard_interrupts_anywhere_in_a_writing_thread_leave_no_temporary(tmp_path,
                                                                             monkeypatch):
    payload = Path(visheat.__file__).read_bytes()
    stop = threading.Event()
    counts = {"written": 0, "interrupted": 0}
    escaped: list[type[BaseException] | None] = []  # landed outside the writer's try
    monkeypatch.setattr(threading, "excepthook", lambda args: escaped.append(args.exc_type))

    def write_files() -> None:
        while not stop.is_set():
            try:
                write_atomic(tmp_path / f"{counts['written'] % 50}.py", payload)
                counts["written"] += 1
            except KeyboardInterrupt:
                counts["interrupted"] += 1

    def start() -> threading.Thread:
        thread = threading.Thread(target=write_files)
        thread.start()
        return thread

    moments = random.Random(7)
    writer = start()
    for _ in range(1000):
        raised = counts["interrupted"] + len(escaped)
        time.sleep(moments.uniform(0, 3e-4))  # a moment somewhere in the writer's loop
        _raise_in(writer, KeyboardInterrupt)
        while counts["interrupted"] + len(escaped) == raised and writer.is_alive():
            time.sleep(1e-5)  # until the writer has raised it
        if not writer.is_alive():
            writer = start()
    stop.set()
    _raise_in(writer, None)
    writer.join()
    assert set(escaped) <= {KeyboardInterrupt}
    assert counts["interrupted"] > 500 and counts["written"] > 200, counts
    assert temporaries(tmp_path) == []
    for path in tmp_path.iterdir():
        assert path.read_bytes() == payload  # complete


# The child saves on two threads, run after run; each run ends with the parent's SIGINT
# (during the rendering, the writes, or the sleep after them). The pool's thread starts
# before the first signal: CPython's ThreadPoolExecutor, interrupted while it starts a
# thread, forgets that thread and the interpreter then waits for it forever at exit.
CHILD = """
import sys, time
import numpy as np
from visheat import save_heatmaps
from visheat.engine import map_threads
root, runs = sys.argv[1], int(sys.argv[2])
x = np.random.default_rng(0).normal(size=(400, 1, 16, 16)).astype(np.float32)
map_threads(abs, [1, 2], 2)  # starts the pool's thread
for k in range(runs):
    try:
        print("start", k, flush=True)
        save_heatmaps(x, directory=f"{root}/{k}", threads=2, batch_size=40)
        while True:  # until the parent's signal ends the run (short sleeps: a signal that
            time.sleep(0.01)  # the pool's thread received does not wake a long one)
    except KeyboardInterrupt:
        pass
    print("end", k, flush=True)
"""


def test_sigint_during_threaded_saves_leaves_no_temporary(tmp_path):
    runs = 40
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(tmp_path), str(runs)],
                             env=environment(), stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(600, child.kill)  # a hung child fails the test, not the suite
    watchdog.start()
    try:
        for k in range(runs):
            assert child.stdout.readline().split() == ["start", str(k)]
            folder, wanted = tmp_path / str(k), min(400, (k * 47) % 440)  # 0 to all files
            while child.poll() is None and (
                    len(os.listdir(folder)) if folder.is_dir() else 0) < wanted:
                time.sleep(0.001)
            child.send_signal(signal.SIGINT)
            assert child.stdout.readline().split() == ["end", str(k)]
        assert child.wait() == 0
    finally:
        watchdog.cancel()
        if child.poll() is None:
            child.kill()
            child.wait()
        child.stdout.close()
    assert temporaries(tmp_path) == []
    for picture in tmp_path.rglob("*.png"):
        with Image.open(picture) as image:
            image.load()  # every file with its final name is complete


# A write interrupted while its temporary cannot be removed (the first unlink fails, as a
# second Ctrl-C during the clean-up would cut it short): the process removes it at exit,
# and a child forked meanwhile leaves it alone when the child exits.
LEFT_AT_EXIT = """
import os, sys
from pathlib import Path
from visheat.io.files import write_atomic
folder, real, failed = sys.argv[1], os.unlink, []
def unlink(path, *args, **kwargs):
    if not failed:
        failed.append(path)
        raise OSError(5, "Input/output error")
    return real(path, *args, **kwargs)
os.unlink = unlink
def pieces():
    yield b"half"
    raise KeyboardInterrupt
try:
    write_atomic(Path(folder) / "a.png", pieces())
except KeyboardInterrupt:
    pass
print(len(os.listdir(folder)), flush=True)
child = os.fork()
if child == 0:
    sys.exit(0)  # a normal exit, its exit handlers run
os.waitpid(child, 0)
print(len(os.listdir(folder)), flush=True)
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_a_temporary_left_by_an_interrupted_clean_up_is_removed_at_exit(tmp_path):
    done = subprocess.run([sys.executable, "-c", LEFT_AT_EXIT, str(tmp_path)],
                          env=environment(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "1"]  # left, and kept by the forked child's exit
    assert temporaries(tmp_path) == [] and list(tmp_path.iterdir()) == []  # gone at exit
