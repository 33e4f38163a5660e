"""Clips as files: APNG, lossless WebP, GIF and MP4 (H.264), one file per clip.

The file name's extension chooses the format (:data:`VIDEO_FORMATS`):

* ``.png`` — APNG, lossless: decoding gives exactly the pictures.
* ``.webp`` — lossless animated WebP: decoding gives exactly the pictures.
* ``.gif`` — GIF, one palette of at most 256 colours per frame. A frame with at most
  256 distinct colours is stored exactly; a frame with more (most colormapped maps
  have several hundred) is quantised by Pillow's median cut to 256, without
  dithering (measured in docs/video.md). Delays are hundredths of a
  second, so ``fps`` is at most 50 (browsers slow down shorter delays to 0.1 s).
* ``.mp4`` — H.264 through FFmpeg's libx264 (PyAV, ``pip install ".[video]"``),
  ``yuv420p`` (4:2:0, 8 bit, BT.601 limited range, tagged so), the pixel format every
  player and browser decodes. 4:2:0 needs an even width and height: a frame of odd
  size gets one more row (column) at the bottom (right), a copy of the last one.
  Quality: constant rate factor ``crf`` (default :data:`DEFAULT_CRF`; lower is better
  and larger), measured in docs/video.md.

Pillow's and libwebp's encoders store identical consecutive frames once, with the sum
of their durations: a player shows exactly the pictures at their times, and
``PIL.ImageSequence`` yields one frame per *stored* frame (its ``duration`` says how
long it lasts). Every file is encoded in memory (a clip's file is smaller than its
frames, which are in memory already), so a re-run compares bytes and writes go
through :func:`visheat.io.files.write_atomic`.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from ..core.errors import type_error, value_error
from .files import check_existing, clash_error, file_name, holds_bytes, plan_outputs, write_atomic
from .png import check_not_empty, to_uint8

__all__ = ["DEFAULT_CRF", "DEFAULT_FPS", "VIDEO_FORMATS", "check_fps", "encode_clip",
           "even_frames", "save_clips", "video_format"]

#: The formats by file extension: what is written, and how faithfully.
VIDEO_FORMATS = {".png": "APNG", ".webp": "WebP", ".gif": "GIF", ".mp4": "MP4"}

#: Frames per second unless told.
DEFAULT_FPS = 10.0

#: libx264's constant rate factor for MP4 (0 lossless in YUV … 51 worst; x264's own default
#: is 23). At 20 the luma of colormapped clips is reproduced at 45 dB PSNR or better
#: (docs/video.md), well above the 36 dB where differences become hard to see.
DEFAULT_CRF = 20

#: The fastest GIF: delays are whole hundredths of a second, and browsers play delays
#: under 0.02 s as 0.1 s.
GIF_MAX_FPS = 50.0


def video_format(name: str, argument: str = "pattern") -> str:
    """The format (a value of :data:`VIDEO_FORMATS`) for a file ``name``, from its extension.

    >>> video_format("00000.webp")
    'WebP'
    >>> video_format("clip.avi")
    Traceback (most recent call last):
    ...
    ValueError: pattern: expected a file name ending in .png (APNG), .webp (WebP), .gif (GIF) or
    .mp4 (MP4); got 'clip.avi' (str).
    """
    suffix = Path(name).suffix.lower()
    if suffix not in VIDEO_FORMATS:
        known = [f"{s} ({f})" for s, f in VIDEO_FORMATS.items()]
        raise value_error(argument, "a file name ending in " + ", ".join(known[:-1])
                          + " or " + known[-1], name)
    return VIDEO_FORMATS[suffix]


def check_fps(fps: Any, kind: str = "MP4", argument: str = "fps") -> float:
    """``fps`` as a positive finite float (at most :data:`GIF_MAX_FPS` for a GIF).

    >>> check_fps(0)
    Traceback (most recent call last):
    ...
    ValueError: fps: expected a positive number of frames per second; got 0 (int).
    """
    if isinstance(fps, bool) or not isinstance(fps, (int, float, np.integer, np.floating)):
        raise type_error(argument, "a positive number of frames per second", fps)
    if not (math.isfinite(float(fps)) and fps > 0):
        raise value_error(argument, "a positive number of frames per second", fps)
    if kind == "GIF" and fps > GIF_MAX_FPS:
        raise value_error(argument, f"at most {GIF_MAX_FPS:g} frames per second for a GIF",
                          fps, "GIF delays are hundredths of a second; write .mp4, .webp or "
                          ".png for faster clips.")
    return float(fps)


def _check_crf(crf: Any) -> int:
    """libx264's constant rate factor: an int from 0 to 51."""
    if isinstance(crf, bool) or not isinstance(crf, (int, np.integer)) or not 0 <= crf <= 51:
        raise value_error("crf", "an integer from 0 (best) to 51 (worst)", crf)
    return int(crf)


