"""What a newcomer trips over (issue 16): each test failed before the fix.

Expected values come from independent numpy models written here (grad-cam's
``scale_cam_image`` + ``cv2.resize`` + ``show_cam_on_image``; captum's signed sum),
or from properties (the sign of an attribution picture).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from standins import tensor  # tests/standins.py: torch's tensors, or stand-ins without torch

import visheat
from visheat import PRESETS, MinMaxScale, heatmap
from visheat.testing import check_transform, maps, values
from visheat.transforms.cam_overlays import opencv_jet

RNG = np.random.default_rng(16)


# -- 1. the attribution preset shows the sign ----------------------------------------------

def test_attribution_preset_sums_channels_and_centres_the_colours():
    assert str(PRESETS["attribution"]) == ("SumReduction() | PercentileClip(0.01, 0.99) | "
                                           "CenteredColormap('vik')")
    assert str(PRESETS["attribution-julia"]) == "NormReduction() | CenteredColormap('berlin')"


def test_attribution_pictures_show_positive_and_negative_evidence_apart():
    x = np.zeros((1, 3, 2, 2), np.float32)
    x[0, :, 0, 0] = 1.0      # positive evidence
    x[0, :, 0, 1] = -1.0     # negative evidence of the same size
    h = heatmap(x, "attribution", dtype=np.float64)
    picture = h.to_numpy()[0]
    pos, neg, zero = picture[0, 0], picture[0, 1], picture[1, 0]
    # vik: red-ish above 0, blue-ish below, light at 0; the two ends differ
    assert pos[0] > pos[2] and neg[2] > neg[0]
    assert zero.sum() > pos.sum() and zero.sum() > neg.sum()
    info = h.colorbar_info(0)
    # the signed sum over 3 channels, its 1 % tails clipped: numpy's linear quantiles
    lo, hi = np.quantile([3.0, -3.0, 0.0, 0.0], [0.01, 0.99])
    assert np.isclose(info.lo, lo) and np.isclose(info.hi, hi) and info.hi == -info.lo


@given(values(max_n=3, max_side=5))
def test_attribution_map_is_the_signed_channel_sum(x):
    """The colour range is +-max|sum over channels| per sample (captum's sign="all" sum),
    after the preset clips the sum's 1 % tails (numpy's linear quantiles)."""
    h = heatmap(x, "attribution", dtype=np.float64)
    if not len(h):
        return
    wide = x.astype(np.float64)
    tails = np.quantile(wide.sum(axis=1).reshape(len(x), -1), [0.01, 0.99], axis=1)
    expected = np.abs(tails).max(axis=0)
    rounding = 1e-6 * np.abs(wide).reshape(len(x), -1).sum(axis=1)  # float32 sums
    ranges = h.value_ranges()
    shown = expected > 2 * rounding  # an all-zero sum is drawn on [-1, 1]
    assert np.all(np.abs(ranges[shown, 1] - expected[shown]) <= rounding[shown] + 1e-300)
    assert np.array_equal(ranges[:, 0], -ranges[:, 1])


def test_julia_attribution_preset_keeps_julias_pictures():
    x = RNG.normal(size=(2, 3, 5, 5))
    julia = heatmap(x, "attribution-julia", dtype=np.float64)
    norm = np.sqrt((x ** 2).sum(axis=1))
    assert np.allclose(julia.value_ranges()[:, 1], norm.reshape(2, -1).max(axis=1))


# -- 2. gradcam scales raw CAMs as grad-cam does --------------------------------------------

def _cv2_resize_linear(cam: np.ndarray, height: int, width: int) -> np.ndarray:
    """cv2.resize(cam, (width, height)) with INTER_LINEAR: half-pixel centres, edges clamped."""
    def axis(n_in: int, n_out: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
        src = np.clip(src, 0, None)
        i0 = np.minimum(np.floor(src).astype(int), n_in - 1)
        i1 = np.minimum(i0 + 1, n_in - 1)
        return i0, i1, src - i0
    r0, r1, fr = axis(cam.shape[0], height)
    c0, c1, fc = axis(cam.shape[1], width)
    top = cam[r0][:, c0] * (1 - fc) + cam[r0][:, c1] * fc
    bottom = cam[r1][:, c0] * (1 - fc) + cam[r1][:, c1] * fc
    return (top * (1 - fr[:, None]) + bottom * fr[:, None]).astype(np.float32)


def _scale_cam_image(cam: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """grad-cam's scale_cam_image for one CAM."""
    cam = cam - np.min(cam)
    cam = cam / (1e-7 + np.max(cam))
    if size is not None:
        cam = _cv2_resize_linear(cam, *size)
    return np.float32(cam)


