"""The explorer page's size: known before it is written, guarded, and written in pieces."""

import inspect
import tracemalloc

import numpy as np
import pytest

from visheat import Explorer, write_explorer
from visheat.explorer.page import MAX_BYTES
from visheat.io.files import write_atomic

RNG = np.random.default_rng(2)
X = RNG.normal(size=(12, 3, 10, 8)).astype(np.float32)
CAMS = RNG.random((12, 3, 2)).astype(np.float32)
IMAGES = RNG.integers(0, 256, size=(12, 10, 8, 3), dtype=np.uint8)


@pytest.mark.parametrize("kwargs", [
    {"methods": {"IG": X}},                                       # no images, 12 samples: ids of 2 digits
    {"methods": {"IG": X, "CAM": CAMS}, "images": IMAGES, "layout": {"CAM": "NHW"},
     "labels": [f"caf\u00e9 {i}" for i in range(12)], "scores": list(range(12))},
    {"methods": {"IG": X[:1, :1]}, "title": "\u732b"},            # one sample, one channel
])
def test_nbytes_is_the_size_of_the_page(tmp_path, kwargs):
    explorer = Explorer(kwargs.pop("methods"), **kwargs)
    path = explorer.save(tmp_path / "page.html")
    assert path.stat().st_size == explorer.nbytes
    assert path.read_bytes() == explorer.to_html().encode("ascii")


def test_a_page_over_the_limit_is_refused_before_anything_is_written(tmp_path):
    explorer = Explorer({"IG": X}, IMAGES)
    size = explorer.nbytes
    with pytest.raises(ValueError) as caught:
        explorer.save(tmp_path / "page.html", max_bytes=size - 1)
    message = str(caught.value)
    assert f"at most {size - 1:,} bytes" in message and f"a page of {size:,} bytes" in message
    assert "max_bytes=" in message and "visheat.Explorer in a notebook" in message
    assert list(tmp_path.iterdir()) == []  # neither the page nor a temporary file
    with pytest.raises(ValueError, match=r"at most 1 KiB; got a page of [0-9.]+ KiB \(12 samples"):
        write_explorer(tmp_path / "page.html", {"IG": X}, IMAGES, max_bytes=1024)
    assert list(tmp_path.iterdir()) == []
    assert explorer.save(tmp_path / "page.html", max_bytes=size).stat().st_size == size


def test_the_default_limit_is_256_mib_everywhere():
    assert MAX_BYTES == 256 * 2**20
    for function in (write_explorer, Explorer.save):
        assert inspect.signature(function).parameters["max_bytes"].default == MAX_BYTES


@pytest.mark.parametrize("limit, error", [(0, ValueError), (1.5, ValueError), ("1G", TypeError),
                                          (True, TypeError)])
def test_max_bytes_must_be_a_positive_integer(tmp_path, limit, error):
    with pytest.raises(error, match="max_bytes"):
        write_explorer(tmp_path / "page.html", {"IG": X}, max_bytes=limit)


def test_writing_holds_one_sample_of_the_page_not_the_page(tmp_path):
    # 80 samples x 2 methods of 128 x 128 with images: a page of about 12 MB
    methods = {name: RNG.normal(size=(80, 1, 128, 128)).astype(np.float32) for name in "AB"}
    explorer = Explorer(methods, RNG.integers(0, 256, (80, 128, 128, 3), dtype=np.uint8))
    size = explorer.nbytes  # also builds the colour tables (cached): not the page's memory
    tracemalloc.start()
    try:
        explorer.save(tmp_path / "page.html")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # one sample's blocks are 1/80 of the page, the head's text about 1 MB at its peak;
    # a page built in memory before it is written would take 1x the page at least
    assert peak < size / 4, (peak, size)


def failing(pieces):
    yield from pieces
    raise RuntimeError("interrupted")


def test_an_interrupted_write_leaves_no_file_and_keeps_the_old_one(tmp_path):
    path = tmp_path / "page.html"
    with pytest.raises(RuntimeError, match="interrupted"):
        write_atomic(path, failing([b"<html>", b"half"]))
    assert list(tmp_path.iterdir()) == []
    path.write_bytes(b"old page")
    with pytest.raises(RuntimeError, match="interrupted"):
        write_atomic(path, failing([b"<html>"]))
    assert list(tmp_path.iterdir()) == [path] and path.read_bytes() == b"old page"
    write_atomic(path, iter([b"new ", b"page"]))
    assert list(tmp_path.iterdir()) == [path] and path.read_bytes() == b"new page"


def test_a_write_that_fails_names_the_page_not_the_temporary_file(tmp_path):
    path = tmp_path / "missing folder" / "page.html"
    with pytest.raises(OSError) as caught:
        write_atomic(path, iter([b"x"]))
    assert caught.value.filename == str(path)
