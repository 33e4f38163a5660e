"""Rendering in slices: the same pictures as one call, bounded memory, files on disk."""

import numpy as np
import pytest
from PIL import Image

from visheat import (
    AlphaOverlay,
    ExtremaColormap,
    NormReduction,
    heatmap,
    heatmap_batches,
    save_heatmaps,
)

RNG = np.random.default_rng(3)
X = RNG.standard_t(3, size=(11, 3, 12, 12)).astype(np.float32)
IMAGES = RNG.integers(0, 256, (11, 12, 12, 3)).astype(np.uint8)


@pytest.mark.parametrize("batch_size", [1, 4, 11, 100])
def test_slices_give_the_pictures_of_one_call(batch_size):
    whole = heatmap(X, "attribution").to_numpy()
    parts = [h.to_numpy() for h in heatmap_batches(X, "attribution", batch_size=batch_size)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_slices_follow_the_batch_axis_of_any_layout():
    julia = X.transpose(3, 2, 1, 0)  # WHCN
    parts = [h.to_numpy() for h in heatmap_batches(julia, layout="WHCN", batch_size=3)]
    assert np.array_equal(np.concatenate(parts), heatmap(X).to_numpy())


def test_per_sample_images_and_alpha_planes_stay_with_their_samples():
    planes = RNG.random((11, 12, 12))
    pipe = NormReduction() | ExtremaColormap() | AlphaOverlay(planes)
    whole = heatmap(X, IMAGES, pipe).to_numpy()
    parts = [h.to_numpy() for h in heatmap_batches(X, IMAGES, pipe, batch_size=4)]
    assert np.array_equal(np.concatenate(parts), whole)


def test_memmapped_input_is_read_a_slice_at_a_time(tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, X)
    mapped = np.load(path, mmap_mode="r")
    parts = [h.to_numpy() for h in heatmap_batches(mapped, batch_size=5)]
    assert np.array_equal(np.concatenate(parts), heatmap(X).to_numpy())


def test_save_writes_every_picture_and_resumes(tmp_path):
    paths = save_heatmaps(X, "attribution", directory=tmp_path, batch_size=4)
    assert [p.name for p in paths] == [f"{i:05d}.png" for i in range(11)]
    expected = heatmap(X, "attribution").to_numpy()
    for i, p in enumerate(paths):
        with Image.open(p) as img:
            assert np.array_equal(np.asarray(img), expected[i])
    save_heatmaps(X, "attribution", directory=tmp_path)  # the same files again: a re-run
    with pytest.raises(ValueError, match="directory: expected no existing output files.*"
                                         "existing='skip'"):
        save_heatmaps(-X, "attribution", directory=tmp_path)
    paths[5].unlink()
    before = paths[0].stat().st_mtime_ns
    save_heatmaps(X, "attribution", directory=tmp_path, batch_size=4, existing="skip")
    assert paths[5].exists() and paths[0].stat().st_mtime_ns == before
    with Image.open(paths[5]) as img:
        assert np.array_equal(np.asarray(img), expected[5])


def test_labels_name_the_files_safely(tmp_path):
    labels = [f"../cls {i}" for i in range(11)]
    paths = save_heatmaps(X, directory=tmp_path, pattern="{index:02d}_{label}.png", labels=labels)
    assert paths[3].name == "03_cls_3.png" and all(p.parent == tmp_path for p in paths)


def test_progress_bar_goes_to_stderr(capsys):
    list(heatmap_batches(X, batch_size=4, progress=True))
    assert "visheat" in capsys.readouterr().err


@pytest.mark.parametrize("kwargs, match", [
    ({"batch_size": 0}, r"batch_size: expected an integer in \[1, inf\]"),
    ({"batch_size": 2.5}, "batch_size: expected an integer"),
])
def test_bad_batch_sizes_are_refused(kwargs, match):
    with pytest.raises(ValueError, match=match):
        list(heatmap_batches(X, **kwargs))


@pytest.mark.parametrize("batch_size", [1, 3, 100])
def test_batch_wide_statistics_take_a_first_pass_over_the_slices(batch_size):
    pipe = NormReduction() | ExtremaColormap("jet", scope="batch")
    parts = [h.to_numpy() for h in heatmap_batches(X, pipe, batch_size=batch_size)]
    whole = heatmap(X, pipe).to_numpy()
    np.testing.assert_array_equal(np.concatenate(parts), whole)
    # one scale for the batch: not the per-sample pictures
    assert not np.array_equal(whole, heatmap(X, NormReduction() | ExtremaColormap("jet")).to_numpy())


def test_save_heatmaps_with_a_batch_wide_step_writes_the_whole_batch_pictures(tmp_path):
    pipe = NormReduction() | ExtremaColormap("gray", scope="batch")
    paths = save_heatmaps(X, pipe, directory=tmp_path, batch_size=3)
    for path, expected in zip(paths, heatmap(X, pipe).to_numpy()):
        with Image.open(path) as img:
            np.testing.assert_array_equal(np.asarray(img.convert("RGB")), expected)


def test_compression_level_changes_size_not_pictures(tmp_path):
    # 224² maps: on tiny pictures zlib's sizes need not fall with the level
    x = np.repeat(RNG.standard_t(3, size=(2, 3, 56, 56)).astype(np.float32), 4, axis=2).repeat(4, 3)
    fast = save_heatmaps(x, directory=tmp_path / "fast", compress_level=1)
    small = save_heatmaps(x, directory=tmp_path / "small", compress_level=9)
    for a, b in zip(fast, small):
        with Image.open(a) as ia, Image.open(b) as ib:
            assert np.array_equal(np.asarray(ia), np.asarray(ib))
    assert sum(p.stat().st_size for p in fast) >= sum(p.stat().st_size for p in small)
    with pytest.raises(ValueError, match=r"compress_level: expected an integer in \[0, 9\]"):
        save_heatmaps(X, directory=tmp_path / "bad", compress_level=12)


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_files_do_not_depend_on_the_thread_count(tmp_path, threads):
    """Rendering and PNG encoding run on the threads; every file holds its own picture."""
    x = RNG.standard_t(3, size=(23, 3, 40, 40)).astype(np.float32)
    paths = save_heatmaps(x, "sensitivity", directory=tmp_path, batch_size=10, threads=threads)
    expected = heatmap(x, threads=1).to_numpy()
    assert len(paths) == 23
    for i, p in enumerate(paths):
        with Image.open(p) as img:
            assert np.array_equal(np.asarray(img), expected[i])
    parts = heatmap_batches(x, batch_size=7, threads=threads)
    assert np.array_equal(np.concatenate([h.to_numpy() for h in parts]), expected)


def test_a_failing_write_is_raised_from_the_threads(tmp_path):
    (tmp_path / "00003.png").mkdir()  # a folder where a file must go
    with pytest.raises(OSError):
        save_heatmaps(X, directory=tmp_path, existing="overwrite", threads=2)


@pytest.mark.parametrize("n", [0, 3])
def test_a_batch_wide_pipe_that_does_not_fit_the_input_is_refused_even_when_empty(n):
    with pytest.raises(ValueError, match="pipe: expected a pipeline that reduces channel values"):
        list(heatmap_batches(X[:n], ExtremaColormap(scope="batch"), layout="NCHW"))