def _gradcam_reference(cam: np.ndarray, image: np.ndarray) -> np.ndarray:
    """grad-cam's own steps for one raw CAM of one target layer, then show_cam_on_image."""
    h, w = image.shape[:2]
    cam = np.maximum(cam.astype(np.float32), 0)                 # compute_cam_per_layer
    cam = _scale_cam_image(cam, (h, w))
    cam = _scale_cam_image(np.maximum(cam, 0))                  # aggregate_multi_layers
    img = np.float32(image) / 255
    heat = np.float32(opencv_jet()[np.uint8(255 * cam)]) / 255  # OpenCV's table (tools/)
    out = 0.5 * heat + 0.5 * img
    out = out / np.max(out)
    return np.uint8(255 * out)


@pytest.mark.parametrize("scale", [1e-3, 0.2, 40.0])
def test_gradcam_preset_scales_raw_cams_like_grad_cam(scale):
    cams = (RNG.random((3, 7, 7)) * scale).astype(np.float32)
    images = RNG.integers(0, 256, size=(3, 56, 42, 3), dtype=np.uint8)
    got = heatmap(cams, images, "gradcam", layout="NHW").to_numpy()
    expected = np.stack([_gradcam_reference(c, im) for c, im in zip(cams, images)])
    diff = np.abs(got.astype(int) - expected.astype(int))
    assert diff.max() <= 1
    assert (diff > 0).mean() < 0.01


def test_gradcam_on_the_sample_cams_is_not_a_uniform_blue():
    sample = visheat.sample_data.load_sample()
    got = heatmap(sample.cams, sample.images, "gradcam", layout="NHW").to_numpy()
    expected = np.stack([_gradcam_reference(c, im) for c, im in zip(sample.cams, sample.images)])
    assert np.abs(got.astype(int) - expected.astype(int)).max() <= 1
    red = got[..., 0].astype(int) - got[..., 2].astype(int)
    assert (red > 60).mean() > 0.05  # the hot areas are red, as in grad-cam


@given(maps(max_n=3, max_side=6), st.sampled_from([0.0, 1e-7]), st.booleans())
def test_min_max_scale_is_the_per_sample_affine_map(m, eps, relu):
    check_transform(MinMaxScale(eps, relu=relu), m)
    got = MinMaxScale(eps, relu=relu)(m)
    assert got.dtype == m.dtype and got.shape == m.shape
    work = np.maximum(m.astype(np.float64), 0) if relu else m.astype(np.float64)
    for i in range(len(m)):
        lo, width = work[i].min(), work[i].max() - work[i].min() + eps
        want = (work[i] - lo) / width if width > 0 else np.zeros_like(work[i])
        assert np.allclose(got[i], want, rtol=1e-5, atol=1e-6)
        assert got[i].min() >= 0 and got[i].max() <= 1


def test_min_max_scale_refuses_bad_parameters():
    with pytest.raises(ValueError, match="eps"):
        MinMaxScale(-1.0)
    with pytest.raises(ValueError, match="eps"):
        MinMaxScale(float("inf"))
    with pytest.raises(TypeError, match="relu"):
        MinMaxScale(relu="yes")
    assert MinMaxScale(1e-7, relu=True) == eval(repr(MinMaxScale(1e-7, relu=True)))


def test_gradcam_pictures_draw_in_figures_and_galleries(tmp_path):
    sample = visheat.sample_data.load_sample()
    h = heatmap(sample.cams, sample.images, "gradcam", layout="NHW")
    info = h.colorbar_info(0)
    assert (info.lo, info.hi) == (0.0, 1.0)
    assert np.array_equal(np.rint(info.stops * 255).astype(np.uint8), opencv_jet())
    fig = visheat.figure(h, sample.images)
    labels = [ax.get_label() for ax in fig.get_axes() if ax.get_visible()]
    assert "overlay 0" in labels and "colorbar 0" in labels and "heatmap 0" not in labels
    page = visheat.write_gallery(tmp_path / "g", h, sample.images)
    assert "OpenCV jet" in page.read_text(encoding="utf-8")