def even_frames(frames: np.ndarray) -> np.ndarray:
    """``(T, H, W, 3)`` frames padded to an even ``H`` and ``W`` by repeating the last row
    and column (4:2:0 video needs even sizes); even frames are returned as they are.

    >>> even_frames(np.zeros((2, 3, 4, 3), np.uint8)).shape
    (2, 4, 4, 3)
    """
    pad_h, pad_w = frames.shape[1] % 2, frames.shape[2] % 2
    if not pad_h and not pad_w:
        return frames
    return np.pad(frames, ((0, 0), (0, pad_h), (0, pad_w), (0, 0)), mode="edge")


def _durations(count: int, fps: float, step: int) -> list[int]:
    """Whole delays (in units of ``step`` ms) whose running sum follows ``1000 / fps`` ms."""
    ends = [round(1000 * (i + 1) / fps / step) * step for i in range(count)]
    return [b - a for a, b in zip([0, *ends[:-1]], ends)]


def _palette_frame(frame: np.ndarray) -> Any:
    """A ``P``-mode frame: exact with at most 256 colours, else median cut (no dithering)."""
    from PIL import Image

    packed = frame.astype(np.uint32) @ np.array([1 << 16, 1 << 8, 1], np.uint32)
    colours, index = np.unique(packed, return_inverse=True)
    if len(colours) <= 256:
        picture = Image.fromarray(index.reshape(frame.shape[:2]).astype(np.uint8), "P")
        rgb = (colours[:, None] >> np.array([16, 8, 0], np.uint32)) & 0xFF
        picture.putpalette(rgb.astype(np.uint8).tobytes())
        return picture
    return Image.fromarray(frame).quantize(256, Image.Quantize.MEDIANCUT,
                                           dither=Image.Dither.NONE)


def _encode_pillow(frames: np.ndarray, kind: str, fps: float) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    if kind == "GIF":
        pictures = [_palette_frame(f) for f in frames]
        durations = _durations(len(frames), fps, 10)
        options: dict[str, Any] = {"format": "GIF", "disposal": 1, "optimize": False}
    else:
        pictures = [Image.fromarray(f) for f in frames]
        durations = _durations(len(frames), fps, 1)
        options = ({"format": "WEBP", "lossless": True, "exact": True, "quality": 50,
                    "method": 2} if kind == "WebP" else {"format": "PNG", "compress_level": 1})
    durations = [max(d, 1) for d in durations]
    pictures[0].save(buffer, save_all=True, append_images=pictures[1:], duration=durations,
                     loop=0, **options)
    return buffer.getvalue()


def _import_av() -> Any:
    try:
        import av
    except ImportError as err:
        raise ValueError("pattern: expected PyAV installed to write .mp4 files (pip install "
                         f"'.[video]' in visheat's folder); got {err}. Or write .webp or .png "
                         "(lossless).") from None
    return av


def _fingerprint(frames: np.ndarray, fps: float, crf: int) -> str:
    """What an MP4 file was made from: a SHA-256 of the frames, their shape, ``fps`` and
    ``crf``, stored in the file's ``comment`` tag. libx264's output differs from run to
    run (its lookahead), so a re-run recognises its file by this tag, not by its bytes."""
    digest = hashlib.sha256(repr((frames.shape, float(fps), int(crf))).encode())
    digest.update(np.ascontiguousarray(frames).data)
    return f"visheat {digest.hexdigest()}"


def _mp4_fingerprint(path: Path) -> str | None:
    """The ``comment`` tag of an MP4 file (see :func:`_fingerprint`), or None."""
    av = _import_av()
    try:
        with av.open(str(path)) as container:
            return container.metadata.get("comment")
    except (OSError, ValueError, av.FFmpegError):
        return None


