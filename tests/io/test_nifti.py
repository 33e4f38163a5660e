"""NIfTI in (issue 23): real files written by nibabel (a synthetic phantom, no patient
data), read back reoriented to RAS+, and read by ``visheat render``."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from visheat.cli import main
from visheat.core.layout import parse_layout
from visheat.io import load_nifti
from visheat.io.arrays import load_array

nibabel = pytest.importorskip("nibabel")  # the [test] extra installs it


def phantom(shape=(6, 7, 5)) -> np.ndarray:
    """A bright ball off centre in a dim box: every axis tells its direction."""
    x, y, z = np.indices(shape, dtype=np.float32)
    return (1 + 9 * ((x - 4) ** 2 + (y - 2) ** 2 + (z - 3) ** 2 < 3)).astype(np.float32)


def save(path, data, affine):
    nibabel.save(nibabel.Nifti1Image(data, affine), str(path))
    return path


def test_volumes_stored_in_any_orientation_read_as_the_same_ras_array(tmp_path):
    volume = phantom()
    ras = save(tmp_path / "ras.nii.gz", volume, np.diag([2.0, 3.0, 4.0, 1.0]))
    # the same voxels stored left-to-right flipped and with x and y swapped: L, P, S -> P, L, S
    lps = volume[::-1, ::-1].transpose(1, 0, 2)
    affine = np.array([[0, -2.0, 0, 10], [-3.0, 0, 0, 18], [0, 0, 4.0, 0], [0, 0, 0, 1]])
    other = save(tmp_path / "other.nii", np.ascontiguousarray(lps), affine)
    a, b = load_nifti(ras), load_nifti(other)
    assert a.orientation == ("R", "A", "S") and b.orientation == ("P", "L", "S")
    assert np.array_equal(a.data, volume) and np.array_equal(b.data, volume)
    assert a.zooms == b.zooms == (2.0, 3.0, 4.0)
    assert np.array_equal(load_array(other), volume)


def test_a_sheared_affine_is_refused_naming_the_file(tmp_path):
    affine = np.eye(4)
    affine[0, 1] = 0.5  # the y axis leans towards x
    path = save(tmp_path / "sheared.nii.gz", phantom(), affine)
    with pytest.raises(ValueError, match=r"sheared\.nii\.gz: expected a NIfTI file whose "
                       r"affine is a rotation or permutation of scaled axes \(no shear\)"):
        load_nifti(path)


def test_rotated_volumes_are_not_shear(tmp_path):
    c, s = np.cos(0.3), np.sin(0.3)
    affine = np.array([[c, -s, 0, 0], [s, c, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]) @ np.diag(
        [1.5, 1.5, 2.0, 1.0])
    volume = load_nifti(save(tmp_path / "rotated.nii", phantom(), affine))
    assert volume.orientation == ("R", "A", "S") and np.allclose(volume.zooms, (1.5, 1.5, 2.0))


def test_a_missing_file_is_one_line_and_exit_2(tmp_path, capsys):
    code = main(["render", str(tmp_path / "missing.nii.gz"), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert "missing.nii.gz: expected an existing NIfTI file (.nii or .nii.gz); got no such " \
        "file" in err


def test_render_reads_nifti_cams_and_images_as_a_stack_of_slices(tmp_path, capsys):
    cams = np.random.default_rng(0).random((4, 6, 7)).astype(np.float32)  # (N, H, W)
    images = np.random.default_rng(1).integers(0, 256, (4, 6, 7, 3)).astype(np.uint8)
    save(tmp_path / "cam.nii.gz", cams, np.eye(4))
    save(tmp_path / "ct.nii", images, np.eye(4))
    argv = ["render", str(tmp_path / "cam.nii.gz"), "--images", str(tmp_path / "ct.nii"),
            "--layout", "NHW", "--pipe", "cam", "--out", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 0, capsys.readouterr().err
    pngs = sorted((tmp_path / "out").glob("*.png"))
    assert len(pngs) == 4
    with Image.open(pngs[0]) as first:
        assert first.size == (7, 6)
    expected = main(["render", str(tmp_path / "cam.nii.gz"), "--layout", "NHW", "--out",
                     str(tmp_path / "plain"), "--quiet"])
    assert expected == 0


def test_volumes_with_the_layout_letter_d(tmp_path, capsys):
    """``--layout NDHW`` renders a NIfTI volume once the letter D is known; until then
    the command says clearly that it is not (this test follows whichever is true)."""
    save(tmp_path / "cam.nii.gz", np.random.default_rng(0).random((2, 5, 6, 7)), np.eye(4))
    argv = ["render", str(tmp_path / "cam.nii.gz"), "--layout", "NDHW", "--out",
            str(tmp_path / "out"), "--quiet"]
    try:
        parse_layout("NDHW")
    except ValueError:
        assert main(argv) == 2
        assert "Unknown letter 'D'" in capsys.readouterr().err
    else:
        assert main(argv) == 0
        assert len(list((tmp_path / "out").iterdir())) >= 2