# -- 4. sample data after `import visheat` --------------------------------------------------

def test_sample_data_is_reachable_from_the_package():
    import subprocess
    import sys

    code = ("import sys, visheat; s = visheat.load_sample(); "
            "assert visheat.sample_data.load_sample() is s; "
            "print(s.attributions.shape, s.labels[0])")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=_env(), timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "(4, 3, 224, 224) astronaut"


def _env() -> dict[str, str]:
    import os
    from pathlib import Path

    env = dict(os.environ)
    src = str(Path(visheat.__file__).resolve().parents[1])
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    env.setdefault("VISHEAT_NUMBA", "0")
    return env


# -- CLI: closed pipes, one set of flags for existing files, gradcam, every preset -----------

def _visheat(*args: str, cwd=None):
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "visheat", *args], capture_output=True,
                          text=True, env=_env(), cwd=cwd, timeout=300)


def test_a_closed_pipe_ends_quietly():
    import subprocess
    import sys

    # a reader that takes one line and leaves: the writer meets a closed pipe
    reader = subprocess.Popen(["head", "-c", "1"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL)
    writer = subprocess.run([sys.executable, "-c", "import sys; from visheat.cli import main; "
                             "[main(['colormaps']) for _ in range(50)] and None; "
                             "sys.exit(main(['colormaps']))"],
                            stdout=reader.stdin, stderr=subprocess.PIPE, text=True, env=_env(),
                            timeout=300)
    reader.stdin.close()
    reader.wait(timeout=60)
    assert writer.returncode in (0, 141), writer.stderr
    assert "Broken pipe" not in writer.stderr and "Traceback" not in writer.stderr
    assert writer.stderr == ""


def test_a_closed_pipe_in_a_shell_pipeline_ends_quietly():
    import shlex
    import subprocess
    import sys

    command = (f"{shlex.quote(sys.executable)} -m visheat colormaps | head -2 >/dev/null; "
               "echo \"status=${PIPESTATUS[0]}\"")
    done = subprocess.run(["bash", "-c", command], capture_output=True, text=True, env=_env(),
                          timeout=300)
    assert done.stderr == ""
    assert done.stdout.strip() in ("status=0", "status=141")


@pytest.mark.parametrize("command", ["render", "gallery", "demo", "cam", "colormaps"])
def test_every_writing_command_takes_the_same_existing_flags(command):
    from visheat.cli import build_parser

    parser = build_parser()
    required = {"render": ["x.npy", "--out", "o"], "gallery": ["x.npy", "--out", "o"],
                "demo": [], "cam": ["imgs", "--cams", "c.npz", "--out", "o"],
                "colormaps": []}[command]
    base = [command, *required]
    assert parser.parse_args(base).existing == "error"
    assert parser.parse_args(base + ["--existing", "overwrite"]).existing == "overwrite"
    assert parser.parse_args(base + ["--overwrite"]).existing == "overwrite"
    if command != "colormaps":  # a swatch sheet is one file: nothing to resume
        assert parser.parse_args(base + ["--existing", "skip"]).existing == "skip"
        assert parser.parse_args(base + ["--resume"]).existing == "skip"
    with pytest.raises(SystemExit):
        parser.parse_args(base + ["--overwrite", "--existing", "overwrite"])


def test_render_resumes_with_existing_skip(tmp_path):
    from visheat.cli import main

    x = RNG.normal(size=(3, 3, 6, 6)).astype(np.float32)
    np.save(tmp_path / "x.npy", x)
    out = tmp_path / "out"
    assert main(["render", str(tmp_path / "x.npy"), "--out", str(out), "--quiet"]) == 0
    (out / "00001.png").unlink()
    (out / "00000.png").write_bytes(b"kept")
    assert main(["render", str(tmp_path / "x.npy"), "--out", str(out), "--quiet",
                 "--existing", "skip"]) == 0
    assert (out / "00000.png").read_bytes() == b"kept" and (out / "00001.png").is_file()
    assert main(["render", str(tmp_path / "x.npy"), "--out", str(out), "--quiet",
                 "--existing", "overwrite"]) == 0
    assert (out / "00000.png").read_bytes() != b"kept"


def test_pipe_help_names_every_preset():
    from visheat import PRESETS

    for command in ("render", "cam"):
        text = " ".join(_visheat(command, "--help").stdout.split())
        for name in PRESETS:
            assert name in text, (command, name)


def test_gallery_with_the_gradcam_preset_draws_colour_bars(tmp_path):
    sample = visheat.load_sample()
    np.save(tmp_path / "cams.npy", np.asarray(sample.cams))
    np.save(tmp_path / "images.npy", np.asarray(sample.images))
    done = _visheat("gallery", str(tmp_path / "cams.npy"), "--layout", "NHW", "--pipe",
                    "gradcam", "--images", str(tmp_path / "images.npy"), "--out",
                    str(tmp_path / "g"), "--quiet")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "g" / "index.html").read_text(encoding="utf-8")
    assert "OpenCV jet" in page


