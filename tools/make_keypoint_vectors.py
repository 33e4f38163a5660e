"""Make the keypoint test vectors by running other systems' own code.

Each part runs under an interpreter that has that system installed, never
visheat, and writes ``tests/keypoints/data/<system>_vectors.npz`` holding the
inputs, the outputs and a ``meta`` string with the system's version::

    python -m venv /tmp/kpref && /tmp/kpref/bin/pip install "numpy<2" imgaug
    /tmp/kpref/bin/pip install --no-deps mmpose==1.3.2
    /tmp/kpref/bin/pip install -c constraints.txt torch   # mmpose's post_processing imports it
    /tmp/kpref/bin/python tools/make_keypoint_vectors.py mmpose
    /tmp/kpref/bin/python tools/make_keypoint_vectors.py imgaug
    python -m venv /tmp/kpref-sleap && /tmp/kpref-sleap/bin/pip install -c constraints.txt sleap-nn
    /tmp/kpref-sleap/bin/python tools/make_keypoint_vectors.py sleap
    python tools/make_keypoint_vectors.py hrnet

mmpose's codec helpers are loaded from their files, so mmcv (compiled) is not
needed; the two lines of codec glue (divide by ``scale_factor``) are repeated
here as the codec writes them. HRNet (deep-high-resolution-net.pytorch) is not
installable, so its part is an INDEPENDENT RE-DERIVATION of
``JointsDataset.generate_target`` and ``get_final_preds`` written from their
published source, labelled as such in ``meta``.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import types
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent.parent / "tests" / "keypoints" / "data"
RNG = np.random.default_rng(20240611)


def save(name: str, meta: dict, **arrays: np.ndarray) -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT / f"{name}_vectors.npz", meta=np.array(json.dumps(meta)), **arrays)
    print(f"wrote {name}: {sorted(arrays)}")


def random_points(n: int, width: float, height: float, margin: float = 0.0) -> np.ndarray:
    return np.stack([RNG.uniform(-margin, width + margin, n),
                     RNG.uniform(-margin, height + margin, n)], -1)


def noisy_maps(points_hm: np.ndarray, size: tuple[int, int], sigma: float) -> np.ndarray:
    """Gaussian bumps plus clipped noise, float32 (an independent little generator)."""
    h, w = size
    ys, xs = np.mgrid[0:h, 0:w]
    x, y = points_hm[..., 0, None, None], points_hm[..., 1, None, None]
    maps = np.exp(-((xs - x) ** 2 + (ys - y) ** 2) / (2 * sigma ** 2))
    maps = maps + RNG.normal(0, 0.03, maps.shape)
    return np.clip(maps, 0, None).astype(np.float32)


# -- mmpose -------------------------------------------------------------------------
def load_mmpose() -> dict:
    from importlib.metadata import version

    spec = importlib.util.find_spec("mmpose")
    base = Path(spec.submodule_search_locations[0]) / "codecs" / "utils"
    pkg = types.ModuleType("mmpose_codec_utils")
    pkg.__path__ = [str(base)]
    sys.modules[pkg.__name__] = pkg
    mods = {}
    for name in ("post_processing", "gaussian_heatmap", "refinement"):
        spec = importlib.util.spec_from_file_location(f"{pkg.__name__}.{name}", base / f"{name}.py")
        mod = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = mod
        spec.loader.exec_module(mod)
        mods[name] = mod
    mods["version"] = version("mmpose")
    return mods


def make_mmpose() -> None:
    mm = load_mmpose()
    gh, pp, rf = mm["gaussian_heatmap"], mm["post_processing"], mm["refinement"]
    import cv2

    input_size, heatmap_size = (192, 256), (48, 64)          # [w, h] as mmpose writes them
    ratio = (np.array(input_size) / heatmap_size).astype(np.float32)
    aligned = ((np.array(input_size) - 1) / (np.array(heatmap_size) - 1)).astype(np.float32)
    n, k = 3, 8
    out = {}
    # encode: points over the image and a little beyond, some invisible
    pts = random_points(n * k, 192, 256, margin=20).reshape(n, k, 2).astype(np.float32)
    vis = (RNG.random((n, k)) > 0.15).astype(np.float32)
    out["encode_points"], out["encode_visible"] = pts, vis
    for sigma in (2.0, 1.5):
        tag = str(sigma).replace(".", "_")
        for kind, fn, scale in (("msra", gh.generate_gaussian_heatmaps, ratio),
                                ("unbiased", gh.generate_unbiased_gaussian_heatmaps, ratio),
                                ("udp", gh.generate_udp_gaussian_heatmaps, aligned)):
            maps, weights = [], []
            for i in range(n):   # the codecs encode one instance at a time
                hm, w = fn(heatmap_size=heatmap_size, keypoints=pts[i:i + 1] / scale,
                           keypoints_visible=vis[i:i + 1], sigma=sigma)
                maps.append(hm)
                weights.append(w[0])
            out[f"encode_{kind}_sigma{tag}"] = np.stack(maps)
            out[f"encode_{kind}_sigma{tag}_weights"] = np.stack(weights)
    out["ratio"], out["aligned"] = ratio, aligned
    # decode: noisy predicted maps, plus empty and negative channels
    n, k = 4, 8
    truth = random_points(n * k, 47, 63, margin=0.5).reshape(n, k, 2)
    maps = noisy_maps(truth, (64, 48), 2.0)
    maps[0, 0] = 0.0
    maps[0, 1] = -np.abs(maps[0, 1])
    maps[1, 2] = 0.25                                         # flat
    out["decode_maps"] = maps
    quarter, dark, dark_udp, scores = [], [], [], []
    for i in range(n):
        locs, vals = pp.get_heatmap_maximum(maps[i].copy())
        quarter.append(rf.refine_keypoints(locs[None].copy(), maps[i].copy())[0])
        dark.append(rf.refine_keypoints_dark(locs[None].copy(), maps[i].copy(), 11)[0])
        dark_udp.append(rf.refine_keypoints_dark_udp(locs[None].copy(), maps[i].copy(), 11)[0])
        scores.append(vals)
    out["decode_quarter"], out["decode_dark"] = np.stack(quarter), np.stack(dark)
    out["decode_dark_udp"], out["decode_scores"] = np.stack(dark_udp), np.stack(scores)
    for ks in (11, 17):
        out[f"blur_{ks}"] = np.stack([pp.gaussian_blur(m.copy(), ks) for m in maps[2:5]])
    meta = {"system": "mmpose", "version": mm["version"], "opencv": cv2.__version__,
            "numpy": np.__version__, "input_size_wh": input_size,
            "heatmap_size_wh": heatmap_size,
            "code": "mmpose.codecs.utils: generate_gaussian_heatmaps, "
                    "generate_unbiased_gaussian_heatmaps, generate_udp_gaussian_heatmaps, "
                    "get_heatmap_maximum, refine_keypoints, refine_keypoints_dark, "
                    "refine_keypoints_dark_udp, gaussian_blur",
            "decode outputs": "heatmap index coordinates (before the codec's scale)"}
    save("mmpose", meta, **out)


# -- imgaug -------------------------------------------------------------------------
def make_imgaug() -> None:
    import imgaug
    from imgaug.augmentables.kps import Keypoint, KeypointsOnImage

    h, w, k = 20, 24, 6
    pts = random_points(30 * k, w, h).reshape(30, k, 2)
    frac_low = pts - np.floor(pts) < 0.5                       # imgaug rounds, see meta
    images = np.stack([KeypointsOnImage([Keypoint(x=x, y=y) for x, y in p], shape=(h, w))
                       .to_keypoint_image(size=1) for p in pts])  # (N, H, W, K) uint8
    maps = RNG.integers(0, 256, (20, h, w, k)).astype(np.uint8)
    maps[0, ..., 0] = 0
    maps[1, ..., 3] = 0
    decoded = []
    for m in maps:
        kps = KeypointsOnImage.from_keypoint_image(m, if_not_found_coords={"x": -1, "y": -1},
                                                   threshold=1)
        decoded.append([[kp.x, kp.y] for kp in kps.keypoints])
    meta = {"system": "imgaug", "version": imgaug.__version__, "numpy": np.__version__,
            "code": "KeypointsOnImage.to_keypoint_image(size=1), "
                    "KeypointsOnImage.from_keypoint_image(threshold=1, if_not_found -1)",
            "layout": "keypoint images are (N, H, W, K)"}
    save("imgaug", meta, encode_points=pts, encode_images=images,
         encode_fraction_below_half=frac_low, decode_images=maps,
         decode_points=np.array(decoded))


def _inert_attribute(attr: str):
    if attr.startswith("__"):
        raise AttributeError(attr)
    return type(attr, (), {})


class _InertTorchvision:
    """Import hook: every ``torchvision`` module is an empty stand-in."""

    def find_spec(self, name, path=None, target=None):
        if name != "torchvision" and not name.startswith("torchvision."):
            return None
        return importlib.util.spec_from_loader(name, self, is_package=True)

    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = _inert_attribute
        return module

    def exec_module(self, module):
        pass


# -- SLEAP (sleap-nn) -----------------------------------------------------------------
def make_sleap() -> None:
    # torchvision's compiled ops do not load against this local torch build; the
    # confidence-map and peak-finding code below never calls torchvision, it is
    # only imported on the way (resizing, torchmetrics), so inert modules stand in.
    sys.meta_path.insert(0, _InertTorchvision())
    import sleap_nn
    import torch
    from sleap_nn.data.confidence_maps import generate_confmaps
    from sleap_nn.inference.peak_finding import find_global_peaks, find_local_peaks

    stride, sigma, img_hw, n, k = 4, 1.5, (96, 128), 10, 5
    pts = random_points(n * k, 128, 96, margin=6).reshape(n, k, 2).astype(np.float32)
    pts[0, 1] = np.nan
    cms = generate_confmaps(torch.from_numpy(pts), img_hw, sigma=sigma,
                            output_stride=stride).numpy()
    truth = random_points(n * k, 31, 23, margin=0.5).reshape(n, k, 2)
    maps = noisy_maps(truth, (24, 32), 1.5)
    maps[0, 0] *= 0.1                                           # below threshold
    out = {"encode_points": pts, "encode_maps": cms, "decode_maps": maps}
    for refinement in (None, "integral"):
        peaks, vals = find_global_peaks(torch.from_numpy(maps), threshold=0.2,
                                        refinement=refinement, integral_patch_size=5)
        out[f"global_{refinement}_points"], out[f"global_{refinement}_scores"] = (
            peaks.numpy(), vals.numpy())
    multi = np.zeros((4, 3, 24, 32), np.float32)
    for _ in range(3):
        multi = np.maximum(multi, noisy_maps(random_points(12, 31, 23, margin=0.5)
                                             .reshape(4, 3, 2), (24, 32), 1.0))
    out["local_maps"] = multi
    for refinement in (None, "integral"):
        peaks, vals, samples, channels = find_local_peaks(torch.from_numpy(multi), threshold=0.2,
                                                          refinement=refinement,
                                                          integral_patch_size=5)
        for name, arr in (("points", peaks), ("scores", vals), ("samples", samples),
                          ("channels", channels)):
            out[f"local_{refinement}_{name}"] = arr.numpy()
    meta = {"system": "sleap", "version": sleap_nn.__version__, "torch": torch.__version__,
            "stride": stride, "sigma": sigma, "image_hw": img_hw,
            "code": "sleap_nn.data.confidence_maps.generate_confmaps, "
                    "sleap_nn.inference.peak_finding.find_global_peaks / find_local_peaks "
                    "(threshold 0.2, integral_patch_size 5)",
            "decode outputs": "heatmap index coordinates (SLEAP multiplies by output_stride)"}
    save("sleap", meta, **out)


# -- HRNet: re-derivation -------------------------------------------------------------
def hrnet_target(joints: np.ndarray, vis: np.ndarray, image_size: np.ndarray,
                 heatmap_size: np.ndarray, sigma: float) -> tuple[np.ndarray, np.ndarray]:
    """Re-derived from JointsDataset.generate_target (target_type 'gaussian')."""
    num = len(joints)
    weight = vis.astype(np.float32).copy()
    target = np.zeros((num, heatmap_size[1], heatmap_size[0]), np.float32)
    tmp = sigma * 3
    for j in range(num):
        stride = image_size / heatmap_size
        mu_x, mu_y = int(joints[j][0] / stride[0] + 0.5), int(joints[j][1] / stride[1] + 0.5)
        ul, br = [int(mu_x - tmp), int(mu_y - tmp)], [int(mu_x + tmp + 1), int(mu_y + tmp + 1)]
        if ul[0] >= heatmap_size[0] or ul[1] >= heatmap_size[1] or br[0] < 0 or br[1] < 0:
            weight[j] = 0
            continue
        size = 2 * tmp + 1
        x = np.arange(0, size, 1, np.float32)
        y = x[:, None]
        g = np.exp(-((x - size // 2) ** 2 + (y - size // 2) ** 2) / (2 * sigma ** 2))
        gx = max(0, -ul[0]), min(br[0], heatmap_size[0]) - ul[0]
        gy = max(0, -ul[1]), min(br[1], heatmap_size[1]) - ul[1]
        ix = max(0, ul[0]), min(br[0], heatmap_size[0])
        iy = max(0, ul[1]), min(br[1], heatmap_size[1])
        if weight[j] > 0.5:
            target[j][iy[0]:iy[1], ix[0]:ix[1]] = g[gy[0]:gy[1], gx[0]:gx[1]]
    return target, weight


def hrnet_decode(maps: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Re-derived from core/inference.get_max_preds + get_final_preds (POST_PROCESS on)."""
    n, k, h, w = maps.shape
    flat = maps.reshape(n, k, -1)
    idx, vals = flat.argmax(2), flat.max(2)
    coords = np.stack([idx % w, np.floor(idx / w)], -1).astype(np.float32)
    coords *= (vals > 0)[..., None]
    for i in range(n):
        for p in range(k):
            px, py = int(np.floor(coords[i, p, 0] + 0.5)), int(np.floor(coords[i, p, 1] + 0.5))
            if 1 < px < w - 1 and 1 < py < h - 1:
                hm = maps[i, p]
                diff = np.array([hm[py][px + 1] - hm[py][px - 1], hm[py + 1][px] - hm[py - 1][px]])
                coords[i, p] += np.sign(diff) * 0.25
    return coords, vals


