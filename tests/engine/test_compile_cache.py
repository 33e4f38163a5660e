"""numba's disk cache of the kernels: what is missing from it is compiled in a child
process, and what is damaged in it heals.

A damaged entry is removed by the next process, which says where, once, and compiles
those kernels again; the process after it sees a clean cache. The cache is a real
one: the compiled kernels of this test session, copied into a fresh
``NUMBA_CACHE_DIR``, with some of its files then damaged the ways files get damaged
(garbage written over them, a copy cut short). Every case runs in its own processes.
"""

from __future__ import annotations

import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import visheat
from visheat.engine import cache, ops

SRC = Path(visheat.__file__).resolve().parents[1]

#: two kernels that compile in about a second each, so that healing stays quick
INDEX_DAMAGED = "reduce.exponent_max-"
DATA_DAMAGED = "colour.blend_u8-"


def run_python(code: str, cache_dir: Path, **env: str) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "PYTHONPATH": str(SRC), "NUMBA_CACHE_DIR": str(cache_dir), **env}
    return subprocess.run([sys.executable, "-W", "default", "-c", textwrap.dedent(code)],
                          capture_output=True, text=True, env=full, timeout=300)


def _folder_in(cache_dir: Path) -> Path:
    """Where numba keeps the kernels under ``NUMBA_CACHE_DIR=cache_dir`` (asked in a process)."""
    done = run_python("""
        import json, numba
        from visheat.engine import cache, compiled
        print(json.dumps(sorted({d.stats.cache_path for d in cache.dispatchers(compiled)})))
    """, cache_dir, VISHEAT_NUMBA="0")
    assert done.returncode == 0, done.stderr
    (folder,) = json.loads(done.stdout)
    return Path(folder)


@pytest.fixture
def session_cache(compiled_kernels, tmp_path):
    """A copy of this session's compiled kernels in a fresh NUMBA_CACHE_DIR: (dir, folder)."""
    # the two kernels damaged below are in the cache too
    assert visheat.engine.all_finite(np.ones((2, 2), np.float32))
    ops.blend_u8(np.zeros((1, 1, 1, 3), np.uint8), np.zeros((1, 1, 1, 3), np.uint8), 0.5)
    (source,) = {Path(d.stats.cache_path) for d in cache.dispatchers(compiled_kernels)}
    target = _folder_in(tmp_path / "numba")
    target.mkdir(parents=True, exist_ok=True)  # numba made it, checking it is writable
    for path in list(source.glob("*.nbi")) + list(source.glob("*.nbc")):
        shutil.copy2(path, target / path.name)
    return tmp_path / "numba", target


def _damage(folder: Path) -> list[Path]:
    """Garbage over one kernel's index, one of another's data files cut short."""
    (index,) = folder.glob(INDEX_DAMAGED + "*.nbi")
    (data,) = folder.glob(DATA_DAMAGED + "*.1.nbc")
    index.write_bytes(b"\x80\x04garbage, not a pickle" * 3)
    data.write_bytes(data.read_bytes()[: len(data.read_bytes()) // 3])
    return [index, data]


KERNELS = """
    import json, sys, numpy as np, visheat
    from visheat.engine import jit, ops
    x = np.arange(12, dtype=np.float32).reshape(3, 4)
    heat = np.arange(48, dtype=np.uint8).reshape(1, 4, 4, 3) * 5
    image = np.full((1, 4, 4, 3), 200, np.uint8)
    {start}
    found = {{"finite": [visheat.engine.all_finite(x), visheat.engine.all_finite(np.where(x > 5, np.nan, x))],
              "blend": ops.blend_u8(heat, image, 0.25).tolist(),
              "status": visheat.engine.status(),
              # loads from the disk cache in this process (what a child compiled)
              "hits": sum(jit.kernels().blend_u8.stats.cache_hits.values())}}
    print(json.dumps(found))
"""


def _expected() -> dict:
    heat = np.arange(48, dtype=np.uint8).reshape(1, 4, 4, 3) * 5
    image = np.full((1, 4, 4, 3), 200, np.uint8)
    w = 16384  # 0.25 in 16-bit fixed point; round half up, written out
    blend = (image.astype(np.int64) * (65536 - w) + heat.astype(np.int64) * w + 32768) >> 16
    return {"finite": [True, False], "blend": blend.tolist()}


def _result(done: subprocess.CompletedProcess[str]) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("mode, start", [
    ("wait", ""),
    ("1", "assert visheat.engine.wait_for_kernels()"),  # the background load, waited for
])
def test_a_damaged_cache_is_removed_named_once_and_rebuilt(session_cache, mode, start):
    cache_dir, folder = session_cache
    damaged = _damage(folder)
    first = run_python(KERNELS.format(start=start), cache_dir, VISHEAT_NUMBA=mode)
    found = _result(first)
    assert found["status"].startswith("compiled kernels")
    assert {k: found[k] for k in ("finite", "blend")} == _expected()
    # waiting, this process compiles; loading in the background, a child does
    assert (found["hits"] > 0) == (mode == "1")
    warnings = [line for line in first.stderr.splitlines() if "Warning" in line]
    assert len(warnings) == 1 and "RuntimeWarning" in warnings[0], first.stderr
    assert str(folder) in first.stderr and "damaged" in first.stderr
    for path in damaged:  # written again by numba, readable
        assert path.exists()
    second = run_python(KERNELS.format(start=start), cache_dir, VISHEAT_NUMBA=mode)
    assert {k: _result(second)[k] for k in ("finite", "blend")} == _expected()
    assert "Warning" not in second.stderr, second.stderr


def test_without_a_child_process_the_loading_thread_compiles(session_cache):
    """An embedded interpreter (no ``sys.executable``) cannot start a child: the kernels
    missing from the cache compile in the loading thread instead."""
    cache_dir, folder = session_cache
    for path in folder.glob(DATA_DAMAGED + "*"):
        path.unlink()
    start = 'sys.executable = ""; assert visheat.engine.wait_for_kernels()'
    done = run_python(KERNELS.format(start=start), cache_dir, VISHEAT_NUMBA="1")
    found = _result(done)
    assert found["status"].startswith("compiled kernels") and found["hits"] == 0
    assert {k: found[k] for k in ("finite", "blend")} == _expected()
    assert done.stderr == ""


CHECK = """
    import json, numba
    from visheat.engine import cache, compiled
    print(json.dumps(sorted(p.name for p in cache.damaged_entries(compiled))))
"""


def _damaged_names(cache_dir: Path) -> list[str]:
    done = run_python(CHECK, cache_dir)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_only_unreadable_entries_count_as_damaged(session_cache):
    """An index of another numba version, or of an older source, is numba's to replace."""
    cache_dir, folder = session_cache
    (index,) = folder.glob(INDEX_DAMAGED + "*.nbi")
    (data,) = folder.glob(DATA_DAMAGED + "*.1.nbc")
    (other,) = folder.glob("colour.colorize_u8-*.nbi")
    other.write_bytes(pickle.dumps("0.0.0-another-numba", protocol=-1) + b"what it wrote")
    assert _damaged_names(cache_dir) == []
    data.write_bytes(b"")
    index.write_bytes(index.read_bytes()[:10])
    # each damaged kernel's whole entry: its index and every data file of it
    entries = [p.name for prefix in (INDEX_DAMAGED, DATA_DAMAGED) for p in folder.iterdir()
               if p.name.startswith(prefix)]
    assert len(entries) >= 4 and _damaged_names(cache_dir) == sorted(entries)
