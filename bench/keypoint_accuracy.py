"""Keypoint decoding accuracy: visheat's decoders beside SLEAP's and mmpose's.

Run by hand (not a test)::

    PYTHONPATH=src python bench/keypoint_accuracy.py \
        [--mmpose-python /tmp/kpref/bin/python] [--sleap-python /tmp/kpref-sleap/bin/python]

1500 random sub-pixel points (100 samples x 15 keypoints), stride 4, heatmaps of
64 x 48 (images of 256 x 192), unbiased Gaussian targets with sigma 2 heatmap
pixels; "noisy" adds Gaussian noise of 0.03 (the peak is 1) and clips at 0.
Errors are Euclidean, in image pixels, measured on the heatmap grid each decoder
assumes (so grid offsets between conventions do not count as error). Two point
sets: anywhere on the map, and the interior (at least 3 sigma from every edge).

Rows marked "(their code)" run mmpose 1.3.2's / sleap-nn 0.3.5's own functions
in the environments given on the command line (see tools/make_keypoint_vectors.py
for how they were installed); without them only visheat's presets run, which
reproduce those functions (tests/keypoints/test_compat.py). The table is printed
and written to docs/keypoints_accuracy.md with the machine it ran on.
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from visheat import keypoints as kp

ROOT = Path(__file__).resolve().parent.parent
H, W, STRIDE, SIGMA, N, K = 64, 48, 4, 2.0, 100, 15
SEED = 2024


def make_points(rng: np.random.Generator, interior: bool) -> np.ndarray:
    margin = 3 * SIGMA if interior else -0.5
    xs = rng.uniform(margin, W - 1 - margin, (N, K))
    ys = rng.uniform(margin, H - 1 - margin, (N, K))
    return np.stack([xs, ys], -1)                      # heatmap coordinates


def make_maps(rng: np.random.Generator, hm_points: np.ndarray) -> dict[str, np.ndarray]:
    points = kp.to_image(hm_points, STRIDE)
    clean = kp.gaussian_heatmaps(points, (H, W), SIGMA, stride=STRIDE).heatmaps
    noisy = np.clip(clean + rng.normal(0, 0.03, clean.shape), 0, None).astype(np.float32)
    return {"clean": clean, "noisy": noisy}


VISHEAT = [
    ("visheat argmax", dict(method="argmax")),
    ("visheat quarter", dict(method="quarter")),
    ("visheat dark", dict(method="dark")),
    ("visheat dark, blur=2", dict(method="dark", blur=2.0)),
    ("visheat topk (k=9)", dict(method="topk")),
    ("visheat integral (5x5)", dict(method="integral")),
    ("preset mmpose-msra (quarter)", dict(convention="mmpose-msra")),
    ("preset mmpose-dark (DARK, k=11)", dict(convention="mmpose-dark")),
    ("preset mmpose-udp (DARK-UDP, k=11)", dict(convention="mmpose-udp")),
    ("preset hrnet (quarter)", dict(convention="hrnet")),
    ("preset sleap (integral 5x5)", dict(convention="sleap", threshold=0.0)),
]


def run_visheat(maps: np.ndarray, kwargs: dict) -> tuple[np.ndarray, float]:
    conv = kp.get_convention(kwargs.get("convention", "visheat"))
    start = time.perf_counter()
    points, _ = kp.decode(maps, **kwargs)
    seconds = time.perf_counter() - start
    offset = conv.offset_for(1.0)                      # stride 1: heatmap coordinates
    return points - offset, seconds


REFERENCE = r'''
import json, sys, time, types
import numpy as np
sys.path.insert(0, sys.argv[3])
import make_keypoint_vectors as v
maps = np.load(sys.argv[1]).astype(np.float32)
out = {}
if sys.argv[2] == "mmpose":
    mm = v.load_mmpose(); pp, rf = mm["post_processing"], mm["refinement"]
    for name, fn in [("mmpose quarter (their code)", lambda l, m: rf.refine_keypoints(l, m)),
                     ("mmpose DARK, k=11 (their code)", lambda l, m: rf.refine_keypoints_dark(l, m, 11)),
                     ("mmpose DARK-UDP, k=11 (their code)", lambda l, m: rf.refine_keypoints_dark_udp(l, m, 11))]:
        pts, t0 = [], time.perf_counter()
        for sample in maps:
            locs, _ = pp.get_heatmap_maximum(sample.copy())
            pts.append(fn(locs[None].copy(), sample.copy())[0])
        out[name] = (np.stack(pts).tolist(), time.perf_counter() - t0)
else:
    sys.meta_path.insert(0, v._InertTorchvision())
    import torch
    from sleap_nn.inference.peak_finding import find_global_peaks
    for name, ref in [("sleap-nn global peak (their code)", None),
                      ("sleap-nn integral 5x5 (their code)", "integral")]:
        t0 = time.perf_counter()
        pts, _ = find_global_peaks(torch.from_numpy(maps), threshold=0.0, refinement=ref,
                                   integral_patch_size=5)
        out[name] = (pts.numpy().tolist(), time.perf_counter() - t0)
print(json.dumps(out))
'''


def run_reference(python: str, system: str, maps: np.ndarray) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "maps.npy"
        np.save(path, maps)
        done = subprocess.run([python, "-c", REFERENCE, str(path), system, str(ROOT / "tools")],
                              capture_output=True, text=True, check=True)
    return {name: (np.array(p, dtype=np.float64), t) for name, (p, t) in
            json.loads(done.stdout.strip().splitlines()[-1]).items()}


def errors(decoded: np.ndarray, truth: np.ndarray) -> np.ndarray:
    return np.hypot(*(decoded - truth).reshape(-1, 2).T) * STRIDE


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.platform()}, Python {platform.python_version()}, numpy "
            f"{np.__version__}, {cpu}")


def table(title: str, rows: list[tuple[str, dict]]) -> str:
    lines = [f"### {title}", "",
             "| decoder | clean mean | clean p95 | noisy mean | noisy p95 | µs / keypoint |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, r in rows:
        lines.append(f"| {name} | {r['clean'][0]:.4f} | {r['clean'][1]:.4f} | "
                     f"{r['noisy'][0]:.4f} | {r['noisy'][1]:.4f} | {r['time']:.2f} |")
    return "\n".join(lines)


def evaluate(interior: bool, args: argparse.Namespace) -> list[tuple[str, dict]]:
    rng = np.random.default_rng(SEED + interior)
    truth = make_points(rng, interior)
    maps = make_maps(rng, truth)
    results: dict[str, dict] = {}
    for kind, m in maps.items():
        found = {name: run_visheat(m, kw) for name, kw in VISHEAT}
        for flag, system in ((args.mmpose_python, "mmpose"), (args.sleap_python, "sleap")):
            if flag:
                found.update(run_reference(flag, system, m))
        for name, (decoded, seconds) in found.items():
            e = errors(decoded, truth)
            entry = results.setdefault(name, {"time": []})
            entry[kind] = (float(e.mean()), float(np.percentile(e, 95)))
            entry["time"].append(seconds / (N * K) * 1e6)
    for entry in results.values():
        entry["time"] = float(np.mean(entry["time"]))
    return list(results.items())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mmpose-python", help="interpreter with mmpose 1.3.2 (+ torch, cv2)")
    parser.add_argument("--sleap-python", help="interpreter with sleap-nn 0.3.5")
    parser.add_argument("--out", default=str(ROOT / "docs" / "keypoints_accuracy.md"))
    args = parser.parse_args()
    body = "\n\n".join([table("Points anywhere on the map", evaluate(False, args)),
                        table("Interior points (at least 3 sigma from every edge)",
                              evaluate(True, args))])
    text = (f"# Keypoint decoding accuracy\n\nMade by `bench/keypoint_accuracy.py` (seed {SEED}): "
            f"{N * K} random sub-pixel points, stride {STRIDE}, sigma {SIGMA:g}, heatmaps "
            f"{H} x {W}, unbiased targets; noisy = + N(0, 0.03) clipped at 0. Errors in image "
            f"pixels. Rows \"(their code)\" ran mmpose's or sleap-nn's own functions; rows "
            f"\"preset\" are visheat's reproductions of them.\n\nMachine: {machine()}\n\n"
            f"{body}\n")
    print(text)
    Path(args.out).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
