"""The numpy engine and the compiled one give the same pictures and records, bit for bit,
on every pipeline family: each preset, each transform that has a kernel (channel
reductions, ``PercentileClip``, the range colormaps, ``AlphaOverlay`` with one alpha
and with planes, ``ResizeToImage`` and ``Resize`` with every method, growing and
shrinking, on maps and on 8-bit colours) and each form of the fused tail.

The numpy engine runs in a child process with ``VISHEAT_NUMBA=0`` (it never loads
the kernels); this process runs on the compiled kernels.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest

import visheat
from visheat import (
    AlphaOverlay,
    CenteredColormap,
    ExtremaColormap,
    GaussianSmooth,
    NormReduction,
    PercentileClip,
    ResizeToImage,
    SumReduction,
)
from visheat.transforms.presets import PRESETS
from visheat.transforms.reductions import ChannelReduction
from visheat.transforms.resampling import METHODS
from visheat.transforms.resize import Resize

# CamSumReduction sums many channels as asked, with a warning tested in
# tests/transforms/test_picture_warnings.py; here only the pictures count
pytestmark = pytest.mark.filterwarnings("ignore:x. expected a CAM of at most:UserWarning")

REDUCTIONS = sorted((obj for obj in vars(visheat).values() if isinstance(obj, type)
                     and issubclass(obj, ChannelReduction) and obj is not ChannelReduction),
                    key=lambda cls: cls.__name__)


def _data() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(11)
    values = {c: rng.standard_t(3, size=(4, c, 20, 18)).astype(np.float32) for c in (2, 3, 4, 7)}
    return {
        **{f"values{c}": v for c, v in values.items()},
        "large": rng.standard_t(3, size=(3, 3, 72, 70)).astype(np.float32),  # > 4096 pixels
        "cams": rng.random((4, 7, 7)).astype(np.float32),
        "big_cams": rng.standard_normal((4, 48, 44)).astype(np.float32),
        "images": rng.integers(0, 256, (4, 20, 18, 3), dtype=np.uint8),
        "many": rng.standard_t(3, size=(40, 3, 40, 40)).astype(np.float32),
        "many_images": rng.integers(0, 256, (40, 40, 40, 3), dtype=np.uint8),
    }


def workloads() -> Iterator[tuple[str, Callable[[], visheat.Heatmaps]]]:
    """``(name, render)`` for every pipeline family."""
    d = _data()
    x, cams, big, images = d["values3"], d["cams"], d["big_cams"], d["images"]

    def hm(data, *args, **kwargs):
        return lambda: visheat.heatmap(data, *args, **kwargs)

    for name in PRESETS:
        if name in ("cam", "gradcam"):
            yield f"preset {name}", hm(cams, images, name, layout="NHW")
            yield f"preset {name} shrinking", hm(big, images, name, layout="NHW")
        else:
            yield f"preset {name}", hm(x, name)
            yield f"preset {name} on maps", hm(x[:, 0], name, layout="NHW")
    for cls in REDUCTIONS:
        for c in (2, 3, 4, 7):
            v = d[f"values{c}"]
            yield f"{cls.__name__} C={c} fused", hm(v, cls() | ExtremaColormap("viridis"))
            yield f"{cls.__name__} C={c} steps", hm(v, cls() | ExtremaColormap(scope="batch"))
            yield f"{cls.__name__} C={c} float64", hm(v.astype(np.float64),
                                                      cls() | CenteredColormap("bwr"))
    for data, label in ((x, "small"), (d["large"], "large")):
        yield f"clip {label} fused", hm(data, SumReduction() | PercentileClip(0.01, 0.99)
                                        | CenteredColormap("bwr"))
        yield f"clip {label} steps", hm(data, SumReduction() | PercentileClip()
                                        | GaussianSmooth(1.0) | CenteredColormap())
        yield f"clip {label} float64", hm(data.astype(np.float64), NormReduction()
                                          | PercentileClip(0.05, 0.95) | ExtremaColormap())
    for colormap in (ExtremaColormap("jet", vmin=-1.0, vmax=2.0), CenteredColormap("berlin",
                     vmax=3.0), ExtremaColormap("gray"), CenteredColormap("batlow")):
        yield f"{colormap!r} on values", hm(x, NormReduction() | colormap)
        yield f"{colormap!r} on maps", hm(x[:, 1], colormap, layout="NHW")
    yield "overlay fused", hm(x, images, SumReduction() | ExtremaColormap("jet")
                              | AlphaOverlay(0.37))
    planes = np.random.default_rng(12).random(images.shape[:3])
    yield "overlay planes", hm(x, images, SumReduction() | ExtremaColormap("jet")
                               | AlphaOverlay(planes))
    for method in METHODS:
        for maps, label in ((cams, "growing"), (big, "shrinking")):
            yield f"{method} {label} map, fused", hm(
                maps, images, ResizeToImage(method) | ExtremaColormap("jet") | AlphaOverlay(0.6),
                layout="NHW")
            yield f"{method} {label} map, clipped", hm(
                maps, images, ResizeToImage(method) | PercentileClip(0.05, 0.95)
                | CenteredColormap(), layout="NHW")
            yield f"{method} {label} colours", hm(
                maps, images, ExtremaColormap("jet") | ResizeToImage(method) | AlphaOverlay(0.6),
                layout="NHW")
            yield f"Resize {method} {label}", hm(maps, Resize((30, 14), method)
                                                 | ExtremaColormap(), layout="NHW")
            yield f"Resize {method} {label} colours", hm(maps, ExtremaColormap()
                                                         | Resize((0.5, 1.5), method),
                                                         layout="NHW")
        yield f"{method} values fused", hm(d["values4"][:, :, :7, :7], images, NormReduction()
                                           | ResizeToImage(method) | ExtremaColormap())
    yield "chunks on two threads", hm(d["many"], d["many_images"], SumReduction()
                                      | PercentileClip() | CenteredColormap()
                                      | AlphaOverlay(0.5), threads=2)
    sizes = [np.zeros((s, s + 3, 3), np.uint8) + s for s in (9, 13, 20, 31)]
    yield "images of different sizes", hm(cams, sizes, "cam", layout="NHW")
    yield from _volume_workloads(hm)


def _volume_workloads(hm: Callable[..., Callable[[], visheat.Heatmaps]]
                      ) -> Iterator[tuple[str, Callable[[], visheat.Heatmaps]]]:
    """Volumes and clips (issue 23): folded, resized in depth too, the peak recorded."""
    rng = np.random.default_rng(13)
    cams = rng.random((3, 4, 5, 6)).astype(np.float32)  # (N, D, H, W): 4 slices
    values = rng.standard_t(3, size=(3, 2, 4, 5, 6)).astype(np.float32)
    big = rng.standard_t(3, size=(2, 2, 9, 20, 22)).astype(np.float32)  # > 4096 voxels
    grey = rng.integers(0, 256, (3, 7, 10, 12), dtype=np.uint8)  # D 7: not the CAMs' 4
    rgb = rng.integers(0, 256, (3, 7, 10, 12, 3), dtype=np.uint8)
    same = rng.integers(0, 256, (3, 4, 5, 6), dtype=np.uint8)
    clips = rng.integers(0, 256, (3, 6, 10, 12, 3), dtype=np.uint8)  # (N, T, H, W, 3)
    for method in METHODS:
        yield f"volume {method} grey, fused", hm(
            cams, grey, ResizeToImage(method) | ExtremaColormap("jet") | AlphaOverlay(0.5),
            layout="NDHW")
        yield f"volume {method} colours", hm(
            cams, rgb, ExtremaColormap("jet") | ResizeToImage(method) | AlphaOverlay(0.5),
            layout="NDHW")
        yield f"volume {method} shrinking", hm(
            grey.astype(np.float32) / 255, cams, ResizeToImage(method) | CenteredColormap(),
            layout="NDHW")
    yield "volume values rgb, clipped", hm(
        values, rgb, NormReduction() | ResizeToImage("bilinear") | PercentileClip(0.05, 0.95)
        | CenteredColormap("bwr") | AlphaOverlay(0.37), layout="NCDHW")
    yield "volume without resize", hm(values, same, SumReduction() | PercentileClip()
                                      | ExtremaColormap() | AlphaOverlay(0.6), layout="NCDHW")
    yield "volume large, clipped", hm(big, SumReduction() | PercentileClip(0.01, 0.99)
                                      | ExtremaColormap("jet"), layout="NCDHW")
    yield "volume ranges per slice", hm(cams, grey, ResizeToImage("bilinear")
                                        | ExtremaColormap(scope="slice"), layout="NDHW")
    yield "volume ranges per batch", hm(cams, grey, ResizeToImage("bilinear")
                                        | ExtremaColormap(scope="batch"), layout="NDHW")
    yield "volume float64", hm(cams.astype(np.float64), grey, ResizeToImage("bilinear")
                               | ExtremaColormap("jet") | AlphaOverlay(0.5), layout="NDHW")
    yield "clip T fused", hm(values.transpose(0, 2, 1, 3, 4), clips, SumReduction()
                             | ResizeToImage("bilinear") | ExtremaColormap("jet")
                             | AlphaOverlay(0.5), layout="NTCHW")
    yield "clip T colours", hm(cams, clips, ExtremaColormap("jet") | ResizeToImage("lanczos1")
                               | AlphaOverlay(0.5), layout="NTHW")
    yield "volumes on two threads", hm(np.repeat(cams, 6, axis=0), np.repeat(grey, 6, axis=0),
                                       ResizeToImage("bilinear") | ExtremaColormap("jet")
                                       | AlphaOverlay(0.5), layout="NDHW", threads=2)


def render_all(path: Path) -> None:
    """Every workload's pictures and records into ``path`` (an .npz file)."""
    found = {}
    for name, render in workloads():
        result = render()
        for i in range(len(result)):
            found[f"{name}|picture|{i}"] = np.asarray(result[i])
        for j, record in enumerate(result.records):
            for key, value in record.values.items():
                found[f"{name}|record|{j}|{key}"] = np.asarray(value)
    np.savez(path, **found)


