"""Fast lossless PNG files of visheat pictures.

Writing files, not rendering, bounds a long ``save_heatmaps`` run: Pillow's PNG
encoder at its default zlib level 6 spends 20-60 ms on a 224² picture that took
0.05 ms to render. Two measured facts (``bench/png_encoding.py``, table in
``docs/benchmarks.md``) choose the encoding:

* A colormapped map repeats a limited set of exact colours, which deflate finds
  as repeated byte strings only when rows are left unfiltered (PNG filter type
  0): unfiltered at zlib level 1 such pictures encode 5-8x faster than Pillow's
  default, and the files are 14-26 % *smaller* (Pillow's adaptive filters turn
  the repeated colours into differences that no longer repeat).
* Overlays on photographs need a filter. Pillow's adaptive filtering with the
  run-length strategy (``Z_RLE``) at level 1 is about 4x faster than level 6
  for files about the same size.

:func:`encode_png` compresses a band of rows from the middle of the picture
unfiltered and with the Sub filter, and takes the unfiltered path when it wins.
Files are ordinary 8-bit RGB PNGs that any reader decodes to the same pixels.
"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import numpy as np

from ..core.errors import value_error

__all__ = ["DEFAULT_COMPRESS_LEVEL", "batch_unfiltered", "encode_png", "unfiltered_wins"]

#: zlib level of the PNG files visheat writes (see the module docstring).
DEFAULT_COMPRESS_LEVEL = 1
SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(
        ">I", zlib.crc32(data, zlib.crc32(kind)) & 0xFFFFFFFF)


def _rows(rows: np.ndarray, sub: bool) -> np.ndarray:
    """Scanlines with their filter-type byte: 0 (None) or 1 (Sub: minus the pixel to the left)."""
    out = np.empty((rows.shape[0], rows.shape[1] + 1), np.uint8)
    out[:, 0] = 1 if sub else 0
    out[:, 1:] = rows
    if sub:
        np.subtract(rows[:, 3:], rows[:, :-3], out=out[:, 4:])  # wraps modulo 256, as PNG does
    return out


def unfiltered_wins(picture: np.ndarray, level: int = DEFAULT_COMPRESS_LEVEL) -> bool:
    """Whether a middle band of an ``(H, W, 3)`` picture's rows deflates smaller unfiltered
    than with the Sub filter (true of colormapped maps, false of photographs)."""
    h = picture.shape[0]
    rows = np.ascontiguousarray(picture).reshape(h, -1)
    band = rows[max(0, h // 2 - h // 8): max(1, h // 2 + h // 8)]
    return len(zlib.compress(_rows(band, False).tobytes(), level)) <= \
        len(zlib.compress(_rows(band, True).tobytes(), level))


def batch_unfiltered(pictures: Any, level: int = DEFAULT_COMPRESS_LEVEL) -> bool | None:
    """The PNG path for a batch of one pipeline's pictures ``(N, H, W, 3)``, asked of the
    first (:func:`unfiltered_wins`); None when there is no uint8 picture to ask."""
    if isinstance(pictures, np.ndarray) and pictures.dtype == np.uint8 and len(pictures):
        return unfiltered_wins(pictures[0], level)
    return None


def encode_png(picture: np.ndarray, compress_level: int = DEFAULT_COMPRESS_LEVEL,
               unfiltered: bool | None = None) -> bytes:
    """Encode an ``(H, W, 3)`` uint8 picture as PNG with zlib level ``compress_level`` (0-9).

    ``unfiltered`` chooses the path: None asks :func:`unfiltered_wins` of this
    picture; writers of many alike pictures (one pipeline's) ask once and pass
    the answer on, which saves a third of the time of a small map.

    Examples
    --------
    >>> from PIL import Image
    >>> picture = np.zeros((4, 5, 3), np.uint8); picture[1:3, 2] = (255, 128, 0)
    >>> data = encode_png(picture)
    >>> data[:8] == SIGNATURE
    True
    >>> bool((np.asarray(Image.open(io.BytesIO(data))) == picture).all())
    True
    """
    h, w = picture.shape[:2]
    rows = np.ascontiguousarray(picture).reshape(h, w * 3)
    if unfiltered is None:
        unfiltered = bool(h and w) and unfiltered_wins(picture, compress_level)
    if unfiltered and h and w:
        header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
        idat = zlib.compress(_rows(rows, False).tobytes(), compress_level)
        return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")
    from PIL import Image

    buffer = io.BytesIO()
    strategy = zlib.Z_RLE if 1 <= compress_level <= 3 else zlib.Z_DEFAULT_STRATEGY
    Image.fromarray(picture).save(buffer, format="PNG", compress_level=compress_level,
                                  compress_type=strategy)
    return buffer.getvalue()


def to_uint8(picture: np.ndarray) -> np.ndarray:
    """An RGB picture as uint8 (floats in [0, 1] are rounded half to even)."""
    if picture.dtype == np.uint8:
        return picture
    return np.rint(np.clip(picture, 0, 1) * 255).astype(np.uint8)


def png_bytes(picture: np.ndarray, compress_level: int = DEFAULT_COMPRESS_LEVEL,
              unfiltered: bool | None = None, argument: str = "picture") -> bytes:
    """Encode an ``(H, W, 3)`` picture as PNG (see :func:`visheat.io.png.encode_png`).

    ``compress_level`` is zlib's 0-9; the default, 1, writes colormapped maps
    5-8x faster than Pillow's default level 6, and smaller (measured in
    ``bench/png_encoding.py``). ``unfiltered`` chooses the rows' PNG filter (None:
    :func:`visheat.io.png.encode_png` decides; a batch passes one choice for all its
    pictures). A picture without pixels is refused, naming ``argument``.

    >>> png_bytes(np.zeros((0, 8, 3), np.uint8), argument="heatmaps[0]")
    Traceback (most recent call last):
    ...
    ValueError: heatmaps[0]: expected a picture of at least 1 x 1 pixels; got shape (0, 8, 3). A
    step that removes every row or column (a crop) leaves nothing to save.
    """
    check_not_empty(picture, argument)
    return encode_png(to_uint8(picture), compress_level, unfiltered)


def check_not_empty(picture: Any, argument: str) -> None:
    """Refuse a picture with no rows or no columns (PIL cannot write it)."""
    shape = tuple(np.shape(picture))
    if len(shape) < 2 or 0 in shape[:2]:
        raise value_error(argument, "a picture of at least 1 x 1 pixels", f"shape {shape}",
                          "A step that removes every row or column (a crop) leaves nothing "
                          "to save.", described=True)
