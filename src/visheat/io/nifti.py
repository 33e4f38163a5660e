"""NIfTI volumes in (``.nii``, ``.nii.gz``), read by nibabel (``pip install ".[nifti]"``).

:func:`load_nifti` reorients every volume to the canonical orientation **RAS+**
(``nibabel.as_closest_canonical``: the first array axis runs from left to **R**ight,
the second from posterior to **A**nterior, the third from inferior to **S**uperior), so
two files of one scan written in different orientations give the same array. The voxel
spacing comes from the affine (nibabel's ``zooms``), and the orientation the file was
stored in is reported (``nibabel.aff2axcodes``). A sheared affine (not a rotation or
permutation of scaled axes) has no voxel grid along world axes and is refused. DICOM
series are not read: convert them to NIfTI first (dcm2niix).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from ..core.errors import value_error

__all__ = ["NIFTI_SUFFIXES", "NiftiVolume", "is_nifti", "load_nifti"]

NIFTI_SUFFIXES = (".nii", ".nii.gz")

#: How far from orthogonal the affine's axes may be (cosine of their angle) before a
#: volume counts as sheared: float32 affines written by common tools stay below 1e-5.
SHEAR_TOLERANCE = 1e-4


class NiftiVolume(NamedTuple):
    """A NIfTI file's data in RAS+ orientation.

    Attributes
    ----------
    data : ndarray
        The voxels, axes ``(x, y, z, ...)`` running to Right, Anterior, Superior
        (any further axes, such as time, as stored), in the file's dtype (scaled by
        the header's slope and intercept when it has them, as nibabel does).
    zooms : tuple of float
        The voxel spacing along ``data``'s axes (millimetres for the spatial ones).
    orientation : tuple of str
        The orientation the file was stored in, e.g. ``('L', 'P', 'S')``.
    affine : (4, 4) ndarray
        The voxel-to-world affine of ``data`` (after reorientation).
    """

    data: np.ndarray
    zooms: tuple[float, ...]
    orientation: tuple[str, ...]
    affine: np.ndarray


def is_nifti(path: str | os.PathLike) -> bool:
    """Whether ``path`` names a NIfTI file by its suffix (``.nii`` or ``.nii.gz``)."""
    return str(path).lower().endswith(NIFTI_SUFFIXES)


def _nibabel(where: str) -> Any:
    try:
        import nibabel
    except ImportError as err:
        raise ValueError(f"{where}: expected nibabel installed to read NIfTI files (pip "
                         f"install '.[nifti]' in visheat's folder); got {err}.") from None
    return nibabel


def _check_no_shear(affine: np.ndarray, where: str) -> None:
    """Refuse an affine whose 3×3 part is not a rotation or permutation of scaled axes."""
    axes = np.asarray(affine, np.float64)[:3, :3]
    lengths = np.linalg.norm(axes, axis=0)
    if not np.all(lengths > 0):
        raise value_error(where, "a NIfTI file whose affine has a size for every axis",
                          f"voxel sizes {tuple(float(v) for v in lengths)}", described=True)
    unit = axes / lengths
    cosines = unit.T @ unit - np.eye(3)
    worst = float(np.abs(cosines).max())
    if worst > SHEAR_TOLERANCE:
        raise value_error(where, "a NIfTI file whose affine is a rotation or permutation of "
                          "scaled axes (no shear)", f"axes at a cosine of {worst:.3g} to "
                          "each other", "Resample it onto an orthogonal grid first.",
                          described=True)


def load_nifti(path: str | os.PathLike) -> NiftiVolume:
    """Read a ``.nii`` or ``.nii.gz`` file, reoriented to RAS+ (see the module docstring).

    Raises
    ------
    ValueError
        For a missing or unreadable file, or a sheared affine, naming the file.

    Examples
    --------
    >>> import nibabel, tempfile, os
    >>> affine = np.diag([-2.0, 3.0, 4.0, 1.0])          # stored left to right: L, A, S
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "v.nii.gz")
    ...     nibabel.save(nibabel.Nifti1Image(np.arange(24.0).reshape(2, 3, 4), affine), path)
    ...     v = load_nifti(path)
    >>> v.orientation, v.zooms, v.data[:, 0, 0].tolist()
    (('L', 'A', 'S'), (2.0, 3.0, 4.0), [12.0, 0.0])
    """
    file = Path(path)
    where = str(file)
    if not file.is_file():
        raise value_error(where, "an existing NIfTI file (.nii or .nii.gz)",
                          "a folder" if file.is_dir() else "no such file", described=True)
    nibabel = _nibabel(where)
    try:
        image = nibabel.load(file)
        affine = np.asarray(image.affine, np.float64)
    except Exception as err:  # nibabel raises its own errors for damaged files
        raise value_error(where, "a NIfTI file nibabel can read", f"{type(err).__name__}: "
                          f"{err}", described=True) from None
    _check_no_shear(affine, where)
    orientation = tuple(nibabel.aff2axcodes(affine))
    canonical = nibabel.as_closest_canonical(image)
    data = np.asanyarray(canonical.dataobj)
    zooms = tuple(float(z) for z in canonical.header.get_zooms())
    return NiftiVolume(np.asarray(data), zooms, orientation,
                       np.asarray(canonical.affine, np.float64))
