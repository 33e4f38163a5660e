"""The visheat command: real runs in a subprocess, and every user mistake's exit code."""

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visheat import AlphaOverlay, CenteredColormap, SumReduction, heatmap
from visheat.cli import main
from visheat.sample_data import load_sample

SAMPLE = load_sample()
DATA = Path(__file__).resolve().parents[2] / "src" / "visheat" / "data" / "attributions.npz"


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "visheat", *args], capture_output=True,
                          text=True, cwd=cwd, timeout=300)


def png(path):
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


@pytest.fixture(scope="module")
def inputs(tmp_path_factory):
    root = tmp_path_factory.mktemp("inputs")
    np.save(root / "attributions.npy", np.asarray(SAMPLE.attributions))
    np.save(root / "cams.npy", np.asarray(SAMPLE.cams))
    np.save(root / "julia.npy", np.asarray(SAMPLE.attributions).transpose(3, 2, 1, 0))
    (root / "images").mkdir()
    for i, (label, image) in enumerate(zip(SAMPLE.labels, SAMPLE.images)):
        Image.fromarray(image).save(root / "images" / f"{i}_{label}.png")
    np.save(root / "objects.npy", np.array([{}], dtype=object))
    np.save(root / "rgb7.npy", np.zeros((7, 8, 8, 3), np.uint8))
    return root


def test_demo_writes_pictures_for_every_preset(tmp_path):
    from visheat import PRESETS

    result = run("demo", "--out", str(tmp_path / "demo"))
    assert result.returncode == 0, result.stderr
    assert "gradcam" in PRESETS
    for preset in PRESETS:
        files = sorted((tmp_path / "demo" / preset).glob("*.png"))
        assert len(files) >= 3, preset
        assert str(tmp_path / "demo" / preset) in result.stdout
        arr = png(files[0])
        assert arr.ndim == 3 and arr.shape[2] == 3 and arr.std() > 5


def test_render_writes_the_pictures_of_heatmap(inputs, tmp_path):
    pipe = "SumReduction() | CenteredColormap('bwr')"
    result = run("render", str(inputs / "julia.npy"), "--layout", "WHCN", "--pipe", pipe,
                 "--out", str(tmp_path / "r"), "--batch-size", "3", "--quiet")
    assert result.returncode == 0 and result.stdout == "" and result.stderr == ""
    expected = heatmap(SAMPLE.attributions, SumReduction() | CenteredColormap("bwr")).to_numpy()
    files = sorted((tmp_path / "r").iterdir())
    assert [f.name for f in files] == [f"{i:05d}.png" for i in range(4)]
    for i, f in enumerate(files):
        assert np.array_equal(png(f), expected[i])


def test_render_takes_labels_from_an_npz_and_shows_progress(tmp_path):
    result = run("render", str(DATA), "--key", "cams", "--layout", "NHW", "--pipe", "cam",
                 "--out", str(tmp_path), "--batch-size", "1")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "00000_astronaut.png", "00001_coffee.png", "00002_cat.png", "00003_rocket.png"]
    assert "visheat render" in result.stderr and "map" in result.stderr  # the progress bar
    assert f"wrote 4 pictures to {tmp_path}" in result.stdout


def test_existing_files_need_overwrite_and_resume_keeps_them(inputs, tmp_path):
    out = str(tmp_path)
    assert main(["render", str(inputs / "cams.npy"), "--layout", "NHW", "--out", out,
                 "--quiet"]) == 0
    first = png(tmp_path / "00002.png")
    (tmp_path / "00002.png").unlink()  # as if interrupted before sample 2
    (tmp_path / "00001.png").write_bytes(b"marker")  # a kept file is not rewritten
    args = ["render", str(inputs / "cams.npy"), "--layout", "NHW", "--out", out, "--quiet",
            "--batch-size", "1"]
    assert main(args) == 2
    assert main(args + ["--resume"]) == 0
    assert np.array_equal(png(tmp_path / "00002.png"), first)
    assert (tmp_path / "00001.png").read_bytes() == b"marker"
    assert main(args + ["--overwrite"]) == 0
    assert png(tmp_path / "00001.png").shape == (7, 7, 3)
    with pytest.raises(SystemExit) as exited:  # argparse refuses the pair, with its usage
        main(args + ["--overwrite", "--resume"])
    assert exited.value.code == 2


