"""The engine under the conditions a user's process brings: fresh processes, forks,
numba's JIT turned off, read-only installs, many thread counts.

Each case runs in its own Python process with a time limit, so a hang fails the
test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numba
import numpy as np
import pytest

import visheat

SRC = Path(visheat.__file__).resolve().parents[1]


def run_python(code: str, env: dict[str, str] | None = None, timeout: float = 240
               ) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(SRC), **(env or {})}
    return subprocess.run([sys.executable, "-W", "default", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, env=full, timeout=timeout)


PICTURES = """
    import json, numpy as np, visheat
    x = np.random.default_rng(3).standard_t(3, size=(6, 3, 40, 40)).astype(np.float32)
    cams = np.random.default_rng(4).random((6, 7, 7)).astype(np.float32)
    images = np.random.default_rng(5).integers(0, 256, (6, 40, 40, 3), dtype=np.uint8)
    pictures = [visheat.heatmap(x, p).to_numpy() for p in ("sensitivity", "attribution")]
    pictures.append(visheat.heatmap(cams, images, "cam", layout="NHW").to_numpy())
    print(json.dumps({"pictures": [p.tolist() for p in pictures],
                      "status": visheat.engine.status()}))
"""


def _pictures(done: subprocess.CompletedProcess[str]) -> tuple[list[np.ndarray], str]:
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.strip().splitlines()[-1])
    return [np.array(p) for p in found["pictures"]], found["status"]


@pytest.fixture(scope="module")
def numpy_pictures() -> list[np.ndarray]:
    return _pictures(run_python(PICTURES, {"VISHEAT_NUMBA": "0"}))[0]


def test_the_first_call_is_served_at_once_and_the_kernels_take_over(numpy_pictures):
    # The script holds the lock the loading thread takes before it loads anything, so
    # what the first call runs on is decided, not raced: numpy, and without waiting
    # for the kernels (if it waited, the script would hang and time out).
    code = """
        import numpy as np, visheat
        from visheat.engine import jit
        x = np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32)
        print("before", visheat.engine.status())
        with jit._STATE.lock:
            first = visheat.heatmap(x).to_numpy()
            print("first", visheat.engine.status())
        assert visheat.engine.wait_for_kernels()
        again = visheat.heatmap(x).to_numpy()
        print("then", visheat.engine.status())
        assert (first == again).all()
    """
    done = run_python(code, {"VISHEAT_NUMBA": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "before numpy (the compiled kernels load at the first call)",
        "first numpy, while the compiled kernels load",
        f"then compiled kernels (numba {numba.__version__})"]


def test_numba_jit_turned_off_gives_the_same_pictures_and_one_warning(numpy_pictures):
    done = run_python(PICTURES.replace("print(json", "visheat.heatmap(x)\n    print(json"),
                      {"NUMBA_DISABLE_JIT": "1", "VISHEAT_NUMBA": "wait"})
    pictures, status = _pictures(done)
    assert "NUMBA_DISABLE_JIT" in status
    assert done.stderr.count("RuntimeWarning") == 1 and "NUMBA_DISABLE_JIT" in done.stderr
    for got, expected in zip(pictures, numpy_pictures):
        assert np.array_equal(got, expected)


@pytest.fixture
def read_only_install(tmp_path):
    """visheat copied to a read-only file system, with a read-only home."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a read-only file system needs root")
    root = tmp_path / "ro"
    root.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "none", str(root)]).returncode:
        pytest.skip("this machine does not allow mounting a tmpfs")
    try:
        shutil.copytree(SRC / "visheat", root / "site" / "visheat",
                        ignore=shutil.ignore_patterns("__pycache__", "*.nbi", "*.nbc"))
        (root / "home").mkdir()
        subprocess.run(["mount", "-o", "remount,ro", str(root)], check=True)
        yield root
    finally:
        subprocess.run(["umount", str(root)])


