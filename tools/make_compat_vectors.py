"""Write the peers' own pictures of real model attributions to ``tests/data/compat_vectors.npz``.

``tests/transforms/test_peers.py`` compares ``heatmap(..., visheat.compat.<function>(...))``
with what captum, zennit and pytorch-grad-cam themselves draw. This script makes
the inputs (a tiny CNN with fixed random weights on two of visheat's sample
photographs, 32 x 32 pixels: captum Integrated Gradients and Saliency, a
Grad-CAM map of the last convolution) and runs the peers' own code on them.

Run it in a scratch virtual environment with the peers (never visheat's extras)::

    python -m venv /tmp/peers
    /tmp/peers/bin/pip install -c bench/constraints.txt -r bench/requirements.txt
    /tmp/peers/bin/pip install --no-deps -c bench/constraints.txt -r bench/requirements-nodeps.txt
    /tmp/peers/bin/python tools/make_compat_vectors.py

grad-cam and zennit are loaded without torchvision by ``bench/_peers.py``.

How each peer's picture is read (the comparison the tests make):

* grad-cam: ``show_cam_on_image(img, mask, use_rgb, colormap, image_weight)``'s
  uint8 array, as returned.
* zennit: ``imgify(...)`` converted to RGB by Pillow, as saved.
* captum: ``visualize_image_attr(..., use_pyplot=False)`` draws into a figure;
  the picture is what its axes images hold: each ``ax.images[i]`` through its
  own norm and colormap (``to_rgba``, float), composited in float64 with its
  alpha over the axes' white background, rounded to 8 bits. No resampling or
  anti-aliasing of a rendered PNG enters the comparison.

Key names say what produced a vector; ``meta_*`` keys record the versions.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
import torch
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
import _peers  # noqa: E402

OUT = ROOT / "tests" / "data" / "compat_vectors.npz"
SIZE = 32
PHOTOS = ["cat.png", "coffee.png"]
OPENCV_MAPS = sorted(name for name in dir(cv2) if name.startswith("COLORMAP_"))
GRADCAM_BAR = ("jet", "viridis", "turbo", "inferno", "hot", "bone")
ZENNIT_MAPS = ["gray", "wred", "wblue", "hot", "cold", "coldnhot", "bwr", "france", "seismic",
               "coolio", "coleus"]
CAPTUM_METHODS = {"heat_map": ["all", "positive", "negative", "absolute_value"],
                  "blended_heat_map": ["all", "positive", "negative", "absolute_value"],
                  "masked_image": ["positive", "negative", "absolute_value"],
                  "alpha_scaling": ["positive", "negative", "absolute_value"],
                  "original_image": ["all"]}


def photos() -> np.ndarray:
    """``(2, SIZE, SIZE, 3)`` uint8 photographs."""
    folder = ROOT / "src" / "visheat" / "data"
    return np.stack([np.asarray(Image.open(folder / name).convert("RGB")
                                .resize((SIZE, SIZE), Image.Resampling.BILINEAR))
                     for name in PHOTOS])


def model() -> torch.nn.Module:
    torch.manual_seed(20261203)
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.ReLU(),
        torch.nn.Conv2d(8, 8, 3, padding=1), torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 4)).eval()


def attributions(net: torch.nn.Module, images: np.ndarray) -> dict[str, np.ndarray]:
    from captum.attr import IntegratedGradients, Saliency

    x = torch.tensor(images.transpose(0, 3, 1, 2) / 255.0, dtype=torch.float32)
    target = net(x).argmax(dim=1)
    ig = IntegratedGradients(net).attribute(x, target=target, n_steps=16)
    sal = Saliency(net).attribute(x, target=target, abs=False)
    # Grad-CAM of the second convolution, by hand: weights = mean gradient per channel
    acts = {}
    handle = net[2].register_forward_hook(lambda m, i, o: acts.setdefault("a", o))
    score = net(x).gather(1, target[:, None]).sum()
    handle.remove()
    grads = torch.autograd.grad(score, acts["a"])[0]
    cam = torch.relu((grads.mean(dim=(2, 3), keepdim=True) * acts["a"]).sum(dim=1))
    cam = cam.detach().numpy()
    gradcam = _peers.load_gradcam_image()
    return {"ig": ig.detach().numpy().astype(np.float32),
            "saliency": sal.detach().numpy().astype(np.float32),
            "cam": gradcam.scale_cam_image(cam).astype(np.float32)}


def gradcam_vectors(out: dict, images: np.ndarray, cams: np.ndarray) -> None:
    gradcam = _peers.load_gradcam_image()
    floats = images.astype(np.float32) / 255
    # every colormap at weight 0.5 on the first photo, and the six of the bar
    # (jet viridis turbo inferno hot bone) at a second weight too (keeps the file small)
    for name in OPENCV_MAPS:
        key = name[len("COLORMAP_"):].lower()
        weights = (0.5, 0.3) if key in GRADCAM_BAR else (0.5,)
        for use_rgb in (True, False):
            for weight in weights:
                picture = gradcam.show_cam_on_image(floats[0], cams[0], use_rgb=use_rgb,
                                                    colormap=getattr(cv2, name),
                                                    image_weight=weight)
                out[f"gradcam_{key}_{'rgb' if use_rgb else 'bgr'}_{weight}"] = picture[None]
    # the tutorials' renormalize_cam_in_bounding_boxes: 2-D slices into scale_cam_image
    boxes = np.array([[2, 3, 20, 18], [13, 12, 29, 27]], np.int32)
    renorm = np.zeros(cams[0].shape, np.float32)
    for x1, y1, x2, y2 in boxes:
        renorm[y1:y2, x1:x2] = gradcam.scale_cam_image(cams[0][y1:y2, x1:x2].copy())
    out["gradcam_boxes"] = boxes
    out["gradcam_renormalized"] = gradcam.scale_cam_image(renorm)


def captum_picture(fig) -> np.ndarray:
    ax = fig.axes[0]
    canvas = None
    for im in ax.images:
        rgba = im.to_rgba(im.get_array(), bytes=False, norm=True).astype(np.float64)
        if canvas is None:
            canvas = np.ones(rgba.shape[:2] + (3,))  # the axes' white background
        a = rgba[..., 3:] * (1.0 if im.get_alpha() is None else im.get_alpha())
        canvas = rgba[..., :3] * a + canvas * (1 - a)
    return np.round(canvas * 255).astype(np.uint8)


def captum_vectors(out: dict, images: np.ndarray, attrs: dict[str, np.ndarray]) -> None:
    visualization, _ = _peers.load_captum()
    for source in ("ig", "saliency"):
        for method, signs in CAPTUM_METHODS.items():
            for sign in signs:
                pictures = []
                for i in range(len(images)):
                    attr = attrs[source][i].transpose(1, 2, 0)
                    fig, _ = visualization.visualize_image_attr(
                        attr, images[i], method=method, sign=sign, outlier_perc=2,
                        show_colorbar=False, use_pyplot=False)
                    pictures.append(captum_picture(fig))
                out[f"captum_{source}_{method}_{sign}"] = np.stack(pictures)


def zennit_vectors(out: dict, attrs: dict[str, np.ndarray]) -> None:
    image_module = _peers.load_zennit_image()
    relevance = attrs["ig"].sum(axis=1)  # zennit's tutorials sum relevance over channels
    for cmap in ZENNIT_MAPS + ["0:fff,40:0f0,c0:f0f,ff:000"]:
        for symmetric, level in ((True, 1.0), (False, 1.0), (True, 2.0), (False, 0.5)):
            picture = np.asarray(image_module.imgify(relevance[0], cmap=cmap,
                                                     symmetric=symmetric, level=level)
                                 .convert("RGB"))  # the first photo only: a small file
            key = cmap if cmap in ZENNIT_MAPS else "source"
            out[f"zennit_{key}_{'sym' if symmetric else 'asym'}_{level}"] = picture[None]
    out["zennit_source"] = np.array("0:fff,40:0f0,c0:f0f,ff:000")
    for cmap in ZENNIT_MAPS:
        out[f"zennit_palette_{cmap}"] = np.frombuffer(image_module.palette(cmap, 1.0),
                                                      np.uint8).reshape(256, 3)


def main() -> None:
    images = photos()
    attrs = attributions(model(), images)
    out = {"images": images, **{f"attr_{k}": v for k, v in attrs.items()}}
    gradcam_vectors(out, images, attrs["cam"])
    captum_vectors(out, images, attrs)
    zennit_vectors(out, attrs)
    for dist, version in _peers.versions().items():
        out[f"meta_{dist}"] = np.array(version)
    np.savez_compressed(OUT, **out)
    print(f"wrote {len(out)} arrays to {OUT} ({OUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
