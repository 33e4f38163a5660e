"""Clips as files (issue 23), decoded with real decoders: Pillow for APNG, WebP and GIF,
PyAV (FFmpeg) for MP4, compared with the pictures by an independent computation."""

from __future__ import annotations

import io
import time

import numpy as np
import pytest
from PIL import Image, ImageSequence

from visheat import CenteredColormap, Heatmaps, heatmap
from visheat.io.video import DEFAULT_CRF, encode_clip, video_format

av = pytest.importorskip("av")  # the [test] extra installs it; skipping only outside it


def moving_blobs(t=12, h=48, w=64, seed=0) -> np.ndarray:
    """(T, H, W, 3) uint8: a colormapped clip of a blob that moves, with a little noise."""
    yy, xx = np.mgrid[0:h, 0:w]
    maps = np.stack([np.exp(-((xx - 10 - 3 * i) ** 2 + (yy - 20 - i) ** 2) / 60.0)
                     - 0.5 * np.exp(-((xx - 45) ** 2 + (yy - 12) ** 2) / 30.0)
                     for i in range(t)])
    maps += 0.02 * np.random.default_rng(seed).normal(size=maps.shape)
    return heatmap(maps, CenteredColormap(), layout="NHW").to_numpy()


CLIPS = np.stack([moving_blobs(seed=0), moving_blobs(seed=1)])  # (2, T, H, W, 3)


def webp_durations(path) -> list[int]:
    """The ANMF frames' durations (ms), read from the RIFF chunks (Pillow does not say)."""
    data, durations, at = path.read_bytes(), [], 12
    while at + 8 <= len(data):
        kind, size = data[at:at + 4], int.from_bytes(data[at + 4:at + 8], "little")
        if kind == b"ANMF":
            durations.append(int.from_bytes(data[at + 20:at + 23], "little"))
        at += 8 + size + size % 2
    return durations


def decode_pillow(path, fps: float) -> np.ndarray:
    """Every frame a player shows, at 1/fps steps: a stored frame repeats for its duration
    (Pillow and libwebp store identical consecutive frames once)."""
    shown = []
    with Image.open(path) as clip:
        frames = [np.asarray(f.convert("RGB")) for f in ImageSequence.Iterator(clip)]
    with Image.open(path) as clip:
        durations = (webp_durations(path) if path.suffix == ".webp" else
                     [f.info["duration"] for f in ImageSequence.Iterator(clip)])
    assert len(durations) == len(frames)
    for frame, duration in zip(frames, durations):
        shown += [frame] * max(1, round(duration * fps / 1000))
    assert abs(sum(durations) - len(shown) * 1000 / fps) <= 10  # the clip lasts T / fps
    return np.stack(shown)


def luma_psnr(path, pictures: np.ndarray) -> tuple[float, tuple[int, ...]]:
    """PSNR (dB) of the decoded Y plane, read as BT.601 limited range, against the
    pictures' BT.601 luma 0.299 R + 0.587 G + 0.114 B; and the decoded frames' shape."""
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.codec_context.name == "h264"
        planes = []
        for frame in container.decode(stream):
            assert frame.format.name == "yuv420p"
            plane = frame.planes[0]
            rows = np.frombuffer(plane, np.uint8).reshape(frame.height, plane.line_size)
            planes.append(rows[:, :frame.width])
    decoded = np.stack(planes).astype(np.float64)
    full = (decoded - 16) * 255 / 219
    expected = pictures.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    t, h, w = expected.shape
    mse = np.mean((full[:t, :h, :w] - expected) ** 2)
    return 10 * np.log10(255 ** 2 / mse), decoded.shape


@pytest.mark.parametrize("suffix", [".png", ".webp"])
def test_apng_and_lossless_webp_decode_to_exactly_the_pictures(tmp_path, suffix):
    clips = CLIPS.copy()
    clips[0, 3] = clips[0, 2]  # identical consecutive frames are stored once, shown twice
    paths = Heatmaps(clips).save_video(tmp_path, "{index}" + suffix, fps=8)
    assert [p.name for p in paths] == ["0" + suffix, "1" + suffix]
    for clip, path in zip(clips, paths):
        assert np.array_equal(decode_pillow(path, 8), clip)