def test_every_family_is_rendered():
    names = [name for name, _ in workloads()]
    assert len(names) == len(set(names)) > 100
    for family in [*PRESETS, *(cls.__name__ for cls in REDUCTIONS), *METHODS, "Resize",
                   "clip", "overlay planes", "overlay fused", "threads", "volume",
                   "clip T"]:
        assert any(family in name for name in names), family


def test_the_numpy_engine_and_the_compiled_engine_agree(compiled_kernels, tmp_path):
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            f"from test_engine_parity import render_all; "
            f"from pathlib import Path; render_all(Path({str(tmp_path / 'numpy.npz')!r}))")
    env = {**os.environ, "VISHEAT_NUMBA": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    render_all(tmp_path / "compiled.npz")
    with np.load(tmp_path / "numpy.npz") as numpy_engine, \
            np.load(tmp_path / "compiled.npz") as compiled:
        assert sorted(numpy_engine.files) == sorted(compiled.files)
        different = [key for key in compiled.files
                     if not np.array_equal(numpy_engine[key], compiled[key])]
    assert different == []


@pytest.mark.parametrize("name", ["MaxAbsReduction C=7 fused", "preset cam",
                                  "bilinear growing map, fused", "cubic shrinking colours",
                                  "volume bilinear grey, fused", "clip T colours"])
def test_workloads_differ_from_each_other(name):
    """A sanity check of the comparison above: pictures are not all alike."""
    render = dict(workloads())[name]
    pictures = render().to_numpy()
    assert len(np.unique(pictures.reshape(-1, 3), axis=0)) > 20
