"""visheat on Dask: chunked arrays rendered lazily, PNG files written by the workers.

The public name of :mod:`visheat.render.dask` (``pip install ".[dask]"``): Dask is
imported when this module is.
"""

from .render.dask import (
    as_dask_array,
    check_scheduler,
    get_scheduler,
    open_scheduler,
    render,
    save_heatmaps,
)

__all__ = ["render", "save_heatmaps", "as_dask_array", "get_scheduler", "check_scheduler",
           "open_scheduler"]
