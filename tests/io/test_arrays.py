"""visheat.io.arrays: safe loading of the command line's inputs."""

import pickle
import zipfile

import numpy as np
import pytest
from PIL import Image

from visheat.io.arrays import (
    ImageFolder,
    load_array,
    npz_members,
    open_images,
    parse_size,
    read_labels,
)

X = np.arange(24, dtype=np.float32).reshape(2, 3, 2, 2)


def test_npy_files_are_memory_mapped_and_equal(tmp_path):
    np.save(tmp_path / "x.npy", X)
    found = load_array(tmp_path / "x.npy")
    assert isinstance(found, np.memmap) and not found.flags.writeable
    assert np.array_equal(found, X)


def test_arrays_of_python_objects_and_pickles_are_never_loaded(tmp_path):
    np.save(tmp_path / "objects.npy", np.array([{"a": 1}, None], dtype=object))
    with pytest.raises(ValueError, match="expected an array of numbers; got an array of Python "
                                         "objects. visheat never unpickles"):
        load_array(tmp_path / "objects.npy")
    (tmp_path / "pickle.npy").write_bytes(pickle.dumps({"x": X}))
    with pytest.raises(ValueError, match="numpy's .npy format.*Pickled data is never loaded"):
        load_array(tmp_path / "pickle.npy")
    np.savez(tmp_path / "a.npz", x=np.array([None], dtype=object))
    with pytest.raises(ValueError, match=r"a.npz\[x\]: expected an array of numbers"):
        load_array(tmp_path / "a.npz")


def test_npz_members_are_chosen_by_key_with_did_you_mean(tmp_path):
    np.savez_compressed(tmp_path / "a.npz", maps=X, labels=np.array(["a", "b"]))
    assert set(npz_members(tmp_path / "a.npz")) == {"maps", "labels"}
    assert np.array_equal(load_array(tmp_path / "a.npz", "maps"), X)
    with pytest.raises(ValueError, match="key: expected the name of the array.*labels, maps"):
        load_array(tmp_path / "a.npz")
    with pytest.raises(ValueError, match="Did you mean 'maps'"):
        load_array(tmp_path / "a.npz", "map")
    with pytest.raises(ValueError, match=r"\[labels\]: expected an array of numbers"):
        load_array(tmp_path / "a.npz", "labels")
    assert list(load_array(tmp_path / "a.npz", "labels", numeric=False)) == ["a", "b"]


def test_npz_members_over_the_size_limit_are_not_read(tmp_path):
    np.savez_compressed(tmp_path / "big.npz", x=np.zeros((100, 100)))  # 80 kB, compresses well
    assert (tmp_path / "big.npz").stat().st_size < 2000
    with pytest.raises(ValueError, match=r"expected at most 1 KiB uncompressed; got 78.2 KiB. "
                                         r"Raise the limit \(--max-npz-bytes\)"):
        load_array(tmp_path / "big.npz", max_bytes=1024)
    assert load_array(tmp_path / "big.npz", max_bytes=100_000).shape == (100, 100)


def test_a_member_whose_header_claims_more_than_it_holds_is_refused(tmp_path):
    header = {"descr": "<f8", "fortran_order": False, "shape": (10**12,)}
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w") as archive:
        with archive.open("x.npy", "w") as member:
            np.lib.format.write_array_header_1_0(member, header)
            member.write(b"\0" * 64)
    with pytest.raises(ValueError, match=r"header claiming shape \(1000000000000,\)"):
        load_array(tmp_path / "bomb.npz")


def test_missing_and_wrong_files_say_what_they_are(tmp_path):
    with pytest.raises(ValueError, match="nothing.npy: expected an existing .npy or .npz file; "
                                         "got no such file"):
        load_array(tmp_path / "nothing.npy")
    with pytest.raises(ValueError, match="got a folder"):
        load_array(tmp_path)
    (tmp_path / "x.txt").write_text("1 2 3")
    with pytest.raises(ValueError, match="expected a .npy or .npz file; got a .txt file"):
        load_array(tmp_path / "x.txt")
    (tmp_path / "x.npz").write_text("not a zip")
    with pytest.raises(ValueError, match="a file that is not a zip archive"):
        load_array(tmp_path / "x.npz")


def test_image_folders_read_sorted_images_lazily(tmp_path):
    for name, value in [("b.png", 20), ("a.jpg", 10), ("c.PNG", 30)]:
        Image.fromarray(np.full((4, 5), value, np.uint8)).save(tmp_path / name)
    (tmp_path / "notes.txt").write_text("not an image")
    folder = open_images(tmp_path)
    assert isinstance(folder, ImageFolder) and len(folder) == 3
    assert folder.labels == ["a", "b", "c"]
    part = folder[1:3]
    assert [p.shape for p in part] == [(4, 5, 3)] * 2 and part[1][0, 0, 0] == 30
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="expected a folder with images"):
        ImageFolder(tmp_path / "empty")


def test_labels_and_sizes():
    assert parse_size("4G") == 4 * 2**30 and parse_size("10 MiB") == 10 * 2**20
    with pytest.raises(ValueError, match="size: expected a number of bytes"):
        parse_size("lots")


def test_label_files_have_one_label_per_line(tmp_path):
    (tmp_path / "labels.txt").write_bytes("cat\r\n\n<dög>\n\n".encode())
    assert read_labels(tmp_path / "labels.txt") == ["cat", "", "<dög>"]
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ValueError, match="expected a UTF-8 text file"):
        read_labels(tmp_path / "bad.txt")


@pytest.mark.parametrize("inside", ["\u0085", "\u2028", "\u2029", "\x1c", "\x1d", "\x1e",
                                    "\x0b", "\x0c"])
def test_labels_split_at_line_ends_only(tmp_path, inside):
    labels = tmp_path / "labels.txt"  # three labels; str.splitlines would read four or more
    labels.write_bytes(f"cat{inside}dog\nbird\r\n{inside}fish{inside}\rowl\n\n".encode())
    assert read_labels(labels) == [f"cat{inside}dog", "bird", f"{inside}fish{inside}", "owl"]


def test_label_line_ends_are_read_as_written(tmp_path):
    labels = tmp_path / "labels.txt"
    labels.write_bytes(b"a\r\n\r\nb\rc\n\r\n \n")  # \r\n is one line end, not two
    assert read_labels(labels) == ["a", "", "b", "c"]
