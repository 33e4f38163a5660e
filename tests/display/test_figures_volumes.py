"""figure() of clips and volumes: strips of frames, montages of slices, their colour bars."""

from __future__ import annotations

import numpy as np
import pytest

from visheat import CenteredColormap, ExtremaColormap, SumReduction, figure, heatmap

pytest.importorskip("matplotlib")

RNG = np.random.default_rng(41)
X = RNG.normal(size=(3, 2, 5, 6, 4)).astype(np.float32)  # (N, C, D, H, W)
PIPE = SumReduction() | CenteredColormap("vik")


def _panels(fig):
    """``label -> axes`` of the figure's axes that hold a picture or a colour bar."""
    return {ax.get_label(): ax for ax in fig.get_axes()}


def _picture(ax):
    return np.asarray(ax.get_images()[0].get_array())


def test_a_volume_montage_shows_its_slices_titled_with_one_bar_of_its_range():
    h = heatmap(X, PIPE, layout="NCDHW")
    fig = figure(h, every=2)
    axes = _panels(fig)
    summed = X.sum(axis=1)
    for i in range(3):
        for f in (0, 2, 4):
            ax = axes[f"heatmap {i} slice {f}"]
            np.testing.assert_array_equal(_picture(ax), h.to_numpy()[i, f])
            assert ax.get_title() == f"slice {f}"
        assert f"heatmap {i} slice 1" not in axes
        m = float(np.abs(summed[i]).max())  # the volume's range, computed here
        assert axes[f"colorbar {i}"].get_xlim() == pytest.approx((-m, m), rel=1e-6)
    # a montage: 3 slices in a 2 x 2 grid
    rows = {axes[f"heatmap 0 slice {f}"].get_subplotspec().rowspan.start for f in (0, 2, 4)}
    assert len(rows) == 2


def test_a_clip_is_one_strip_of_the_frames_asked_for():
    clips = np.ascontiguousarray(np.moveaxis(X, 1, 2))  # (N, T, C, H, W)
    h = heatmap(clips, PIPE, layout="NTCHW")
    fig = figure(h[1:3], frames=[-1, 0, 2], titles=["a", "b"])
    axes = _panels(fig)
    for i, k in enumerate((1, 2)):  # the slice h[1:3] keeps each clip whole
        for f in (4, 0, 2):
            np.testing.assert_array_equal(_picture(axes[f"heatmap {i} frame {f}"]),
                                          h.to_numpy()[k, f])
            assert axes[f"heatmap {i} frame {f}"].get_title() == f"frame {f}"
        m = float(np.abs(clips[k].sum(axis=1)).max())
        assert axes[f"colorbar {i}"].get_xlim() == pytest.approx((-m, m), rel=1e-6)
    assert len({axes[f"heatmap 0 frame {f}"].get_subplotspec().rowspan.start
                for f in (4, 0, 2)}) == 1  # one row
    assert [cell.get_suptitle() for cell in fig.subfigs] == ["a", "b"]
    assert figure(h, every=3).subfigs[2].get_suptitle() == "#2"


def test_ncols_sets_panels_per_row():
    h = heatmap(X[:1], PIPE, layout="NCDHW")
    axes = _panels(figure(h, ncols=2))
    rows = [axes[f"heatmap 0 slice {f}"].get_subplotspec().rowspan.start for f in range(5)]
    assert rows == [0, 0, 1, 1, 2]


def test_ranges_per_slice_get_a_bar_under_every_panel():
    h = heatmap(X[:1], SumReduction() | ExtremaColormap(scope="slice"), layout="NCDHW")
    axes = _panels(figure(h, frames=[1, 3]))
    summed = X[0].sum(axis=0)
    for f in (1, 3):
        lo, hi = axes[f"colorbar 0 slice {f}"].get_xlim()
        assert (lo, hi) == pytest.approx((summed[f].min(), summed[f].max()), rel=1e-6)
    assert "colorbar 0" not in axes


def test_one_slice_volumes_and_no_colour_bar():
    h = heatmap(X[:, :, :1], PIPE, layout="NCDHW")
    axes = _panels(figure(h, colorbar=False))
    assert sorted(axes) == [f"heatmap {i} slice 0" for i in range(3)]


@pytest.mark.parametrize("kwargs, error, match", [
    ({"every": 2, "frames": [0]}, TypeError, "frames: expected either every= or frames="),
    ({"frames": [5]}, ValueError, r"frames: expected frame indices in \[-5, 4\]"),
    ({"frames": []}, TypeError, "frames: expected a non-empty sequence"),
    ({"every": 0}, ValueError, "every: expected an integer"),
    ({"images": np.zeros((3, 5, 6, 4), np.uint8)}, ValueError, "AlphaOverlay"),
])
def test_bad_frame_choices_are_refused(kwargs, error, match):
    with pytest.raises(error, match=match):
        figure(heatmap(X, PIPE, layout="NCDHW"), **kwargs)


def test_frames_of_pictures_are_refused():
    with pytest.raises(TypeError, match="every: expected None for pictures"):
        figure(heatmap(X[:, :, 0], PIPE), every=2)