def test_gallery_of_a_grad_cam_overlay_pipeline_needs_no_flag(tmp_path):
    np.save(tmp_path / "cams.npy", RNG.random((2, 5, 5)).astype(np.float32))
    np.save(tmp_path / "images.npy", RNG.integers(0, 256, (2, 10, 10, 3), dtype=np.uint8))
    pipe = "ResizeToImage('bilinear') | GradCamOverlay(0.5)"
    done = _visheat("gallery", str(tmp_path / "cams.npy"), "--layout", "NHW", "--pipe", pipe,
                    "--images", str(tmp_path / "images.npy"), "--out", str(tmp_path / "g"),
                    "--quiet")
    assert done.returncode == 0, done.stderr  # GradCamOverlay records its colours now
    assert "colorbar=False" not in done.stderr


# -- 3. the NHWC mistake is not silent ---------------------------------------------------

def test_channels_last_read_as_nchw_warns_naming_the_layout_and_renders_as_asked():
    x = RNG.normal(size=(2, 32, 24, 3)).astype(np.float32)
    with pytest.warns(UserWarning, match=r"looks like NHWC .*pass layout='NHWC'") as caught:
        h = heatmap(x)
    assert caught[0].filename == __file__  # points at the caller's line
    assert h.to_numpy().shape == (2, 24, 3, 3)  # what was asked: nothing is guessed
    with pytest.warns(UserWarning, match=r"looks like HWC .*pass layout='HWC'"):
        heatmap(x[0], layout="CHW")


@pytest.mark.parametrize("shape, layout", [((2, 3, 32, 32), "NCHW"), ((2, 32, 32, 3), "NHWC"),
                                           ((2, 4, 4, 3), "NCHW"), ((2, 32, 32, 5), "NCHW"),
                                           ((32, 32, 3), "HWC"), ((2, 32, 32), "NHW")])
def test_no_layout_warning_where_the_layout_is_plausible(shape, layout):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        heatmap(np.ones(shape, np.float32), layout=layout)


def test_the_cli_says_which_layout_was_probably_meant(tmp_path):
    np.save(tmp_path / "nhwc.npy", RNG.normal(size=(2, 32, 24, 3)).astype(np.float32))
    done = _visheat("render", str(tmp_path / "nhwc.npy"), "--out", str(tmp_path / "o"))
    assert done.returncode == 0  # rendered as asked
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert lines == ["visheat render: warning: INPUT of shape (2, 32, 24, 3) looks like NHWC "
                     "(channels last); pass --layout NHWC. Rendering it as NCHW, as asked."]
    assert len(list((tmp_path / "o").glob("*.png"))) == 2


# -- 7. bfloat16 tensors ---------------------------------------------------------------------

def test_bfloat16_tensors_render_as_their_float32_values():
    t = tensor(RNG.standard_normal((2, 3, 8, 8)).astype(np.float32), bfloat16=True)
    exact = t.float().numpy()  # bfloat16 -> float32 is exact
    for pipe in ("sensitivity", "attribution"):
        assert np.array_equal(heatmap(t, pipe).to_numpy(), heatmap(exact, pipe).to_numpy())
    grad = t.clone().requires_grad_(True)
    assert np.array_equal(heatmap(grad).to_numpy(), heatmap(exact).to_numpy())
    assert str(t.dtype) == "torch.bfloat16"  # the caller's tensor is untouched


# -- 9. figures in notebooks, an axes-level plot, a short colour-bar repr --------------------

