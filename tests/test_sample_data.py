"""Tests for visheat.sample_data and the files in src/visheat/data/."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from visheat import sample_data
from visheat.sample_data import SampleData, load_sample

DATA = Path(sample_data.__file__).parent / "data"
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}


@pytest.fixture(scope="module")
def sample() -> SampleData:
    return load_sample()


def test_shapes_and_dtypes(sample):
    n = len(sample.labels)
    assert n == 4
    assert sample.images.shape == (n, 224, 224, 3) and sample.images.dtype == np.uint8
    assert sample.attributions.shape == (n, 3, 224, 224)
    assert sample.attributions.dtype == np.float32
    assert sample.cams.shape == (n, 7, 7) and sample.cams.dtype == np.float32
    assert sample.probabilities.shape == (n, n) and sample.probabilities.dtype == np.float32
    assert all(isinstance(label, str) for label in sample.labels)
    assert len(set(sample.labels)) == n
    assert isinstance(sample.method, str) and "integrated gradients" in sample.method
    assert isinstance(sample.cam_method, str) and "grad-cam" in sample.cam_method


@pytest.mark.parametrize("name", ["images", "attributions", "cams", "probabilities"])
def test_arrays_are_read_only(sample, name):
    array = getattr(sample, name)
    assert not array.flags.writeable
    with pytest.raises(ValueError, match="read-only"):
        array.flat[0] = 0


def test_load_sample_is_cached(sample):
    assert load_sample() is sample


def test_attributions_are_finite_signed_and_not_zero(sample):
    attributions = sample.attributions
    assert np.isfinite(attributions).all()
    for i, label in enumerate(sample.labels):
        values = attributions[i]
        assert np.count_nonzero(values) > 0.8 * values.size, label
        assert (values > 0).mean() > 0.1 and (values < 0).mean() > 0.1, label


def test_attributions_vanish_where_the_photo_is_black(sample):
    # Integrated Gradients from a black baseline is x * (mean gradient): a channel
    # that is 0 in the photograph gets exactly 0 attribution.
    black = sample.images.transpose(0, 3, 1, 2) == 0
    assert black.any()
    assert (sample.attributions[black] == 0).all()


def test_cams_are_finite_nonnegative_and_not_constant(sample):
    assert np.isfinite(sample.cams).all()
    assert (sample.cams >= 0).all()  # Grad-CAM ends in a ReLU
    for cam, label in zip(sample.cams, sample.labels, strict=True):
        assert cam.max() > cam.min(), label


def test_images_are_not_blank_and_distinct(sample):
    for image, label in zip(sample.images, sample.labels, strict=True):
        assert image.std() > 10, label
    flat = sample.images.reshape(len(sample.labels), -1).astype(np.int16)
    for i in range(len(flat)):
        for j in range(i):
            assert np.abs(flat[i] - flat[j]).mean() > 10


def test_model_recognises_each_photo(sample):
    np.testing.assert_allclose(sample.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert (sample.probabilities.argmax(axis=1) == np.arange(len(sample.labels))).all()


def test_data_folder_is_at_most_2_mb():
    files = [path for path in DATA.rglob("*") if path.is_file()]
    assert files
    assert sum(path.stat().st_size for path in files) <= 2_000_000


def test_archive_loads_without_pickle_and_holds_no_objects():
    with np.load(DATA / "attributions.npz", allow_pickle=False) as archive:
        assert set(archive.files) >= {"attributions", "cams", "labels", "files",
                                      "predicted", "method", "cam_method"}
        for key in archive.files:
            assert archive[key].dtype != object, key
        assert archive["attributions"].dtype == np.float16
        assert archive["labels"].dtype.kind == "U"


def test_archive_lists_exactly_the_shipped_images():
    with np.load(DATA / "attributions.npz", allow_pickle=False) as archive:
        listed = {str(name) for name in archive["files"]}
    present = {path.name for path in DATA.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES}
    assert listed == present


def test_licence_file_names_every_image():
    licences = (DATA / "LICENSES.md").read_text(encoding="utf-8")
    images = [path.name for path in DATA.iterdir() if path.suffix.lower() in IMAGE_SUFFIXES]
    assert len(images) == 4
    for name in images:
        assert name in licences, f"{name} has no licence entry in LICENSES.md"


def test_readme_says_how_to_regenerate():
    readme = (DATA / "README.md").read_text(encoding="utf-8")
    assert "tools/make_sample_data.py" in readme
    assert "float16" in readme


def test_missing_file_error_teaches(monkeypatch):
    monkeypatch.setattr(sample_data, "_ARCHIVE", "no_such_file.npz")
    with pytest.raises(FileNotFoundError, match="no_such_file.npz.*make_sample_data.py"):
        load_sample.__wrapped__()


def test_repr_is_short(sample):
    text = repr(sample)
    assert text.startswith("SampleData(") and "(4, 3, 224, 224)" in text
    assert len(text) < 1000


def test_loading_does_not_import_torch():
    code = ("import sys; from visheat.sample_data import load_sample; load_sample(); "
            "assert 'torch' not in sys.modules, 'torch was imported'")
    package_parent = str(Path(sample_data.__file__).parents[1])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env={"PYTHONPATH": package_parent}, check=False)
    assert result.returncode == 0, result.stderr