def test_gallery_from_a_folder_of_images_shows_heatmap_and_overlay(inputs, tmp_path):
    captions = [{"label": f"<{label}>", "score": 0.5} for label in SAMPLE.labels]
    (tmp_path / "captions.json").write_text(json.dumps(captions))
    result = run("gallery", str(inputs / "cams.npy"), "--layout", "NHW", "--pipe", "cam",
                 "--images", str(inputs / "images"), "--captions", str(tmp_path / "captions.json"),
                 "--method", "Grad-CAM", "--out", str(tmp_path / "g"), "--batch-size", "3")
    assert result.returncode == 0, result.stderr
    page = (tmp_path / "g" / "index.html").read_text(encoding="utf-8")
    assert page.count('class="card"') == 4 and page.count('class="colorbar"') == 4
    shown = [re.sub(r"<[^>]+>", "", c) for c in re.findall(r'<p class="caption">(.*?)</p>', page)]
    assert shown[1] == "&lt;coffee&gt; · score 0.5 · Grad-CAM"
    full = heatmap(SAMPLE.cams, SAMPLE.images, "cam", layout="NHW").to_numpy()
    plain = heatmap(SAMPLE.cams, SAMPLE.images, "cam", layout="NHW")
    files = tmp_path / "g" / "files"
    assert np.array_equal(png(files / "00001_coffee_overlay.png"), full[1])  # the pipeline's own
    heat = png(files / "00001_coffee_heatmap.png")
    assert heat.shape == (224, 224, 3) and not np.array_equal(heat, full[1])
    assert plain.colorbar_info(1).hi == pytest.approx(float(SAMPLE.cams[1].max()))
    assert f'data-hi="{plain.colorbar_info(1).hi!r}"' in page


def test_self_contained_gallery_is_one_file(inputs, tmp_path):
    assert main(["gallery", str(inputs / "attributions.npy"), "--pipe", "attribution",
                 "--images", str(inputs / "images"), "--self-contained", "--quiet",
                 "--out", str(tmp_path)]) == 0
    assert [p.name for p in tmp_path.iterdir()] == ["index.html"]
    assert (tmp_path / "index.html").read_text().count("data:image/png;base64,") == 4 * 3 + 4


