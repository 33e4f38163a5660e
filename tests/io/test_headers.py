"""Forged array headers and image headers: one ValueError line that names the file.

Every forgery is written as a real file (a ``.npy``, a ``.npz`` member, an image) and read
through the Python API (``load_array``, ``read_image``) and the command line
(``visheat render``, ``explore``, ``cam``): the API raises a ValueError whose message
starts with the file; the command exits with code 2 and prints one line naming it.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from visheat.cli import main
from visheat.io.arrays import ImageFolder, load_array, read_image
from visheat.render.folders import render_folder


def npy_bytes(header: str, data: bytes = b"\0" * 64) -> bytes:
    """A ``.npy`` file (format 1.0) with ``header`` as its header dictionary, verbatim."""
    body = header.encode("latin1")
    magic = b"\x93NUMPY\x01\x00"
    body += b" " * (-(len(magic) + 2 + len(body) + 1) % 64) + b"\n"
    return magic + len(body).to_bytes(2, "little") + body + data


def header(shape: str, descr: str = "'<f8'") -> str:
    return f"{{'descr': {descr}, 'fortran_order': False, 'shape': {shape}, }}"


#: name -> (header, data, what the message says after "<file>: expected ")
FORGED = {
    "negative": (header("(-1, 3)"), b"\0" * 64, "a header whose shape holds whole numbers"),
    "negative-pair": (header("(-2, -4)"), b"\0" * 64,
                      "a header whose shape holds whole numbers"),
    "negative-after-zero": (header("(2, 0, -5)"), b"", "a header whose shape holds whole"),
    "bool": (header("(True, 3)"), b"\0" * 64, "a header whose shape holds whole numbers"),
    "false": (header("(False, 3)"), b"", "a header whose shape holds whole numbers"),
    "axes": (header("(" + "1, " * 100 + ")"), b"\0" * 8, "a header with at most 32 axes"),
    "empty-int64-max": (header("(0, 9223372036854775807)"), b"",
                        "a header whose axes multiply to under 2**63 bytes"),
    "empty-beyond-int64": (header("(0, 1180591620717411303424)"), b"",
                           "a header whose axes multiply to under 2**63 bytes"),
    "empty-product": (header("(0, 4611686018427387904, 4)"), b"",
                      "a header whose axes multiply to under 2**63 bytes"),
    "huge": (header("(100000, 100000, 100000)"), b"\0" * 64, "an array that fits its"),
    "void": (header("(2,)", "'|V0'"), b"", "an array of numbers"),
    "text": (header("(2,)", "'<U0'"), b"", "an array of numbers"),
    "dates": (header("(2,)", "'<M8[s]'"), b"\0" * 16, "an array of numbers"),
    "not-a-dtype": (header("(2,)", "'<x9'"), b"\0" * 16, "an array in numpy's .npy format"),
    "descr-number": (header("(2,)", "5"), b"\0" * 16, "an array in numpy's .npy format"),
    "float-shape": (header("(2.0,)"), b"\0" * 16, "an array in numpy's .npy format"),
}


@pytest.fixture
def forged(tmp_path, request) -> tuple[Path, str]:
    name = request.param
    text, data, expected = FORGED[name]
    path = tmp_path / f"{name}.npy"
    path.write_bytes(npy_bytes(text, data))
    return path, expected


def one_line(code: int, err: str, command: str, path: str, expected: str) -> None:
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert err.startswith(f"visheat {command}: error: "), err
    assert f"{path}: expected {expected}" in err, err


@pytest.mark.parametrize("forged", sorted(FORGED), indirect=True)
def test_a_forged_npy_header_is_one_value_error_naming_the_file(forged):
    path, expected = forged
    with pytest.raises(ValueError) as info:
        load_array(path)
    assert str(info.value).startswith(f"{path}: expected {expected}"), info.value
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("forged", sorted(FORGED), indirect=True)
def test_a_forged_npz_member_is_one_value_error_naming_the_member(forged, tmp_path):
    path, expected = forged
    archive = tmp_path / "forged.npz"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("x.npy", path.read_bytes())
    with pytest.raises(ValueError) as info:
        load_array(archive)
    assert str(info.value).startswith(f"{archive}[x]: expected {expected}"), info.value


@pytest.mark.parametrize("forged", sorted(FORGED), indirect=True)
def test_every_command_answers_a_forged_header_with_one_line(forged, tmp_path, capsys):
    path, expected = forged
    images = tmp_path / "images"
    images.mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(images / "a.png")
    cams = tmp_path / "cams"
    cams.mkdir()
    (cams / "a.npy").write_bytes(path.read_bytes())
    runs = {
        "render": ["render", str(path), "--out", str(tmp_path / "r")],
        "explore": ["explore", str(path), "--out", str(tmp_path / "e.html")],
        "cam": ["cam", str(images), "--cams", str(cams), "--out", str(tmp_path / "c"),
                "--quiet"],
    }
    for command, argv in runs.items():
        code = main(argv)
        shown = str(cams / "a.npy") if command == "cam" else str(path)
        one_line(code, capsys.readouterr().err, command, shown, expected)
    np.save(tmp_path / "x.npy", np.zeros((1, 3, 8, 8), np.float32))  # forged images too
    code = main(["render", str(tmp_path / "x.npy"), "--images", str(path), "--out",
                 str(tmp_path / "i")])
    one_line(code, capsys.readouterr().err, "render", f"--images: {path}", expected)


def test_a_member_cut_short_names_the_member(tmp_path, capsys):
    archive = tmp_path / "short.npz"
    with zipfile.ZipFile(archive, "w") as zipped:  # 10 float64 claimed, 40 bytes held
        zipped.writestr("x.npy", npy_bytes(header("(10,)"), b"\0" * 40))
    with pytest.raises(ValueError, match=r"short\.npz\[x\]: expected an array numpy can read; "
                       r"got a file numpy refused \(EOF: reading array data"):
        load_array(archive)
    one_line(main(["render", str(archive), "--out", str(tmp_path / "o")]),
             capsys.readouterr().err, "render", f"{archive}[x]", "an array numpy can read")


def png_header(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels and holds one row of data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 31)) + chunk(b"IEND", b""))


IMAGES = {
    "bomb": (png_header(20000, 20000), "Image size (400000000 pixels) exceeds limit"),
    "no-pixels": (png_header(0, 8), "cannot identify image file"),
    "giant": (png_header(2**31 - 1, 2**31 - 1), "exceeds limit"),
}


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_a_forged_image_header_is_one_value_error_naming_the_file(name, tmp_path, capsys):
    data, said = IMAGES[name]
    images = tmp_path / "images"
    images.mkdir()
    path = images / "a.png"
    path.write_bytes(data)
    expected = f"{path}: expected an image file Pillow can read; got "
    for read in (read_image, lambda p: ImageFolder(images)[0],
                 lambda p: render_folder(images, {"a": np.ones((4, 4))}, tmp_path / "f")):
        with pytest.raises(ValueError) as info:
            read(path)
        assert str(info.value).startswith(expected) and said in str(info.value), info.value
    np.save(tmp_path / "maps.npy", np.zeros((1, 8, 8), np.float32))
    np.savez(tmp_path / "cams.npz", a=np.ones((4, 4)))
    for command, argv in {
            "cam": ["cam", str(images), "--cams", str(tmp_path / "cams.npz"), "--quiet"],
            "render": ["render", str(tmp_path / "maps.npy"), "--layout", "NHW", "--images",
                       str(images), "--pipe", "cam"]}.items():
        code = main(argv + ["--out", str(tmp_path / command)])
        err = capsys.readouterr().err
        one_line(code, err, command, str(path), "an image file Pillow can read")
        assert said in err and not err.rstrip().endswith("..")
