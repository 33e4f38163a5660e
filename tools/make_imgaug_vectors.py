"""Write reference vectors from imgaug and pytorch-grad-cam to ``tests/data/``.

The tests of visheat's heatmap operations and CAM workflow compare against what
the reference libraries' own code returns, not against visheat's reading of
their documentation. This script runs that code and stores inputs and outputs in
``tests/data/imgaug_vectors.npz`` (loadable with ``allow_pickle=False``).

Run it in a throwaway virtual environment (neither library is a visheat
dependency; imgaug 0.4 needs numpy < 2; torch is *not* needed)::

    python -m venv /tmp/imgaugenv
    /tmp/imgaugenv/bin/pip install "numpy<2" imgaug opencv-python-headless
    /tmp/imgaugenv/bin/pip install --no-deps grad-cam
    /tmp/imgaugenv/bin/python tools/make_imgaug_vectors.py

pytorch-grad-cam imports torch in ``pytorch_grad_cam/utils/image.py``; this
script reads that file's source and executes only the two functions it needs
(``show_cam_on_image`` and ``scale_cam_image``, which use numpy and OpenCV), so
the vectors come from grad-cam's own code without installing torch.

Key names say what produced a vector; ``meta_*`` keys record the versions.
"""

from __future__ import annotations

import ast
import importlib.metadata
import importlib.util
from pathlib import Path

import cv2
import imgaug
import numpy as np
from imgaug.augmentables.heatmaps import HeatmapsOnImage

OUT = Path(__file__).resolve().parents[1] / "tests" / "data" / "imgaug_vectors.npz"
RNG = np.random.default_rng(20240611)

POOL_SHAPES = [(7, 5), (1, 1), (13, 1), (33, 17)]
POOL_BLOCKS = [2, 3, 4, (2, 3), 8, 16]
PAD_MODES = ["constant", "edge", "maximum", "mean", "median", "minimum", "reflect",
             "symmetric", "wrap", "linear_ramp"]
PAD_AMOUNTS = [(2, 0, 0, 3), (1, 2, 3, 4), (0, 9, 0, 0), (7, 1, 12, 0)]
ASPECT_SHAPES = [(161, 240), (240, 161), (10, 10), (7, 3), (1, 13), (100, 100)]
ASPECT_RATIOS = [1.0, 4.0, 0.25, 1.234, 1.5, 16 / 9]
RESIZE_SIZES = [0.25, 0.5, 2.0, (12, 150), (17, 9), (3, 40)]
RESIZE_METHODS = ["nearest", "linear", "cubic", "area"]


def hm(arr: np.ndarray, **kwargs) -> HeatmapsOnImage:
    return HeatmapsOnImage(arr.astype(np.float32), shape=arr.shape[:2] + (3,), **kwargs)


def size_key(size) -> str:
    if isinstance(size, tuple):
        return "x".join(str(s) for s in size)
    return f"f{size}"


def pooling(out: dict) -> None:
    for h, w in POOL_SHAPES:
        arr = RNG.random((h, w), dtype=np.float32)
        out[f"pool_in_{h}x{w}"] = arr
        for block in POOL_BLOCKS:
            key = size_key(block) if isinstance(block, tuple) else str(block)
            out[f"pool_avg_{h}x{w}_{key}"] = hm(arr).avg_pool(block).get_arr()
            out[f"pool_max_{h}x{w}_{key}"] = hm(arr).max_pool(block).get_arr()
    quokka = RNG.random((161, 240), dtype=np.float32)  # the tutorial's size: shapes only
    for block in (4, 8, 16):
        out[f"pool_shape_161x240_{block}"] = np.array(hm(quokka).avg_pool(block).get_arr().shape)
        resized = hm(quokka).resize(1 / block)
        out[f"resize_shape_161x240_{block}"] = np.array(resized.get_arr().shape)
    multi = RNG.random((9, 14, 3), dtype=np.float32)
    out["pool_in_multi"] = multi
    out["pool_avg_multi_4"] = hm(multi).avg_pool(4).get_arr()
    out["pool_max_multi_4"] = hm(multi).max_pool(4).get_arr()


def padding(out: dict) -> None:
    arr = RNG.random((6, 5), dtype=np.float32)
    out["pad_in"] = arr
    for mode in PAD_MODES:
        for amounts in PAD_AMOUNTS:
            top, right, bottom, left = amounts
            padded = hm(arr).pad(top=top, right=right, bottom=bottom, left=left, mode=mode,
                                 cval=0.3)
            out[f"pad_{mode}_{'_'.join(map(str, amounts))}"] = padded.get_arr()
    for h, w in ASPECT_SHAPES:
        shape_arr = RNG.random((h, w), dtype=np.float32)
        for ratio in ASPECT_RATIOS:
            padded, amounts = hm(shape_arr).pad_to_aspect_ratio(
                ratio, mode="constant", cval=0.0, return_pad_amounts=True)
            out[f"aspect_amounts_{h}x{w}_{ratio:.4f}"] = np.array(amounts, np.int64)
            out[f"aspect_shape_{h}x{w}_{ratio:.4f}"] = np.array(padded.get_arr().shape, np.int64)
    tall = RNG.random((9, 4), dtype=np.float32)
    out["aspect_in_9x4"] = tall
    out["aspect_edge_9x4_1.0000"] = hm(tall).pad_to_aspect_ratio(1.0, mode="edge").get_arr()


