"""A process may end while the kernels compile: it exits cleanly and leaves nothing running.

Each script is a fresh process with an empty compile cache, so the kernels are
being compiled when it ends (see :mod:`visheat.engine.jit`: the compilation
runs in a child process, which the exit hook kills, and the loading thread stops
at a safe point before the interpreter shuts down).
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

import visheat

SRC = Path(visheat.__file__).resolve().parents[1]

#: Scripts run two at a time; about a second each on two busy cores, so well under a minute.
RUNS = 20

SHORT = """
    import numpy as np, visheat
    visheat.heatmap(np.ones((1, 3, 8, 8), np.float32))
    {then}
"""


def _processes_using(folder: Path) -> list[str]:
    """Command lines of live processes whose environment names ``folder`` (Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:  # gone meanwhile, or not ours to read
            continue
        if str(folder).encode() in environ and b"pytest" not in cmdline:
            found.append(cmdline.replace(b"\0", b" ").decode(errors="replace"))
    return found


def _run(tmp_path: Path, index: int, then: str) -> tuple[int, str, Path]:
    cache = tmp_path / f"cache{index}"
    cache.mkdir()
    env = {**os.environ, "PYTHONPATH": str(SRC), "NUMBA_CACHE_DIR": str(cache),
           "VISHEAT_NUMBA": "1"}
    done = subprocess.run([sys.executable, "-W", "default", "-c",
                           textwrap.dedent(SHORT.format(then=then))],
                          capture_output=True, text=True, env=env, timeout=120)
    return done.returncode, done.stderr, cache


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="reads /proc (Linux)")
def test_processes_that_end_while_the_kernels_compile_exit_cleanly(tmp_path):
    # half end at once (numba is still being imported), half a moment later (compiling)
    thens = ["pass", "import time; time.sleep(1.5)"] * (RUNS // 2)
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(lambda job: _run(tmp_path, *job), enumerate(thens)))
    assert [code for code, _, _ in results] == [0] * RUNS, [err for _, err, _ in results]
    assert [err for _, err, _ in results] == [""] * RUNS  # no traceback from the thread
    # the compiling child died with its parent: nothing keeps working on these caches
    assert [p for _, _, cache in results for p in _processes_using(cache)] == []