def make_hrnet() -> None:
    image_size, heatmap_size = np.array([192, 256]), np.array([48, 64])
    n, k = 8, 17
    pts = random_points(n * k, 192, 256, margin=16).reshape(n, k, 2)
    vis = (RNG.random((n, k)) > 0.15).astype(np.float32)
    maps, weights = zip(*(hrnet_target(p, v, image_size, heatmap_size, 2.0)
                          for p, v in zip(pts, vis)))
    truth = random_points(3 * k, 47, 63, margin=0.5).reshape(3, k, 2)
    pred = noisy_maps(truth, (64, 48), 2.0)
    pred[0, 0] = 0.0
    pred[0, 1, :2] = 1.0                                        # tie on row 0
    coords, vals = hrnet_decode(pred)
    meta = {"system": "hrnet", "version": "re-derivation",
            "note": "INDEPENDENT RE-DERIVATION of deep-high-resolution-net.pytorch "
                    "(lib/dataset/JointsDataset.py generate_target, lib/core/inference.py "
                    "get_max_preds/get_final_preds) from the published source; HRNet is not "
                    "installable here", "numpy": np.__version__,
            "decode outputs": "heatmap index coordinates (transform_preds scales by the box)"}
    save("hrnet", meta, encode_points=pts, encode_visible=vis, encode_maps=np.stack(maps),
         encode_weights=np.stack(weights), decode_maps=pred, decode_points=coords,
         decode_scores=vals)


if __name__ == "__main__":
    parts = {"mmpose": make_mmpose, "imgaug": make_imgaug, "sleap": make_sleap,
             "hrnet": make_hrnet}
    for name in sys.argv[1:] or parts:
        parts[name]()
