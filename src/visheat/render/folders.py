"""Folder in, folder out: render every image of a folder with its CAM(s).

The YOLOv8 Grad-CAM post's workflow as one call (and ``visheat cam`` on the
command line): for each image of ``images_dir``, find its CAM by the image's
name without extension, combine several layers if there are several, map it
back from the letterboxed input if asked, renormalise it inside the image's
detections if asked, colour and blend it (the ``"gradcam"`` preset by default),
draw the detections, and write ``<image>_<method>.png`` into ``out_dir``.

Where the CAMs come from (``cams``):

* a ``.npz`` file: key ``"<image>"`` holds one ``(h, w)`` CAM or an ``(L, h, w)``
  stack of layers; keys ``"<image>/<layer>"`` hold layers of any sizes;
* a folder: ``<image>.npy`` (the same rule) or ``<image>.npz`` (every array in
  it is one layer);
* a mapping ``{image name: array or list of arrays}``.

Several layers are combined with :func:`~visheat.cam.combine.combine_cams` (grad-cam's
multi-layer rule, at the largest layer's size); a single CAM is used as it is.
Detections (``detections``, a ``.npz`` file or a mapping keyed by image name)
are ``(B, 6)`` arrays ``x1, y1, x2, y2, score, class`` as ultralytics'
``non_max_suppression`` returns them, or ``(B, 4)`` boxes, in the pixels of
the CAM's input (the letterboxed input when ``letterbox`` is given).
Files are read by :func:`visheat.io.arrays.load_array`: never unpickled, and ``.npz``
members only up to a size limit (``max_bytes``, 4 GiB by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..cam.combine import BoxRenormalize, combine_cams
from ..cam.detections import DrawDetections
from ..cam.letterboxing import Unletterbox, unletterbox_boxes
from ..core.errors import type_error, value_error
from ..core.limits import check_allocation
from ..core.pipeline import Pipeline, Transform
from ..io.arrays import DEFAULT_MAX_BYTES, load_array, npz_members, read_image
from ..io.files import check_distinct, check_existing, plan_outputs, safe_name
from ..io.png import png_bytes
from ..transforms.presets import as_pipeline
from .apply import heatmap
from .stream import _progress_bar

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")


def _load_npz(path: Path, argument: str, max_bytes: int = DEFAULT_MAX_BYTES
              ) -> dict[str, np.ndarray]:
    """Every array of a ``.npz`` file, each read safely (no pickles, bounded size)."""
    if not path.is_file():
        raise value_error(argument, "an existing .npz file", str(path), described=True)
    if path.suffix.lower() != ".npz":
        raise value_error(argument, "a .npz file (or a folder of .npy/.npz files)", str(path),
                          "A single .npy array cannot say which image it belongs to.",
                          described=True)
    try:
        return {key: np.asarray(load_array(path, key, max_bytes=max_bytes))
                for key in sorted(npz_members(path))}
    except ValueError as err:  # say which argument the file came from
        raise value_error(argument, "a .npz file saved with numpy", str(path), str(err),
                          described=True) from None


def _load_npy(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> np.ndarray:
    try:
        arr = load_array(path)
        check_allocation(str(path), arr.shape, arr.dtype, what="a CAM file", limit=max_bytes)
    except ValueError as err:
        raise value_error("cams", "a .npy file saved with numpy", str(path), str(err),
                          described=True) from None
    return np.asarray(arr)


def _layers_of(value: Any, argument: str) -> list[np.ndarray]:
    items = value if isinstance(value, (list, tuple)) else [value]
    layers: list[np.ndarray] = []
    for item in items:
        arr = np.asarray(item)
        if arr.dtype.kind not in "fiub":
            raise type_error(argument, "numeric CAM arrays", arr)
        if arr.ndim == 3:
            layers.extend(arr)
        elif arr.ndim == 2:
            layers.append(arr)
        else:
            raise value_error(argument, "an (h, w) CAM or an (L, h, w) stack of layers", arr)
    return layers


def load_cams(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, list[np.ndarray]]:
    """Read CAMs keyed by image name (see the module docstring); each a list of layers.

    Files are read by :func:`visheat.io.arrays.load_array`: never unpickled, and no array
    over ``max_bytes`` is read.
    """
    if isinstance(source, Mapping):
        return {str(k): _layers_of(v, f"cams[{k!r}]") for k, v in source.items()}
    if not isinstance(source, (str, os.PathLike)):
        raise type_error("cams", "a .npz file, a folder of .npy/.npz files or a mapping", source)
    path = Path(source)
    if path.is_dir():
        found: dict[str, list[np.ndarray]] = {}
        for file in sorted(path.glob("*.np[yz]")):
            if file.stem in found:
                raise value_error("cams", "one CAM file per image", f"{file.stem}.npy and "
                                  f"{file.stem}.npz", described=True)
            if file.suffix == ".npy":
                found[file.stem] = _layers_of(_load_npy(file, max_bytes), str(file))
            else:
                found[file.stem] = _layers_of(list(_load_npz(file, "cams", max_bytes).values()),
                                              str(file))
        return found
    if not path.is_file():
        raise value_error("cams", "an existing .npz file or folder", str(path), described=True)
    found = {}
    for key, arr in _load_npz(path, "cams", max_bytes).items():
        name = key.split("/", 1)[0]
        found.setdefault(name, []).extend(_layers_of(arr, f"cams[{key!r}]"))
    return found


def load_detections(source: Any, max_bytes: int = DEFAULT_MAX_BYTES) -> dict[str, np.ndarray]:
    """Read detections keyed by image name: ``(B, 6)`` or ``(B, 4)`` float arrays."""
    if source is None:
        return {}
    if isinstance(source, Mapping):
        raw = {str(k): v for k, v in source.items()}
    elif isinstance(source, (str, os.PathLike)):
        raw = _load_npz(Path(source), "detections", max_bytes)
    else:
        raise type_error("detections", "a .npz file or a mapping", source)
    out = {}
    for name, value in raw.items():
        try:
            arr = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            raise type_error(f"detections[{name!r}]", "numbers", value) from None
        if arr.size == 0:
            arr = arr.reshape(0, 6)
        if arr.ndim != 2 or arr.shape[1] not in (4, 6):
            raise value_error(f"detections[{name!r}]", "a (B, 6) array x1, y1, x2, y2, score, "
                              "class, or (B, 4) boxes", arr)
        out[name] = arr
    return out


def list_images(images_dir: Any) -> list[Path]:
    """Image files of a folder (not its subfolders), sorted by name; names must be unique."""
    folder = Path(images_dir)
    if not folder.is_dir():
        raise value_error("images_dir", "a folder of images", str(folder), described=True)
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    stems: dict[str, Path] = {}
    for file in files:
        if file.stem in stems:
            raise value_error("images_dir", "one image per name", f"{stems[file.stem].name} and "
                              f"{file.name}", described=True)
        stems[file.stem] = file
    return files


def render_folder(images_dir: Any, cams: Any, out_dir: Any, *, method: str = "cam",
                  pipe: Any = "gradcam", detections: Any = None,
                  class_names: Sequence[str] | None = None, renormalize: bool = False,
                  draw_boxes: bool = True, letterbox: Unletterbox | None = None,
                  how: str = "mean", existing: str = "error",
                  progress: bool = False, max_bytes: int = DEFAULT_MAX_BYTES) -> list[Path]:
    """Render every image of ``images_dir`` with its CAM into ``out_dir/<image>_<method>.png``.

    Parameters
    ----------
    images_dir : path
        Folder of images (PNG, JPEG, ...); subfolders are ignored.
    cams : path or mapping
        The CAMs, keyed by image name without extension (module docstring).
        Every image needs one.
    out_dir : path
        Output folder (created).
    method : str
        Name of the CAM method, used in the file names (e.g. ``"GradCAM"``).
    pipe : Pipeline, Transform or str
        Map -> pictures: a preset name (default ``"gradcam"``) or a pipeline.
    detections : path or mapping, optional
        Per image ``(B, 6)`` ``x1, y1, x2, y2, score, class`` (or ``(B, 4)``).
    class_names : sequence of str, optional
        Names of the class indices, for the labels.
    renormalize : bool
        Apply :class:`~visheat.cam.combine.BoxRenormalize` with each image's boxes (an
        image without detections then gets an all-zero CAM).
    draw_boxes : bool
        Draw the detections (when there are any).
    letterbox : Unletterbox, optional
        The CAMs (and detections) are in letterboxed-input pixels: undo it with
        this step, e.g. ``Unletterbox(new_shape=640, auto=True)``.
    how : {"mean", "max"}
        How several layers of one image are combined.
    existing : {"error", "overwrite", "skip"}
        What to do with output files already there (``"error"`` checks before
        writing anything; ``"skip"`` resumes an interrupted run).
    progress : bool
        Show a progress bar on stderr.
    max_bytes : int
        Largest array read from a CAM or detection file (4 GiB by default).

    Returns
    -------
    list of pathlib.Path
        The output files, in image order.
    """
    check_existing(existing)
    if letterbox is not None and not isinstance(letterbox, Unletterbox):
        raise type_error("letterbox", "an Unletterbox step", letterbox)
    transform = pipe if isinstance(pipe, Transform) else as_pipeline(pipe)
    images = list_images(images_dir)
    found = load_cams(cams, max_bytes)
    missing = [p.name for p in images if p.stem not in found]
    if missing:
        raise value_error("cams", "a CAM for every image", f"none for {', '.join(missing[:5])}",
                          "CAMs are looked up by the image's name without extension.",
                          described=True)
    dets = load_detections(detections, max_bytes)
    folder = Path(out_dir)
    paths = [folder / f"{safe_name(p.stem)}_{safe_name(method)}.png" for p in images]
    check_distinct(paths, "images_dir")  # names that differ only in unsafe characters
    plan = plan_outputs(folder, paths, existing, argument="out_dir", defer=True)
    bar = _progress_bar(len(images), progress, "visheat cam")
    try:
        for i, image_path in enumerate(images):
            if plan.todo(i):
                picture = _render_one(image_path, found[image_path.stem],
                                      dets.get(image_path.stem), transform, class_names,
                                      renormalize, draw_boxes, letterbox, how)
                plan.write(i, png_bytes(picture))
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    return paths


def _render_one(image_path: Path, layers: list[np.ndarray], dets: np.ndarray | None,
                pipe: Transform, class_names: Sequence[str] | None, renormalize: bool,
                draw_boxes: bool, letterbox: Unletterbox | None, how: str) -> np.ndarray:
    image = read_image(image_path, exif_transpose=True)  # as cv2.imread does
    cam = combine_cams(layers, how=how) if len(layers) > 1 else layers[0][None]
    steps: list[Transform] = []
    boxes = None if dets is None else dets[:, :4]
    if letterbox is not None:
        steps.append(letterbox)
        if boxes is not None:
            geometry = letterbox.geometry(image.shape[:2], cam.shape[1:])
            boxes = unletterbox_boxes(boxes, geometry)
    if renormalize:
        steps.append(BoxRenormalize([np.zeros((0, 4)) if boxes is None else boxes]))
    steps.append(pipe)
    if draw_boxes and boxes is not None and len(boxes):
        scores = labels = None
        if dets.shape[1] == 6:  # type: ignore[union-attr]
            scores, labels = [dets[:, 4]], [dets[:, 5]]  # type: ignore[index]
        steps.append(DrawDetections([boxes], labels=labels, scores=scores,
                                    class_names=class_names))
    pictures = heatmap(cam, image, Pipeline(*steps), layout="NHW")
    return np.asarray(pictures.to_numpy()[0])


__all__ = ["render_folder", "load_cams", "load_detections", "list_images"]