def test_figures_show_themselves_through_ipythons_display_formatter():
    import io

    from IPython.core import formatters  # the `test` extra installs IPython: never skipped
    from PIL import Image

    x = RNG.normal(size=(2, 3, 16, 16))
    fig = visheat.figure(heatmap(x, "attribution"), titles=["a", "b"])
    data, _ = formatters.DisplayFormatter().format(fig)
    assert "image/png" in data
    shown = Image.open(io.BytesIO(data["image/png"]))
    assert shown.format == "PNG" and shown.width > 100 and shown.height > 50
    # and the picture is the figure: more than one colour, not a blank canvas
    assert len(np.unique(np.asarray(shown.convert("RGB")).reshape(-1, 3), axis=0)) > 50


def test_plot_draws_one_picture_and_its_colour_bar_into_a_given_axes():
    from matplotlib.figure import Figure

    x = RNG.normal(size=(3, 3, 12, 10))
    h = heatmap(x, "attribution")
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert h.plot(2, ax=axes[1]) is axes[1]
    assert np.array_equal(np.asarray(axes[1].images[0].get_array()), h.to_numpy()[2])
    assert not axes[0].images  # nothing drawn elsewhere
    (bar,) = axes[1].child_axes
    info = h.colorbar_info(2)
    assert bar.get_xlim() == (info.lo, info.hi) and info.lo == -info.hi
    colours = np.asarray(bar.images[0].get_array())[0]
    assert np.allclose(colours[0], info.stops[0]) and np.allclose(colours[-1], info.stops[-1])
    assert bar.get_xlabel() == "vik (clipped)"  # the preset clips the 1 % tails
    fig.canvas.draw()  # it renders: the bar sits under the picture, as wide
    pic, under = axes[1].get_window_extent(), bar.get_window_extent()
    assert under.y1 <= pic.y0 + 1 and abs(under.width - pic.width) < 2


def test_plot_without_an_axes_makes_a_figure_that_shows_itself():
    from IPython.core import formatters  # the `test` extra installs IPython: never skipped
    h = heatmap(RNG.normal(size=(1, 3, 8, 8)))
    ax = h.plot(0, colorbar=False, title="mine")
    assert not ax.child_axes and ax.get_title() == "mine"
    assert "image/png" in formatters.DisplayFormatter().format(ax.figure)[0]


def test_plot_refuses_what_it_cannot_draw():
    h = heatmap(RNG.normal(size=(2, 3, 4, 4)))
    with pytest.raises(IndexError):
        h.plot(2)
    with pytest.raises(TypeError, match="ax: expected a matplotlib Axes"):
        h.plot(0, ax="left")
    with pytest.raises(TypeError, match="i: expected an int"):
        h.plot(True)


def test_colorbar_info_repr_is_short():
    info = heatmap(RNG.normal(size=(1, 3, 4, 4)), "attribution").colorbar_info(0)
    text = repr(info)
    assert len(text) < 160 and "\n" not in text
    assert text.startswith(f"ColorbarInfo(lo={info.lo!r}, hi={info.hi!r}, name='vik', ")
    assert "256 colour stops" in text


# -- 10. h.save re-run in a notebook cell ----------------------------------------------------

def test_saving_the_same_pictures_twice_works_and_other_pictures_are_refused(tmp_path):
    from PIL import Image

    x = RNG.normal(size=(2, 3, 6, 6))
    h = heatmap(x)
    paths = h.save(tmp_path)
    stamps = [p.stat().st_mtime_ns for p in paths]
    assert h.save(tmp_path) == paths  # the cell run again
    assert [p.stat().st_mtime_ns for p in paths] == stamps  # nothing rewritten
    other = heatmap(x, "attribution")
    with pytest.raises(ValueError, match="existing='overwrite'"):
        other.save(tmp_path)
    assert np.array_equal(np.asarray(Image.open(paths[0]).convert("RGB")), h.to_numpy()[0])
    other.save(tmp_path, existing="overwrite")
    assert np.array_equal(np.asarray(Image.open(paths[0]).convert("RGB")), other.to_numpy()[0])


def test_the_readme_shows_how_to_load_the_sample_data_and_the_snippet_runs():
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```python\n(.*?)```", readme, re.S) if "load_sample" in b]
    assert blocks, "no README snippet loads the sample data"
    namespace: dict = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    assert len(namespace["h"]) == 4 and len(namespace["g"]) == 4
    assert "existing=\"skip\"" in readme and "Chromium" in readme


# -- 8. image batches as the model saw them: NCHW, normalised ---------------------------------

