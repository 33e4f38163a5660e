"""A zarr store of attribution maps to PNG files: in-process vs a Dask LocalCluster.

Writes a ``(count, 3, 64, 64)`` float32 zarr store (default 100 000 maps, chunks of
2 000 along N, seeded Student-t maps), then renders it with the ``"attribution"``
preset to one PNG per map, three ways, each in a fresh child process:

* ``in-process``: ``visheat.save_heatmaps(store, ..., batch_size=chunk)``, the
  streaming writer, on every usable CPU (threads);
* ``dask-1`` and ``dask-2``: ``visheat.dask.save_heatmaps(store, ...)`` on a
  ``LocalCluster(n_workers=k, threads_per_worker=1, processes=True)``.

For each: wall time of the call, maps/s, and peak resident memory (``VmHWM``) of
the process that renders (the child for in-process, each worker for Dask; the
Dask client's own peak is shown too). Workers are warmed up (visheat imported,
kernels compiled) on a few maps before the timed call. Prints Markdown tables.

Run: ``nice python bench/dask_render.py [--count 100000] [--chunk 2000]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

POOL = 2048  # distinct maps; the store cycles through them, scaled per chunk


def peak_mb() -> float:
    """This process's resident-memory high-water mark (VmHWM), MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")  # pragma: no cover - not Linux


def write_store(path: Path, count: int, chunk: int) -> float:
    import zarr

    start = time.perf_counter()
    rng = np.random.default_rng(0)
    pool = rng.standard_t(3, size=(POOL, 3, 64, 64)).astype(np.float32)
    z = zarr.open(str(path), mode="w", shape=(count, 3, 64, 64), chunks=(chunk, 3, 64, 64),
                  dtype="f4")
    for k, a in enumerate(range(0, count, chunk)):
        b = min(count, a + chunk)
        idx = np.arange(a, b) % POOL
        z[a:b] = pool[idx] * np.float32(1 + 0.01 * (k % 7))
    return time.perf_counter() - start


def child(route: str, store: str, out: str, chunk: int) -> dict:
    """Run one route in this (fresh) process; return its measurements."""
    import zarr

    import visheat

    x = zarr.open(store, mode="r")
    result: dict = {"route": route}
    if route == "in-process":
        visheat.save_heatmaps(x[:64], "attribution", directory=out + "-warm")
        start = time.perf_counter()
        paths = visheat.save_heatmaps(x, "attribution", directory=out, batch_size=chunk)
        result["seconds"] = time.perf_counter() - start
        result["worker_peak_mb"] = [peak_mb()]
    else:
        from distributed import Client, LocalCluster

        import visheat.dask as vd

        workers = int(route.split("-")[1])
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                          dashboard_address=None, memory_limit=0) as cluster, \
                Client(cluster) as client:
            vd.save_heatmaps(x[: 64 * workers], "attribution", directory=out + "-warm",
                             chunks=64)  # import visheat and compile its kernels everywhere
            start = time.perf_counter()
            paths = vd.save_heatmaps(x, "attribution", directory=out)
            result["seconds"] = time.perf_counter() - start
            result["worker_peak_mb"] = list(client.run(peak_mb).values())
        result["client_peak_mb"] = peak_mb()
    result["maps"] = len(paths)
    result["png_mb"] = sum(os.path.getsize(p) for p in paths[:: max(1, len(paths) // 1000)]) \
        * (len(paths) / len(paths[:: max(1, len(paths) // 1000)])) / 1e6
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--chunk", type=int, default=2000)
    parser.add_argument("--routes", default="in-process,dask-1,dask-2")
    parser.add_argument("--folder", help="where to write (default: a temporary folder)")
    parser.add_argument("--child", nargs=3, metavar=("ROUTE", "STORE", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child, args.chunk)))
        return
    import dask
    import distributed
    import zarr

    import visheat

    folder = Path(args.folder or tempfile.mkdtemp(prefix="visheat-dask-bench-"))
    store = folder / "maps.zarr"
    seconds = write_store(store, args.count, args.chunk)
    size = sum(f.stat().st_size for f in store.rglob("*") if f.is_file()) / 1e9
    print(f"visheat {visheat.__version__}, dask {dask.__version__}, distributed "
          f"{distributed.__version__}, zarr {zarr.__version__}, numpy {np.__version__}; "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} at the start.\n")
    print(f"Store: {args.count:,} maps 3×64×64 float32 in chunks of {args.chunk} "
          f"({size:.2f} GB on disk, written in {seconds:.0f} s). Pictures: 'attribution' "
          "preset, 64×64 RGB PNG, default compress_level.\n")
    rows = []
    for route in args.routes.split(","):
        out = folder / f"png-{route}"
        proc = subprocess.run([sys.executable, __file__, "--chunk", str(args.chunk), "--child",
                               route, str(store), str(out)], capture_output=True, text=True)
        if proc.returncode:
            sys.exit(f"{route} failed:\n{proc.stderr[-3000:]}")
        rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        shutil.rmtree(out, ignore_errors=True)
        shutil.rmtree(str(out) + "-warm", ignore_errors=True)
    base = next((r for r in rows if r["route"] == "in-process"), rows[0])
    one = next((r for r in rows if r["route"] == "dask-1"), None)
    print("| route | maps | seconds | maps / s | × in-process | peak RSS per worker (MB) "
          "| PNG (GB) |")
    print("|---|---:|---:|---:|---:|---|---:|")
    for r in rows:
        rate = r["maps"] / r["seconds"]
        peaks = ", ".join(f"{p:.0f}" for p in r["worker_peak_mb"])
        if "client_peak_mb" in r:
            peaks += f" (client {r['client_peak_mb']:.0f})"
        print(f"| {r['route']} | {r['maps']:,} | {r['seconds']:.1f} | {rate:.0f} | "
              f"{base['seconds'] / r['seconds']:.2f} | {peaks} | {r['png_mb'] / 1e3:.2f} |")
    two = next((r for r in rows if r["route"] == "dask-2"), None)
    if one and two:
        print(f"\nScaling 1 → 2 workers: {one['seconds'] / two['seconds']:.2f}× "
              f"(load average {os.getloadavg()[0]:.1f} at the end).")
    if not args.folder:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
