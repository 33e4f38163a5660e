"""Print how far ``visheat.compat`` lands from the peers' own pictures (docs/porting-*.md).

Reads ``tests/data/compat_vectors.npz`` (made by ``tools/make_compat_vectors.py`` from
captum, zennit and grad-cam themselves) and prints, per peer call, the largest
difference in 8-bit levels over all pixels and channels, the share of values that
are identical and the share within 1 and 2 levels. Needs only visheat::

    python tools/measure_compat.py
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from visheat import compat, heatmap

DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "compat_vectors.npz"


def row(name: str, ours: np.ndarray, theirs: np.ndarray) -> str:
    off = np.abs(ours.astype(int) - theirs.astype(int))
    return (f"| {name} | {off.max()} | {(off == 0).mean():.1%} | {(off <= 1).mean():.2%} "
            f"| {(off <= 2).mean():.2%} |")


def main() -> None:
    v = dict(np.load(DATA, allow_pickle=False))
    print("| call | max levels off | identical | within 1 | within 2 |\n|---|---|---|---|---|")
    for key in sorted(k for k in v if k.startswith("captum_")):
        source, rest = key.split("_", 2)[1:]
        sign = next(s for s in ("absolute_value", "positive", "negative", "all")
                    if rest.endswith("_" + s))
        method = rest[:-len(sign) - 1]
        out = heatmap(v[f"attr_{source}"], v["images"],
                      compat.visualize_image_attr(method, sign)).to_numpy()
        print(row(f"captum {source} `{method}`, `{sign}`", out, v[key]))
    relevance = v["attr_ig"][:1].sum(axis=1)
    for key in sorted(k for k in v if k.startswith("zennit_")
                      and not k.startswith(("zennit_palette", "zennit_source"))):
        *name, symmetric, level = key.split("_")[1:]
        name = "_".join(name)
        cmap = str(v["zennit_source"]) if name == "source" else name
        out = heatmap(relevance, compat.imgify(cmap, symmetric=symmetric == "sym",
                                               level=float(level)), layout="NHW").to_numpy()
        print(row(f"zennit `{cmap}`, symmetric={symmetric == 'sym'}, level={level}", out,
                  v[key]))
    images = v["images"][:1].astype(np.float32) / np.float32(255)
    for key in sorted(k for k in v if k.startswith("gradcam_")
                      and k.rsplit("_", 2)[1] in ("rgb", "bgr")):
        head, order, weight = key.rsplit("_", 2)
        pipe = compat.show_cam_on_image(head[len("gradcam_"):], float(weight),
                                        use_rgb=order == "rgb")
        out = heatmap(v["attr_cam"][:1], images, pipe, layout="NHW").to_numpy()
        print(row(f"grad-cam `{head[len('gradcam_'):]}`, {order}, {weight}", out, v[key]))


if __name__ == "__main__":
    main()
