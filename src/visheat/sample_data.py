"""Built-in sample data: four photographs and real attribution maps of them.

The files live in ``visheat/data/`` and are made by ``tools/make_sample_data.py``
(a small CNN trained on the photographs, explained with Integrated Gradients and
Grad-CAM); ``visheat/data/README.md`` says how, ``visheat/data/LICENSES.md`` says
where each photograph comes from (all public domain or CC0). Loading needs only
numpy and Pillow.
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass
from importlib import resources

import numpy as np
from PIL import Image

__all__ = ["SampleData", "load_sample"]

_PACKAGE = "visheat"
_ARCHIVE = "attributions.npz"
_REGENERATE = ("Reinstall visheat, or in a source checkout run "
               "`python tools/make_sample_data.py` to regenerate the sample data.")


@dataclass(frozen=True, eq=False, repr=False)
class SampleData:
    """Photographs with attribution maps of a real model, ready for heatmaps.

    Every array is read-only, so the cached instance returned by
    :func:`load_sample` can be shared safely; copy an array to change it.

    Attributes
    ----------
    images : (N, 224, 224, 3) uint8 ndarray
        The photographs, RGB, layout ``NHWC``.
    attributions : (N, 3, 224, 224) float32 ndarray
        Integrated Gradients of each photograph's own class logit, layout ``NCHW``:
        signed, per channel, in logit units per pixel (stored as float16).
    cams : (N, 7, 7) float32 ndarray
        Grad-CAM maps of the last conv block, non-negative and unnormalised.
    labels : tuple of str
        Class name of each photograph (the class both maps explain).
    method : str
        How ``attributions`` were computed.
    cam_method : str
        How ``cams`` were computed.
    probabilities : (N, N) float32 ndarray
        The model's softmax output for each photograph, columns in ``labels`` order.
    """

    images: np.ndarray
    attributions: np.ndarray
    cams: np.ndarray
    labels: tuple[str, ...]
    method: str
    cam_method: str
    probabilities: np.ndarray

    def __repr__(self) -> str:
        arrays = ", ".join(f"{name}=<{a.dtype} array of shape {a.shape}>" for name, a in (
            ("images", self.images), ("attributions", self.attributions),
            ("cams", self.cams), ("probabilities", self.probabilities)))
        return (f"SampleData({arrays}, labels={self.labels!r}, method={self.method!r}, "
                f"cam_method={self.cam_method!r})")


def _read_only(array: np.ndarray, dtype: type) -> np.ndarray:
    array = np.array(array, dtype=dtype, order="C")  # always a private copy
    array.setflags(write=False)
    return array


def _read_bytes(name: str) -> bytes:
    resource = resources.files(_PACKAGE) / "data" / name
    try:
        return resource.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"sample data: expected the file {name!r} in "
                                f"{resources.files(_PACKAGE) / 'data'}; it is missing. "
                                f"{_REGENERATE}") from None


def _check_shape(name: str, array: np.ndarray, expected: tuple[int, ...]) -> None:
    if array.shape != expected:
        raise ValueError(f"sample data: expected {name} of shape {expected}; got shape "
                         f"{array.shape}. The data files disagree. {_REGENERATE}")


@functools.cache
def load_sample() -> SampleData:
    """Load the built-in sample photographs and their attribution maps.

    Four 224x224 photographs (astronaut, coffee, cat, rocket; public domain or CC0)
    with the Integrated Gradients and Grad-CAM maps of a small CNN trained to tell
    them apart. The result is cached: every call returns the same read-only object.

    Returns
    -------
    SampleData
        ``images`` (4, 224, 224, 3) uint8, ``attributions`` (4, 3, 224, 224)
        float32, ``cams`` (4, 7, 7) float32, ``labels``, ``method``,
        ``cam_method`` and ``probabilities`` (4, 4) float32.

    Raises
    ------
    FileNotFoundError
        If a data file is missing from the installed package.
    ValueError
        If the data files disagree in shape (a partial or stale regeneration).

    Examples
    --------
    >>> sample = load_sample()
    >>> sample.attributions.shape
    (4, 3, 224, 224)
    >>> sample.images.shape, sample.images.dtype
    ((4, 224, 224, 3), dtype('uint8'))
    >>> sample.cams.shape
    (4, 7, 7)
    >>> sample.labels
    ('astronaut', 'coffee', 'cat', 'rocket')
    >>> sample.probabilities.argmax(axis=1)  # the model recognises each photograph
    array([0, 1, 2, 3])

    The arrays are shared between calls, so they are read-only:

    >>> load_sample() is sample
    True
    >>> sample.attributions[0, 0, 0, 0] = 1.0
    Traceback (most recent call last):
    ...
    ValueError: assignment destination is read-only
    """
    with np.load(io.BytesIO(_read_bytes(_ARCHIVE)), allow_pickle=False) as archive:
        data = {key: archive[key] for key in archive.files}
    labels = tuple(str(label) for label in data["labels"])
    images = np.stack([np.asarray(Image.open(io.BytesIO(_read_bytes(str(name)))).convert("RGB"))
                       for name in data["files"]])
    n = len(labels)
    _check_shape("images", images, (n, 224, 224, 3))
    _check_shape("attributions", data["attributions"], (n, 3, 224, 224))
    _check_shape("cams", data["cams"], (n, 7, 7))
    _check_shape("predicted", data["predicted"], (n, n))
    return SampleData(
        images=_read_only(images, np.uint8),
        attributions=_read_only(data["attributions"], np.float32),
        cams=_read_only(data["cams"], np.float32),
        labels=labels,
        method=str(data["method"]),
        cam_method=str(data["cam_method"]),
        probabilities=_read_only(data["predicted"], np.float32),
    )
