"""Folder in, folder out: render_folder and ``visheat cam``, on real files."""

import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from visheat import (
    PRESETS,
    BoxRenormalize,
    DrawDetections,
    Unletterbox,
    combine_cams,
    heatmap,
    letterbox_geometry,
    unletterbox_boxes,
)
from visheat.render.folders import load_cams, render_folder

RNG = np.random.default_rng(11)


def _image(path, h, w):
    arr = RNG.integers(0, 256, (h, w, 3), dtype=np.uint8)
    Image.fromarray(arr).save(path)
    return np.asarray(Image.open(path).convert("RGB"))  # JPEG: what was actually stored


def _read(path):
    with Image.open(path) as img:
        return np.asarray(img)


@pytest.fixture
def folder(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    pictures = {"cat": _image(images / "cat.png", 40, 60), "dog": _image(images / "dog.jpg", 30, 30)}
    (images / "notes.txt").write_text("not an image")
    cams = {"cat": RNG.random((10, 15)).astype(np.float32),
            "dog": RNG.random((30, 30)).astype(np.float32)}
    np.savez(tmp_path / "cams.npz", **cams)
    return tmp_path, pictures, cams


def test_render_folder_writes_one_picture_per_image(folder):
    root, pictures, cams = folder
    paths = render_folder(root / "images", root / "cams.npz", root / "out", method="GradCAM")
    assert [p.name for p in paths] == ["cat_GradCAM.png", "dog_GradCAM.png"]
    for path, name in zip(paths, ("cat", "dog")):
        expected = heatmap(cams[name][None], pictures[name], "gradcam", layout="NHW")
        np.testing.assert_array_equal(_read(path), expected.to_numpy()[0])


def test_several_layers_per_image_are_combined(tmp_path):
    (tmp_path / "images").mkdir()
    image = _image(tmp_path / "images" / "a.png", 32, 32)
    layers = [RNG.random((4, 4)), RNG.random((8, 8)), RNG.random((16, 16))]
    np.savez(tmp_path / "cams.npz", **{"a/10": layers[0], "a/12": layers[1], "a/14": layers[2]})
    (tmp_path / "dir").mkdir()
    np.savez(tmp_path / "dir" / "a.npz", layers[0], layers[1], layers[2])
    expected = heatmap(combine_cams(layers), image, "gradcam", layout="NHW").to_numpy()[0]
    for source in (tmp_path / "cams.npz", tmp_path / "dir"):
        out = render_folder(tmp_path / "images", source, tmp_path / "out", existing="overwrite")
        np.testing.assert_array_equal(_read(out[0]), expected)
    np.testing.assert_array_equal(load_cams({"a": np.stack(layers[:1] * 2)})["a"][1], layers[0])
    np.save(tmp_path / "dir" / "b.npy", np.stack([layers[1], layers[1]]))  # (L, h, w) stack
    assert len(load_cams(tmp_path / "dir")["b"]) == 2
    np.save(tmp_path / "dir" / "a.npy", layers[1])
    with pytest.raises(ValueError, match="cams: expected one CAM file per image; got a.npy and"):
        load_cams(tmp_path / "dir")


def test_detections_are_renormalised_and_drawn(folder):
    root, pictures, cams = folder
    dets = {"cat": np.array([[5.0, 5.0, 30.0, 35.0, 0.9, 1.0], [35, 2, 58, 20, 0.3, 0]])}
    np.savez(root / "dets.npz", **dets)
    paths = render_folder(root / "images", root / "cams.npz", root / "out", method="m",
                          detections=root / "dets.npz", class_names=["person", "cat"],
                          renormalize=True)
    boxes = [dets["cat"][:, :4]]
    # the default pipe is the "gradcam" preset: grad-cam's scaling, resize, overlay
    pipe = (BoxRenormalize(boxes) | PRESETS["gradcam"]
            | DrawDetections(boxes, labels=[dets["cat"][:, 5]], scores=[dets["cat"][:, 4]],
                             class_names=("person", "cat")))
    expected = heatmap(cams["cat"][None], pictures["cat"], pipe, layout="NHW").to_numpy()[0]
    np.testing.assert_array_equal(_read(paths[0]), expected)
    # no detections for the dog: renormalised to an all-zero CAM, nothing drawn
    zero = heatmap(np.zeros((1, 30, 30)), pictures["dog"], "gradcam", layout="NHW")
    np.testing.assert_array_equal(_read(paths[1]), zero.to_numpy()[0])


def test_letterboxed_cams_and_detections_are_mapped_back(tmp_path):
    (tmp_path / "images").mkdir()
    image = _image(tmp_path / "images" / "wide.png", 30, 60)
    g = letterbox_geometry((30, 60), 64)
    cam = RNG.random((64, 64)).astype(np.float32)
    dets = np.array([[4.0, 20.0, 40.0, 40.0, 0.5, 0.0]])  # letterbox pixels
    out = render_folder(tmp_path / "images", {"wide": cam}, tmp_path / "out",
                        detections={"wide": dets}, letterbox=Unletterbox(new_shape=64))
    boxes = [unletterbox_boxes(dets[:, :4], g)]
    pipe = (Unletterbox() | PRESETS["gradcam"]
            | DrawDetections(boxes, labels=[[0]], scores=[[0.5]]))
    expected = heatmap(cam[None], image, pipe, layout="NHW").to_numpy()[0]
    assert _read(out[0]).shape == (30, 60, 3)
    np.testing.assert_array_equal(_read(out[0]), expected)


def test_existing_files_error_skip_or_overwrite(folder):
    root, _, _ = folder
    first = render_folder(root / "images", root / "cams.npz", root / "out")
    render_folder(root / "images", root / "cams.npz", root / "out")  # a re-run
    first[0].write_bytes(b"keep me")
    with pytest.raises(ValueError, match="out_dir: expected no existing output files"):
        render_folder(root / "images", root / "cams.npz", root / "out")
    render_folder(root / "images", root / "cams.npz", root / "out", existing="skip")
    assert first[0].read_bytes() == b"keep me"
    render_folder(root / "images", root / "cams.npz", root / "out", existing="overwrite")
    assert _read(first[0]).shape == (40, 60, 3)


def test_progress_bar_goes_to_stderr(folder, capsys):
    root, _, _ = folder
    render_folder(root / "images", root / "cams.npz", root / "out", progress=True)
    assert "visheat cam" in capsys.readouterr().err


def test_missing_cams_duplicate_names_and_bad_files_are_explained(folder):
    root, pictures, cams = folder
    np.savez(root / "half.npz", cat=cams["cat"])
    with pytest.raises(ValueError, match="cams: expected a CAM for every image; got none for dog.jpg"):
        render_folder(root / "images", root / "half.npz", root / "out")
    (root / "broken.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="cams: expected a .npz file saved with numpy"):
        render_folder(root / "images", root / "broken.npz", root / "out")
    with pytest.raises(ValueError, match="detections.*expected a \\(B, 6\\) array"):
        render_folder(root / "images", root / "cams.npz", root / "out",
                      detections={"cat": np.zeros((2, 5))})
    _image(root / "images" / "cat.jpg", 4, 4)
    with pytest.raises(ValueError, match="images_dir: expected one image per name; got cat.jpg "
                                         "and cat.png"):
        render_folder(root / "images", root / "cams.npz", root / "out")
    with pytest.raises(ValueError, match="images_dir: expected a folder of images"):
        render_folder(root / "nowhere", root / "cams.npz", root / "out")


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "visheat", *args], capture_output=True,
                          text=True, timeout=300)