def value_range(out: dict) -> None:
    arr = np.zeros((32, 32), np.float32)  # the tutorial's example
    arr[:-10, :] = -1.0
    arr[-10:, :] = -1.0
    arr[10:-10, 10:-10] = 10.0
    arr[12:-12, 12:-12] = 20.0
    arr += RNG.uniform(0, 0.5, arr.shape).astype(np.float32) * (arr < 19)
    heat = hm(arr, min_value=-1.0, max_value=20.0)
    out["range_in"] = arr
    out["range_0to1"] = heat.arr_0to1[..., 0]
    out["range_get_arr"] = heat.get_arr()
    out["range_invert_0to1"] = heat.invert().arr_0to1[..., 0]
    out["range_invert_get_arr"] = heat.invert().get_arr()
    out["range_draw_jet"] = heat.draw(cmap="jet")[0]
    out["range_draw_gray"] = heat.draw(cmap="gray")[0]
    depth = RNG.uniform(0.5, 80.0, (12, 20)).astype(np.float32)
    out["depth_in"] = depth
    out["depth_0to1"] = hm(depth, min_value=0.5, max_value=80.0).arr_0to1[..., 0]
    out["depth_get_arr"] = hm(depth, min_value=0.5, max_value=80.0).get_arr()


def resizing(out: dict) -> None:
    arr = RNG.random((23, 37), dtype=np.float32)
    arr[5:12, 8:20] += 1.5  # a step, so cubic overshoots and imgaug's clipping shows
    arr /= arr.max()
    out["resize_in"] = arr
    for size in RESIZE_SIZES:
        for method in RESIZE_METHODS:
            out[f"resize_{method}_{size_key(size)}"] = hm(arr).resize(size, method).get_arr()
    out["resize_default_f0.25"] = hm(arr).resize(0.25).get_arr()


def drawing(out: dict) -> None:
    heat = RNG.random((10, 15), dtype=np.float32)
    image = RNG.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    out["draw_heat"] = heat
    out["draw_image"] = image
    out["draw_on_heatmaps"] = hm(heat).draw_on_image(image, alpha=0.5, resize="heatmaps")[0]
    out["draw_on_image"] = hm(heat).draw_on_image(image, alpha=0.5, resize="image")[0]
    out["draw_image_cubic"] = imgaug.imresize_single_image(image, (10, 15), interpolation="cubic")
    multi = np.dstack([heat, 1 - heat, heat ** 2]).astype(np.float32)
    out["draw_multi_in"] = multi
    out["draw_multi"] = np.stack(hm(multi).draw(cmap="gray"))


def gradcam_functions() -> dict:
    """``show_cam_on_image`` and ``scale_cam_image`` from grad-cam's own source file."""
    spec = importlib.util.find_spec("pytorch_grad_cam")
    path = Path(spec.submodule_search_locations[0]) / "utils" / "image.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wanted = [node for node in tree.body if isinstance(node, ast.FunctionDef)
              and node.name in ("show_cam_on_image", "scale_cam_image")]
    module = ast.Module(body=wanted, type_ignores=[])
    namespace = {"np": np, "cv2": cv2, "npt": np.typing}
    exec(compile(module, str(path), "exec"), namespace)  # noqa: S102 - grad-cam's own code
    return namespace


def gradcam(out: dict) -> None:
    funcs = gradcam_functions()
    img = RNG.random((24, 31, 3), dtype=np.float32)
    mask = RNG.random((24, 31), dtype=np.float32)
    mask[0, :4] = [0.0, 1.0, 0.5, 1 / 255]
    out["gradcam_img"] = img
    out["gradcam_mask"] = mask
    for weight in (0.0, 0.3, 0.5, 1.0):
        out[f"gradcam_show_{weight}"] = funcs["show_cam_on_image"](img, mask, use_rgb=True,
                                                                   image_weight=weight)
    dark = (img * 0.2).astype(np.float32)
    out["gradcam_dark_img"] = dark
    out["gradcam_show_dark"] = funcs["show_cam_on_image"](dark, mask, use_rgb=True)
    cams = [RNG.random((2, 5, 7), dtype=np.float32) * 3, RNG.random((2, 10, 14), dtype=np.float32),
            RNG.random((2, 20, 28), dtype=np.float32) - 0.5]
    for i, cam in enumerate(cams):
        out[f"gradcam_layer{i}"] = cam
    # grad-cam's multi-layer path (BaseCAM.compute_cam_per_layer + aggregate_multi_layers)
    scaled = [funcs["scale_cam_image"](np.maximum(cam, 0), (40, 30))[:, None] for cam in cams]
    stacked = np.maximum(np.concatenate(scaled, axis=1), 0)
    out["gradcam_combined"] = funcs["scale_cam_image"](np.mean(stacked, axis=1))
    out["gradcam_scaled_layer0"] = funcs["scale_cam_image"](cams[0], (40, 30))


def main() -> None:
    out: dict = {}
    for step in (pooling, padding, value_range, resizing, drawing, gradcam):
        step(out)
    out["meta_imgaug"] = np.array(imgaug.__version__)
    out["meta_opencv"] = np.array(cv2.__version__)
    out["meta_numpy"] = np.array(np.__version__)
    out["meta_gradcam"] = np.array(importlib.metadata.version("grad-cam"))
    OUT.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(OUT, **out)
    print(f"wrote {len(out)} arrays to {OUT} ({OUT.stat().st_size} bytes); "
          f"imgaug {imgaug.__version__}, OpenCV {cv2.__version__}, "
          f"grad-cam {out['meta_gradcam']}")


if __name__ == "__main__":
    main()