def _encode_mp4(frames: np.ndarray, fps: float, crf: int) -> bytes:
    av = _import_av()
    from av.video.reformatter import ColorRange, Colorspace

    tag = _fingerprint(frames, fps, crf)
    frames = even_frames(frames)
    buffer = io.BytesIO()
    with av.open(buffer, mode="w", format="mp4") as container:
        container.metadata["comment"] = tag
        rate = Fraction(fps).limit_denominator(1001)
        stream = container.add_stream("libx264", rate=rate)
        stream.width, stream.height = frames.shape[2], frames.shape[1]
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1) / rate
        stream.options = {"crf": str(crf), "preset": "medium"}
        context = stream.codec_context
        context.colorspace, context.color_range = Colorspace.ITU601, ColorRange.MPEG
        context.color_primaries, context.color_trc = 6, 6  # SMPTE 170M: BT.601 as tagged
        for i, picture in enumerate(frames):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(picture), format="rgb24")
            frame = frame.reformat(format="yuv420p", dst_colorspace=Colorspace.ITU601,
                                   dst_color_range=ColorRange.MPEG)
            frame.pts = i
            container.mux(stream.encode(frame))
        container.mux(stream.encode(None))
    return buffer.getvalue()


def encode_clip(frames: np.ndarray, kind: str, fps: float = DEFAULT_FPS,
                crf: int = DEFAULT_CRF) -> bytes:
    """The file of one ``(T, H, W, 3)`` clip in format ``kind`` (see :data:`VIDEO_FORMATS`).

    >>> clip = np.zeros((3, 4, 4, 3), np.uint8)
    >>> encode_clip(clip, "APNG")[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    frames = to_uint8(np.asarray(frames))
    if kind == "MP4":
        return _encode_mp4(frames, check_fps(fps, kind), _check_crf(crf))
    return _encode_pillow(frames, kind, check_fps(fps, kind))


def _check_clip(clip: Any, where: str) -> np.ndarray:
    """A ``(T, H, W, 3)`` array of at least one non-empty frame."""
    frames = np.asarray(clip)
    if frames.ndim != 4 or frames.shape[-1] != 3 or not frames.shape[0]:
        raise value_error(where, "a clip: (T, H, W, 3) frames, at least one",
                          f"an array of shape {frames.shape}", described=True)
    check_not_empty(frames[0], where)
    return frames


def save_clips(clips: Sequence[Any], directory: str | os.PathLike,
               pattern: str = "{index:05d}.mp4", *, fps: Any = DEFAULT_FPS,
               existing: str = "error", crf: Any = DEFAULT_CRF,
               labels: Sequence[str] | None = None) -> list[Path]:
    """Write each ``(T, H, W, 3)`` clip as one file; return the paths.

    What :meth:`visheat.Heatmaps.save_video` does (see there); ``labels`` are already
    safe names. Everything is checked before anything is written.
    """
    check_existing(existing)
    folder = Path(directory)
    paths = [folder / file_name(pattern, i, labels[i] if labels is not None else "")
             for i in range(len(clips))]
    kinds = [video_format(path.name) for path in paths]
    for kind in set(kinds):
        check_fps(fps, kind)
    if "MP4" in kinds:
        _check_crf(crf)
    frames = [_check_clip(clip, f"heatmaps[{i}]") for i, clip in enumerate(clips)]
    encoded: dict[int, bytes] = {}

    def payload(i: int) -> bytes:
        if i not in encoded:
            encoded[i] = encode_clip(frames[i], kinds[i], fps, crf)
        return encoded[i]

    def holds(i: int, path: Path) -> bool:
        if kinds[i] == "MP4":  # not byte for byte: see _fingerprint()
            return _mp4_fingerprint(path) == _fingerprint(frames[i], float(fps), int(crf))
        return holds_bytes(payload(i), path)

    plan = plan_outputs(folder, paths, existing, holds=holds)
    for i, path in enumerate(paths):
        if plan.todo(i):
            if existing == "error" and path.exists():  # appeared since the plan was made
                if not holds(i, path):
                    raise clash_error(path)
            else:
                write_atomic(path, payload(i))
        encoded.pop(i, None)
    return paths