def test_cli_renders_a_folder(folder):
    root, pictures, cams = folder
    np.savez(root / "dets.npz", cat=np.array([[5.0, 5.0, 30.0, 35.0, 0.9, 1.0]]))
    result = run_cli("cam", str(root / "images"), "--cams", str(root / "cams.npz"),
                     "--out", str(root / "out"), "--method", "EigenCAM",
                     "--detections", str(root / "dets.npz"), "--class-names", "person, cat",
                     "--renormalize")
    assert result.returncode == 0, result.stderr
    assert f"2 pictures -> {root / 'out'}" in result.stdout
    assert sorted(p.name for p in (root / "out").iterdir()) == ["cat_EigenCAM.png",
                                                                "dog_EigenCAM.png"]
    text_pipe = run_cli("cam", str(root / "images"), "--cams", str(root / "cams.npz"),
                        "--out", str(root / "out2"), "--pipe",
                        "ResizeToImage() | HeatAlphaOverlay('inferno', 0.7)", "--quiet")
    assert text_pipe.returncode == 0, text_pipe.stderr
    assert text_pipe.stdout == ""
    assert _read(root / "out2" / "cat_cam.png").shape == (40, 60, 3)


def test_cli_user_mistakes_exit_2_without_traceback(folder):
    root, _, _ = folder
    np.savez(root / "half.npz", cat=np.zeros((4, 4)))
    for args in (["--cams", str(root / "half.npz")],
                 ["--cams", str(root / "cams.npz"), "--pipe", "__import__('os')"],
                 ["--cams", str(root / "cams.npz"), "--letterbox-auto"]):
        result = run_cli("cam", str(root / "images"), "--out", str(root / "o"), "--quiet", *args)
        assert result.returncode == 2, (args, result.stderr)
        assert "Traceback" not in result.stderr and "visheat cam: error:" in result.stderr


def test_non_utf8_image_names_are_written_under_safe_names(tmp_path):
    import os

    images, cams = (os.path.join(os.fsencode(tmp_path), name) for name in (b"images", b"cams"))
    os.mkdir(images)
    os.mkdir(cams)
    pictures = {}
    for name in (b"\xff", b"\xfe", b"caf\xe9"):  # not UTF-8: one surrogate per byte
        stem = os.fsdecode(name)
        pictures[stem] = _image(os.fsdecode(os.path.join(images, name + b".png")), 12, 16)
        np.save(os.fsdecode(os.path.join(cams, name + b".npy")), RNG.random((6, 8)))
    paths = render_folder(os.fsdecode(images), os.fsdecode(cams), tmp_path / "out")
    assert [p.name for p in paths] == ["caf_xe9_cam.png", "xfe_cam.png", "xff_cam.png"]
    for path in paths:  # were "item_cam.png" twice (refused as a clash) and "caf_cam.png"
        assert _read(path).shape == (12, 16, 3)
    assert sorted(os.listdir(tmp_path / "out")) == [p.name for p in paths]