def test_gif_is_exact_within_256_colours_and_quantised_beyond(tmp_path):
    few = (CLIPS[0] // 64) * 64  # at most 4**3 colours
    path, = Heatmaps(few[None]).save_video(tmp_path, "few.gif", fps=10)
    assert np.array_equal(decode_pillow(path, 10), few)
    many = CLIPS[1]
    assert len(np.unique(many[0].reshape(-1, 3), axis=0)) > 256
    path, = Heatmaps(many[None]).save_video(tmp_path, "many.gif", fps=10)
    decoded = decode_pillow(path, 10)
    assert decoded.shape == many.shape
    assert np.abs(decoded.astype(int) - many).mean() < 3  # median cut of a smooth colormap


def test_mp4_is_h264_yuv420p_with_luma_psnr_of_at_least_36_db(tmp_path):
    start = time.perf_counter()
    path, = Heatmaps(CLIPS[:1]).save_video(tmp_path, fps=12)
    print(f"MP4 {path.stat().st_size} bytes in {time.perf_counter() - start:.2f} s")
    psnr, shape = luma_psnr(path, CLIPS[0])
    assert shape == CLIPS[0].shape[:3]
    assert psnr >= 36, psnr
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        assert stream.average_rate == 12 and stream.frames in (0, len(CLIPS[0]))


def test_odd_sizes_are_padded_with_a_copy_of_the_last_row_and_column(tmp_path):
    odd = CLIPS[0][:, :47, :63]
    path, = Heatmaps(odd[None]).save_video(tmp_path, "odd.mp4")
    padded = np.pad(odd, ((0, 0), (0, 1), (0, 1), (0, 0)), mode="edge")
    psnr, shape = luma_psnr(path, padded)
    assert shape == (len(odd), 48, 64) and psnr >= 36


def test_a_batch_of_pictures_is_one_clip_of_its_pictures(tmp_path):
    pictures = Heatmaps(CLIPS[0])  # (T, H, W, 3): frames as samples
    paths = pictures.save_video(tmp_path, "{index}.png", fps=4)
    assert [p.name for p in paths] == ["0.png"]
    assert np.array_equal(decode_pillow(paths[0], 4), CLIPS[0])


def test_a_rerun_writes_nothing_and_other_content_is_refused(tmp_path):
    h = Heatmaps(CLIPS)
    for pattern in ("{index}.mp4", "{index}.webp"):
        paths = h.save_video(tmp_path, pattern)
        stamps = [p.stat().st_mtime_ns for p in paths]
        assert h.save_video(tmp_path, pattern) == paths  # the same clips: no clash
        assert [p.stat().st_mtime_ns for p in paths] == stamps
        with pytest.raises(ValueError, match="existing='overwrite'"):
            Heatmaps(CLIPS[::-1]).save_video(tmp_path, pattern)
        Heatmaps(CLIPS[::-1]).save_video(tmp_path, pattern, existing="overwrite")
        assert [p.stat().st_mtime_ns for p in paths] != stamps
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries


def test_frames_indexing_and_save_of_clips(tmp_path):
    h = Heatmaps(CLIPS)
    assert len(h) == 2 and h.is_clips() and "2 clips" in repr(h)
    assert np.array_equal(np.asarray(h[1]), CLIPS[1, 0])  # the first frame
    assert [np.asarray(f).tolist() for f in h.frames(0)] == CLIPS[0].tolist()
    assert not Heatmaps(CLIPS[0]).is_clips()
    # save() writes a clip as one PNG, its frames one below the other (as save_heatmaps)
    paths = h.save(tmp_path)
    assert len(paths) == 2
    np.testing.assert_array_equal(np.asarray(Image.open(paths[1])),
                                  CLIPS[1].reshape((-1,) + CLIPS.shape[3:]))


def test_the_format_comes_from_the_extension():
    assert [video_format(f"a{s}") for s in (".png", ".WEBP", ".gif", ".mp4")] == [
        "APNG", "WebP", "GIF", "MP4"]
    assert encode_clip(CLIPS[0, :2], "APNG", 5)[:8] == b"\x89PNG\r\n\x1a\n"
    assert DEFAULT_CRF == 20


def test_mp4_decodes_from_memory_too():
    data = encode_clip(CLIPS[0], "MP4", 10)
    with av.open(io.BytesIO(data)) as container:
        assert sum(1 for _ in container.decode(video=0)) == len(CLIPS[0])
