"""visheat's PNG writer: any reader gets the exact pixels back, on both of its paths."""

import io
import zlib

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image

from visheat import heatmap
from visheat.io.png import DEFAULT_COMPRESS_LEVEL, encode_png, png_bytes, unfiltered_wins
from visheat.sample_data import load_sample

SAMPLE = load_sample()


def decode(data):
    with Image.open(io.BytesIO(data)) as img:
        assert img.format == "PNG" and img.mode == "RGB"
        return np.asarray(img)


pictures = hnp.arrays(np.uint8, st.tuples(st.integers(1, 40), st.integers(1, 40), st.just(3)))


@given(pictures, st.integers(0, 9), st.sampled_from([None, True, False]))
def test_any_picture_round_trips_at_any_level_on_either_path(picture, level, unfiltered):
    np.testing.assert_array_equal(decode(encode_png(picture, level, unfiltered)), picture)


@given(st.integers(1, 30), st.integers(1, 30), st.integers(1, 6), st.integers(0, 9))
def test_few_colour_pictures_round_trip_unfiltered(h, w, colours, level):
    palette = np.random.default_rng(h * w).integers(0, 256, (colours, 3), dtype=np.uint8)
    picture = palette[np.random.default_rng(colours).integers(0, colours, (h, w))]
    np.testing.assert_array_equal(decode(encode_png(picture, level)), picture)


def idat(data):
    """The zlib stream of a PNG file (all IDAT chunks)."""
    out, at = b"", 8
    while at < len(data):
        size = int.from_bytes(data[at:at + 4], "big")
        if data[at + 4:at + 8] == b"IDAT":
            out += data[at + 8:at + 8 + size]
        at += 12 + size
    return zlib.decompress(out)


def test_colormapped_maps_go_unfiltered_and_overlays_through_pillow():
    maps = heatmap(SAMPLE.attributions.astype(np.float32), "attribution").to_numpy()
    overlays = heatmap(SAMPLE.cams, SAMPLE.images, "cam", layout="NHW").to_numpy()
    for picture in maps:
        rows = idat(encode_png(picture))
        filters = np.frombuffer(rows, np.uint8).reshape(224, -1)[:, 0]
        assert (filters == 0).all()  # every scanline unfiltered
    for picture in overlays:
        assert not unfiltered_wins(picture, DEFAULT_COMPRESS_LEVEL)
        filters = np.frombuffer(idat(encode_png(picture)), np.uint8).reshape(224, -1)[:, 0]
        assert (filters != 0).any()  # Pillow's adaptive filters


def test_the_default_writes_maps_no_larger_than_pillows_default():
    maps = heatmap(SAMPLE.attributions.astype(np.float32), "attribution").to_numpy()
    for picture in maps:
        buffer = io.BytesIO()
        Image.fromarray(picture).save(buffer, format="PNG")  # zlib level 6, adaptive filters
        assert len(png_bytes(picture)) <= 1.10 * len(buffer.getvalue())


def test_float_pictures_are_rounded_as_before():
    picture = np.linspace(0, 1, 2 * 3 * 3).reshape(2, 3, 3)
    np.testing.assert_array_equal(decode(png_bytes(picture)),
                                  np.rint(picture * 255).astype(np.uint8))