def test_no_writable_cache_location_falls_back_to_numpy_with_one_warning(read_only_install,
                                                                         numpy_pictures):
    env = {"PYTHONPATH": str(read_only_install / "site"), "HOME": str(read_only_install / "home"),
           "VISHEAT_NUMBA": "wait", "XDG_CACHE_HOME": str(read_only_install / "home")}
    env_clean = {k: v for k, v in os.environ.items() if k != "NUMBA_CACHE_DIR"}
    done = subprocess.run([sys.executable, "-W", "default", "-c", textwrap.dedent(PICTURES)],
                          capture_output=True, text=True, env={**env_clean, **env}, timeout=240)
    pictures, status = _pictures(done)
    assert "NUMBA_CACHE_DIR" in status and done.stderr.count("RuntimeWarning") == 1
    for got, expected in zip(pictures, numpy_pictures):
        assert np.array_equal(got, expected)


@pytest.mark.parametrize("how", ["os.fork", "multiprocessing", "ProcessPoolExecutor"])
def test_a_process_forked_after_the_pool_started_renders(how):
    code = f"""
        import os, multiprocessing, concurrent.futures, numpy as np, visheat
        x = np.random.default_rng(0).standard_normal((16, 3, 128, 128)).astype(np.float32)
        parent = visheat.heatmap(x, threads=2).to_numpy()   # the pool's threads start here

        def child(_=None):
            return int((visheat.heatmap(x, threads=2).to_numpy() == parent).all())

        how = {how!r}
        if how == "os.fork":
            pid = os.fork()
            if pid == 0:
                os._exit(0 if child() else 3)
            _, status = os.waitpid(pid, 0)
            ok = os.waitstatus_to_exitcode(status) == 0
        elif how == "multiprocessing":
            with multiprocessing.get_context("fork").Pool(1) as pool:
                ok = pool.map(child, [0])[0] == 1
        else:
            ctx = multiprocessing.get_context("fork")
            with concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx) as ex:
                ok = ex.submit(child).result() == 1
        print("ok" if ok else "different")
    """
    done = run_python(code, timeout=180)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("ok")


def test_many_thread_counts_share_one_bounded_pool():
    code = """
        import threading, numpy as np, visheat
        x = np.random.default_rng(0).standard_normal((64, 3, 64, 64)).astype(np.float32)
        for threads in range(3, 40):
            visheat.heatmap(x, threads=threads)
        alive = [t for t in threading.enumerate() if t.name.startswith("visheat")]
        print(len(alive), visheat.engine.threads.pool_size())
    """
    done = run_python(code)
    assert done.returncode == 0, done.stderr
    alive, size = map(int, done.stdout.split())
    assert size <= 38 and alive <= size + 1  # + the kernels' loader


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_visheat_threads_follows_the_rules_of_threads(monkeypatch, value):
    monkeypatch.setenv("VISHEAT_THREADS", value)
    with pytest.raises(ValueError, match=f"VISHEAT_THREADS: expected a whole number of threads "
                                         f">= 1 .*; got '{value}'"):
        visheat.heatmap(np.ones((1, 3, 4, 4), np.float32))


def test_an_empty_visheat_threads_means_every_cpu(monkeypatch):
    monkeypatch.setenv("VISHEAT_THREADS", " ")
    assert visheat.engine.default_threads() == visheat.engine.usable_cpus()


def test_an_unknown_visheat_numba_value_is_named(monkeypatch):
    monkeypatch.setenv("VISHEAT_NUMBA", "fast")
    with pytest.raises(ValueError, match="VISHEAT_NUMBA: expected 1 .* got 'fast'"):
        visheat.heatmap(np.ones((1, 3, 4, 4), np.float32))


@pytest.mark.parametrize("scale, dtype", [(1e-25, np.float32), (1e-200, np.float64)])
@pytest.mark.parametrize("pipe", ["sensitivity", "attribution",
                                  visheat.NormReduction() | visheat.PercentileClip()
                                  | visheat.ExtremaColormap()])
def test_tiny_values_give_the_picture_of_the_unscaled_values(scale, dtype, pipe):
    x = np.random.default_rng(0).standard_t(3, size=(4, 3, 48, 48))
    plain = visheat.heatmap(x.astype(dtype), pipe).to_numpy().astype(int)
    tiny = visheat.heatmap((x * scale).astype(dtype), pipe).to_numpy().astype(int)
    assert np.abs(plain - tiny).max() <= 1 and (plain == tiny).mean() > 0.999
    assert len(np.unique(tiny.reshape(-1, 3), axis=0)) > 50  # never one flat colour