def _unnormalise_model(images_nchw: np.ndarray, mean, std) -> np.ndarray:
    """Independent model: channels last, x * std + mean per channel, clipped, to uint8."""
    hwc = np.transpose(images_nchw, (0, 2, 3, 1)).astype(np.float64)
    return np.clip(hwc * np.asarray(std) + np.asarray(mean), 0, 1)


def test_image_layout_and_imagenet_unnormalising_give_the_pictures_of_plain_images():
    images = RNG.random((2, 3, 16, 12))  # what the model saw: normalised, NCHW
    normalised = (images - np.array(visheat.IMAGENET_MEAN)[:, None, None]) \
        / np.array(visheat.IMAGENET_STD)[:, None, None]
    before = normalised.copy()
    cams = RNG.random((2, 4, 3))
    got = heatmap(cams, normalised, "gradcam", layout="NHW", image_layout="NCHW",
                  image_mean=visheat.IMAGENET_MEAN, image_std=visheat.IMAGENET_STD)
    plain = _unnormalise_model(normalised, visheat.IMAGENET_MEAN, visheat.IMAGENET_STD)
    assert np.allclose(plain, np.transpose(images, (0, 2, 3, 1)))
    expected = heatmap(cams, plain, "gradcam", layout="NHW")
    assert np.array_equal(got.to_numpy(), expected.to_numpy())
    assert np.array_equal(normalised, before)  # the caller's images are untouched


def test_image_layout_reads_torch_image_batches():
    images = tensor(RNG.random((2, 3, 10, 8)).astype(np.float32), requires_grad=True)
    cams = RNG.random((2, 10, 8))
    got = heatmap(cams, images, "cam", layout="NHW", image_layout="NCHW").to_numpy()
    plain = images.detach().numpy().transpose(0, 2, 3, 1)
    assert np.array_equal(got, heatmap(cams, plain, "cam", layout="NHW").to_numpy())
    one = heatmap(cams, images[0], "cam", layout="NHW", image_layout="CHW").to_numpy()
    assert np.array_equal(one, heatmap(cams, plain[0], "cam", layout="NHW").to_numpy())


