"""Files in and out. May import :mod:`visheat.core`.

``arrays`` (``.npy``/``.npz`` files, image folders and label files, never unpickled),
``stores`` (zarr and HDF5 stores read a slice at a time), ``png`` (the PNG encoder),
``files`` (the one policy every writer follows: ``existing=``, names from patterns,
atomic writes and their temporaries), ``video`` (clips as APNG, WebP, GIF and MP4
files), ``nifti`` (NIfTI volumes in, reoriented to RAS+).
"""

from .arrays import ImageFolder, load_array, npz_members, open_images, read_image, read_labels
from .files import EXISTING, OutputPlan, plan_outputs, write_atomic
from .nifti import NiftiVolume, load_nifti
from .png import encode_png
from .stores import HDF5Source, MemmapSource, open_store
from .video import VIDEO_FORMATS, encode_clip, save_clips

__all__ = ["load_array", "npz_members", "open_images", "read_image", "read_labels", "ImageFolder",
           "open_store", "HDF5Source", "MemmapSource", "encode_png", "EXISTING", "OutputPlan",
           "plan_outputs", "write_atomic", "VIDEO_FORMATS", "encode_clip", "save_clips",
           "load_nifti", "NiftiVolume"]
