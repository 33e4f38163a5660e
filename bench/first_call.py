"""How long a new user waits: import, first call with an empty compile cache, first call
in a new process with a warm cache. Each is a fresh Python process.

Run: ``python bench/first_call.py``
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile

PROBE = """
import json, sys, time
t0 = time.perf_counter()
import visheat
t1 = time.perf_counter()
import numpy as np
x = np.random.default_rng(0).standard_normal((8, 3, 224, 224)).astype(np.float32)
t2 = time.perf_counter()
visheat.heatmap(x)
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "first": t3 - t2, "engine": visheat.engine.status()}))
if "--wait" in sys.argv:
    visheat.engine.wait_for_kernels()
"""


def probe(cache: str, wait: bool = False) -> dict[str, object]:
    code = PROBE
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    env.pop("VISHEAT_NUMBA", None)
    done = subprocess.run([sys.executable, "-c", code] + (["--wait"] if wait else []),
                          capture_output=True, text=True, env=env, check=True)
    return json.loads(done.stdout.splitlines()[0])


def main() -> None:
    imported = subprocess.run(
        [sys.executable, "-c", "import sys, time; t = time.perf_counter(); import visheat; "
         "print(time.perf_counter() - t, 'matplotlib' in sys.modules, 'numba' in sys.modules)"],
        capture_output=True, text=True, check=True).stdout.split()
    print(f"import visheat: {float(imported[0]):.3f} s (matplotlib imported: {imported[1]}, "
          f"numba imported: {imported[2]})")
    with tempfile.TemporaryDirectory() as cache:
        cold = probe(cache, wait=True)  # also fills the cache before the process ends
        print(f"first heatmap(), empty compile cache: {cold['first']:.3f} s ({cold['engine']})")
        warm = probe(cache)
        print(f"first heatmap(), new process, warm cache: {warm['first']:.3f} s "
              f"({warm['engine']})")


if __name__ == "__main__":
    main()