@given(st.integers(1, 3), st.sampled_from(["NCHW", "NHWC"]), st.integers(1, 5))
def test_streaming_reads_images_as_heatmap_does(n, image_layout, batch_size):
    from visheat import heatmap_batches

    images = np.random.default_rng(n).normal(0, 1, size=(n, 5, 5, 3))
    if image_layout == "NCHW":
        images = images.transpose(0, 3, 1, 2)
    cams = np.random.default_rng(n + 1).random((n, 5, 5))
    kwargs = dict(layout="NHW", image_layout=image_layout, image_mean=0.5, image_std=0.25)
    whole = heatmap(cams, images, "cam", **kwargs).to_numpy()
    parts = [h.to_numpy() for h in heatmap_batches(cams, images, "cam", batch_size=batch_size,
                                                     **kwargs)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_save_heatmaps_reads_images_as_heatmap_does(tmp_path):
    from PIL import Image

    from visheat import save_heatmaps

    images = RNG.normal(size=(3, 3, 6, 6))
    cams = RNG.random((3, 6, 6))
    kwargs = dict(layout="NHW", image_layout="NCHW", image_mean=visheat.IMAGENET_MEAN,
                  image_std=visheat.IMAGENET_STD)
    paths = save_heatmaps(cams, images, "cam", directory=tmp_path, batch_size=2, **kwargs)
    expected = heatmap(cams, images, "cam", **kwargs).to_numpy()
    for i, path in enumerate(paths):
        assert np.array_equal(np.asarray(Image.open(path).convert("RGB")), expected[i])


def test_bad_image_options_name_the_argument():
    cams = RNG.random((1, 4, 4))
    with pytest.raises(ValueError, match="image_layout: expected one of"):
        heatmap(cams, np.zeros((4, 4, 3)), "cam", layout="NHW", image_layout="HCW")
    with pytest.raises(ValueError, match="image_std: expected positive finite numbers"):
        heatmap(cams, np.zeros((4, 4, 3)), "cam", layout="NHW", image_std=[1, 0, 1])
    with pytest.raises(ValueError, match="image_mean: expected 1 or 3 numbers"):
        heatmap(cams, np.zeros((4, 4, 3)), "cam", layout="NHW", image_mean=[0.1, 0.2])
    with pytest.raises(ValueError, match="Pass image_layout= if the channels come first"):
        heatmap(cams, np.zeros((3, 5, 5)), "cam", layout="NHW", image_mean=[0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="images: expected 4 axes for image_layout='NCHW'"):
        heatmap(cams, np.zeros((3, 4, 4)), "cam", layout="NHW", image_layout="NCHW")
    with pytest.raises(TypeError, match="images: expected float images"):
        heatmap(cams, np.zeros((4, 4, 3), np.uint8), "cam", layout="NHW", image_mean=0.5)


# -- 11. readable notebook grids and swatch sheets -------------------------------------------

def _grid_images(h) -> list:
    import base64
    import io
    import re

    from PIL import Image

    found = re.findall(r'src="data:image/png;base64,([^"]+)"', h._repr_html_())
    return [Image.open(io.BytesIO(base64.b64decode(b))) for b in found]


def test_small_maps_are_enlarged_in_the_notebook_grid_block_by_block():
    h = heatmap(RNG.normal(size=(3, 32, 20)), "sensitivity", layout="NHW")
    shown = _grid_images(h)
    assert len(shown) == 3
    for i, picture in enumerate(shown):
        assert picture.size == (60, 96)  # 3 x 32 = 96 rows, 3 x 20 columns
        blocks = np.repeat(np.repeat(h.to_numpy()[i], 3, axis=0), 3, axis=1)
        assert np.array_equal(np.asarray(picture.convert("RGB")), blocks)
    html = h._repr_html_()
    assert html.count(';width:60px"') == 3 and html.count('width="60"') == 3
    large = heatmap(RNG.normal(size=(2, 3, 200, 100)))
    assert [p.size for p in _grid_images(large)] == [(80, 160)] * 2


def test_grid_captions_are_no_wider_than_their_pictures_in_a_real_browser(tmp_path):
    from browser import launched

    h = heatmap(RNG.normal(size=(3, 3, 32, 32)) * 1e5, "attribution")
    page = tmp_path / "grid.html"
    page.write_text(f"<!DOCTYPE html><html><body>{h._repr_html_()}</body></html>",
                    encoding="utf-8")
    with launched() as browser:
        browser.open(page.as_uri())
        sizes = browser.evaluate("""Array.from(document.querySelectorAll('figure')).map(f => ({
            img: f.querySelector('img').getBoundingClientRect().width,
            caption: f.querySelector('figcaption').getBoundingClientRect().width,
            text: f.querySelector('figcaption').scrollWidth}))""")
    assert len(sizes) == 3
    for size in sizes:
        assert size["img"] >= 96
        assert size["caption"] <= size["img"] + 0.5 and size["text"] <= size["img"] + 0.5


def test_swatch_labels_fit_before_their_colour_bars(tmp_path):
    from PIL import Image, ImageDraw, ImageFont

    from visheat.cli import main
    from visheat.display.swatches import SWATCH_GAP, SWATCH_TEXT_X, swatch_label
    from visheat.transforms.schemes import list_names

    draw, font = ImageDraw.Draw(Image.new("RGB", (8, 8))), ImageFont.load_default()
    width = 240 - SWATCH_TEXT_X - SWATCH_GAP
    names = list_names()
    too_long = [n for n in names if draw.textbbox((0, 0), n, font=font)[2] > width]
    assert too_long  # colorcet's long names: the case this is about
    for name in names:
        label = swatch_label(name, draw, font, width)
        assert draw.textbbox((0, 0), label, font=font)[2] <= width
        if name in too_long:
            head, tail = label.split("...")
            assert name.startswith(head) and name.endswith(tail) and len(head) > 3
        else:
            assert label == name
    path = tmp_path / "s.png"
    assert main(["colormaps", "--swatches", str(path), "--quiet"]) == 0
    sheet = np.asarray(Image.open(path).convert("L"))
    gap = sheet[:, 240 - SWATCH_GAP:240]  # the white gap before every bar stays white
    assert (gap == 255).all()


def test_channels_last_image_tensors_with_grad_are_read_like_x():
    images = tensor(RNG.random((2, 6, 5, 3)).astype(np.float32), requires_grad=True)
    cams = RNG.random((2, 6, 5))
    got = heatmap(cams, images, "cam", layout="NHW").to_numpy()
    expected = heatmap(cams, images.detach().numpy(), "cam", layout="NHW").to_numpy()
    assert np.array_equal(got, expected)
