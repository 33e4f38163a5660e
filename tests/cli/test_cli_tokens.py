"""Transformer tokens on the command line: --layout NLC with --tokens or --grid/--prefix."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from visheat import Pipeline, TokenGrid, heatmap
from visheat.cli import main

RNG = np.random.default_rng(11)
TOKENS = RNG.normal(size=(3, 1 + 14 * 14, 8)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (3, 56, 56, 3), dtype=np.uint8)
PIPE = "SumReduction() | ResizeToImage('nearest') | ExtremaColormap() | AlphaOverlay(0.5)"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    root = tmp_path_factory.mktemp("tokens")
    np.save(root / "tokens.npy", TOKENS)
    np.save(root / "scores.npy", TOKENS.sum(axis=2))
    np.save(root / "images.npy", IMAGES)
    return root


def pictures(folder):
    out = []
    for path in sorted(folder.glob("*.png")):
        with Image.open(path) as img:
            out.append(np.asarray(img.convert("RGB")))
    return np.stack(out)


EXPECTED = heatmap(TOKENS, IMAGES, Pipeline.parse(PIPE), layout="NLC",
                   tokens=TokenGrid(prefix=1)).to_numpy()


@pytest.mark.parametrize("options", [["--tokens", "TokenGrid(prefix=1)"],
                                     ["--grid", "14x14", "--prefix", "1"],
                                     ["--prefix", "1"]])
def test_render_reads_tokens_as_heatmap_does(files, tmp_path, options):
    code = main(["render", str(files / "tokens.npy"), "--layout", "NLC", *options, "--images",
                 str(files / "images.npy"), "--pipe", PIPE, "--out", str(tmp_path), "--quiet",
                 "--batch-size", "2"])
    assert code == 0 and np.array_equal(pictures(tmp_path), EXPECTED)


def test_scores_and_a_batch_wide_range(files, tmp_path):
    pipe = "ExtremaColormap(scope='batch')"
    code = main(["render", str(files / "scores.npy"), "--layout", "NL", "--prefix", "1",
                 "--pipe", pipe, "--out", str(tmp_path), "--quiet", "--batch-size", "2"])
    expected = heatmap(TOKENS.sum(axis=2)[:, 1:].reshape(3, 14, 14), Pipeline.parse(pipe),
                       layout="NHW").to_numpy()
    assert code == 0 and np.array_equal(pictures(tmp_path), expected)


def test_gallery_reads_tokens(files, tmp_path):
    code = main(["gallery", str(files / "tokens.npy"), "--layout", "NLC", "--tokens",
                 "TokenGrid(grid=(14, 14), prefix=1)", "--out", str(tmp_path / "g"), "--quiet"])
    assert code == 0 and (tmp_path / "g" / "index.html").exists()


def test_explore_reads_the_inputs_whose_layout_has_l(files, tmp_path):
    np.save(tmp_path / "grid.npy", TOKENS[:, 1:].reshape(3, 14, 14, 8).transpose(0, 3, 1, 2))
    code = main(["explore", str(files / "tokens.npy"), str(tmp_path / "grid.npy"),
                 "--layout", "NLC,NCHW", "--prefix", "1", "--out", str(tmp_path / "page.html"),
                 "--quiet"])
    page = (tmp_path / "page.html").read_text()
    assert code == 0 and page.count('"mh":14') == 2


@pytest.mark.parametrize("options, message", [
    (["--layout", "NLC"], "--tokens: expected --tokens \"TokenGrid(prefix=1)\" or --grid/--prefix "
                          "for --layout NLC (L is a sequence of transformer tokens); got neither."),
    (["--layout", "NLC", "--tokens", "TokenGrid()", "--prefix", "1"],
     "--tokens: expected either --tokens or --grid/--prefix/--merge; got both (--tokens and "
     "--prefix)."),
    (["--tokens", "TokenGrid(prefix=1)"], "--layout: expected an array with 4 axes for layout "
     "'NCHW'; got shape (3, 197, 8). Name one letter per axis, e.g. NCHW for attributions, NHW "
     "for CAMs. For transformer tokens (N, L, C) use --layout NLC --tokens "
     "\"TokenGrid(prefix=1)\" (197 = 1 + 14 × 14)."),
    (["--layout", "NLC", "--grid", "15x15", "--prefix", "1"], "tokens: expected 226 tokens for "
     "TokenGrid(grid=(15, 15), prefix=1); got 197 tokens; grid (15, 15) with prefix 1 needs 226."),
    (["--layout", "NLC", "--grid", "14 by 14"], "--grid: expected rows x columns such as 14x14"),
    (["--layout", "NLC", "--prefix", "-1"], "--prefix: expected an integer in [0, inf]; got -1"),
    (["--layout", "NLC", "--merge", "0"], "--merge: expected an integer in [1, inf]; got 0"),
    (["--layout", "NLC", "--grid", "15x14", "--merge", "2"], "--grid: expected rows and columns "
     "that merge=2 divides; got (15, 14)"),
    (["--layout", "NLC", "--tokens", "__import__('os').system('true')"],
     "--tokens: expected text such as 'TokenGrid(prefix=1)'"),
])
def test_mistakes_exit_2_with_one_line(files, tmp_path, capsys, options, message):
    code = main(["render", str(files / "tokens.npy"), *options, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


def test_tokens_options_without_l_in_the_layout(files, tmp_path, capsys):
    code = main(["render", str(files / "scores.npy"), "--layout", "HW", "--prefix", "1",
                 "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code == 2 and "--prefix: expected a --layout with L (transformer tokens: NLC, NL or " \
                         "NCL); got --layout HW." in err