def test_colormaps_lists_names_by_kind_and_draws_swatches(tmp_path, capsys):
    assert main(["colormaps", "--kind", "diverging", "--source", "crameri"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("diverging (") and "berlin" in out and "batlow" not in out
    assert main(["colormaps", "--source", "colorschemes"]) == 0
    out = capsys.readouterr().out
    assert re.findall(r"^(\w+) \(\d+\):", out, re.M) == ["sequential", "diverging"]
    sheet = tmp_path / "swatches.png"
    assert main(["colormaps", "--source", "colorschemes", "--swatches", str(sheet)]) == 0
    pixels = png(sheet)
    assert pixels.shape[0] == 8 * 18 + 8  # two headings and six colormaps
    assert pixels[:, 240:].std() > 30  # colours, not a blank sheet


MISTAKES = [
    (["render", "missing.npy"], "missing.npy: expected an existing .npy or .npz file"),
    (["render", "{inputs}/objects.npy"], "expected an array of numbers; got an array of Python "
                                         "objects"),
    (["render", "{inputs}/cams.npy"], "--layout: expected an array with 4 axes for layout 'NCHW'; "
                                      "got shape (4, 7, 7)"),
    (["render", "{inputs}/cams.npy", "--layout", "NHX"], "--layout: layout: expected letters"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--pipe", "NormReduction() |"],
     "--pipe: text: expected steps like Name(args)"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--pipe", "ExtremaColormap('jte')"],
     "--pipe: name: expected a known colormap name; got 'jte'. Did you mean 'jet'?"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--pipe", "SumReduction()"],
     "pipe: expected a pipeline that ends in RGB pictures"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--images", "{inputs}/rgb7.npy"],
     "--images: expected 4 images (one per sample) or one for all; got 7"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--images", "{inputs}/cams.npy"],
     "images: expected 1, 3 or 4 colour channels (gray, RGB, RGBA) last"),
    (["render", str(DATA)], "key: expected the name of the array to read (--key)"),
    (["render", str(DATA), "--key", "attributions", "--max-npz-bytes", "1M"],
     "expected at most 1 MiB uncompressed; got 1.15 MiB"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--batch-size", "0"],
     "--batch-size: expected a positive number"),
    (["render", "{inputs}/cams.npy", "--layout", "NHW", "--pattern", "../{index}.png"],
     "--pattern: expected a plain file name"),
    (["gallery", "{inputs}/cams.npy", "--layout", "NHW", "--captions", "{inputs}/cams.npy"],
     "--captions: expected a JSON file"),
    (["gallery", "{inputs}/cams.npy", "--layout", "NHW", "--labels", "{inputs}/labels.txt"],
     "--labels: expected 4 lines (one label per sample); got 2"),
]


@pytest.mark.parametrize("argv, message", MISTAKES)
def test_user_mistakes_exit_with_code_2_and_one_line(inputs, tmp_path, capsys, argv, message):
    (inputs / "labels.txt").write_text("a\nb\n")
    argv = [a.replace("{inputs}", str(inputs)) for a in argv] + ["--out", str(tmp_path / "o")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    command = argv[0]
    assert err.startswith(f"visheat {command}: error: ") and err.count("\n") == 1
    assert message in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").rglob("*.png"))


def test_mistakes_in_a_real_process_print_no_traceback(inputs, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    for args in (["demo", "--out", str(blocker / "sub")],
                 ["render", str(inputs / "objects.npy"), "--out", str(tmp_path / "o")],
                 ["colormaps", "--kind", "rainbowish"],
                 ["gallery", str(inputs / "cams.npy"), "--layout", "NHW", "--pipe",
                  "__import__('os').system('echo hacked')", "--out", str(tmp_path / "g")]):
        result = run(*args)
        assert result.returncode == 2, args
        assert "Traceback" not in result.stderr and "hacked" not in result.stdout
        assert f"visheat {args[0]}: error:" in result.stderr


def test_an_overlay_pipeline_without_images_still_renders(inputs, tmp_path):
    pipe = SumReduction() | CenteredColormap("bwr") | AlphaOverlay(0.3)
    assert main(["gallery", str(inputs / "cams.npy"), "--layout", "NHW", "--pipe", str(pipe),
                 "--out", str(tmp_path), "--quiet"]) == 0
    page = (tmp_path / "index.html").read_text()
    assert page.count('class="panel panel-heatmap"') == 4 and "panel-overlay" not in page


@pytest.mark.parametrize("n", [1, 2])
def test_summaries_say_one_picture_one_sample_one_method(tmp_path, capsys, n):
    np.save(tmp_path / "x.npy", np.asarray(SAMPLE.attributions)[:n])
    inputs = [str(tmp_path / "x.npy")] * n
    names = ",".join(f"m{i}" for i in range(n))
    assert main(["gallery", inputs[0], "--out", str(tmp_path / "g")]) == 0
    assert main(["explore", *inputs, "--names", names, "--out", str(tmp_path / "e.html")]) == 0
    gallery, explore = capsys.readouterr().out.splitlines()
    s = "" if n == 1 else "s"
    assert gallery.startswith(f"wrote a gallery of {n} picture{s}: ")
    assert explore.startswith(f"{n} sample{s} x {n} method{s} -> ")


def test_the_readme_says_which_commands_take_existing_and_which_resume():
    """Every command that writes takes --existing/--overwrite; those the README names as
    writing a folder of files also take --existing skip/--resume, and only those."""
    from visheat.cli import build_parser

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    text = " ".join(readme.split())
    assert "Every command that writes files takes `--existing`" in text
    folders = re.search(r"The commands that write a folder of files \(([^)]*)\) also take "
                        r"`--existing skip` \(`--resume`\)", text)
    assert folders, "the README no longer says which commands resume"
    resuming = set(re.findall(r"`(\w+)`", folders[1]))
    commands = build_parser()._subparsers._group_actions[0].choices
    assert resuming and set(commands) == resuming | {"colormaps", "explore"}
    for name, parser in commands.items():
        options = {o: a for a in parser._actions for o in a.option_strings}
        assert "--overwrite" in options and "error" in options["--existing"].choices, name
        assert ("skip" in options["--existing"].choices) == (name in resuming), name
        assert ("--resume" in options) == (name in resuming), name
