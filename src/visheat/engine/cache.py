"""numba's disk cache of the compiled kernels: finding and removing damaged entries.

numba keeps each kernel as an index file (``*.nbi``: which signatures are cached,
and in which data file) and data files (``*.nbc``: the machine code), pickled.
When one of them cannot be read (a disk that filled up, a copy that was cut
short, a file written by something else), numba raises the unpickling error on
every load *and* on every save (a save reads the index first), so a damaged
entry never heals: every later process fails the same way.

:func:`heal` reads each kernel's entries with numba's own readers before any
kernel is loaded, and removes the entries they cannot read; numba then compiles
those kernels again and writes fresh entries. An index of another numba
version, or of an older source file, is not damage: numba ignores it and
overwrites it itself.
"""

from __future__ import annotations

import sys
from pathlib import Path
from types import ModuleType
from typing import Any


def dispatchers(package: ModuleType) -> list[Any]:
    """The cached numba functions (dispatchers) of ``package``'s loaded modules, in a stable order.

    Modules are found in ``sys.modules``: a package attribute may be a function that
    shadows its module (``compiled.render``).
    """
    prefix = package.__name__ + "."
    found: dict[int, Any] = {}
    for name in sorted(n for n in list(sys.modules) if n.startswith(prefix)):
        for obj in list(vars(sys.modules[name]).values()):
            if getattr(obj, "_cache", None) is not None and hasattr(obj, "py_func"):
                found.setdefault(id(obj), obj)
    return list(found.values())


def _unreadable(cache_file: Any) -> bool:
    """Whether numba cannot read this kernel's index, or a data file the index names."""
    try:
        overloads = cache_file._load_index()
        for name in overloads.values():
            try:
                cache_file._load_data(name)
            except FileNotFoundError:
                continue  # numba treats a missing data file as not cached
    except OSError:
        return False  # permissions, a vanished folder: not damage, and not ours to remove
    except Exception:  # UnpicklingError, EOFError, ValueError...: damaged
        return True
    return False


def damaged_entries(package: ModuleType) -> list[Path]:
    """The index and data files of ``package``'s kernels that numba cannot read.

    A kernel's whole entry (its index and every data file of it) counts as
    damaged when any part is unreadable. Empty when numba's cache internals
    are not what this function knows (another numba version): then nothing is
    removed.
    """
    files: list[Path] = []
    for dispatcher in dispatchers(package):
        cache_file = getattr(dispatcher._cache, "_cache_file", None)
        index = getattr(cache_file, "_index_path", None)
        if index is None or not all(hasattr(cache_file, m) for m in ("_load_index",
                                                                     "_load_data")):
            continue
        index = Path(index)
        if index.exists() and _unreadable(cache_file):
            files.append(index)
            files += sorted(index.parent.glob(index.name[:-len(".nbi")] + ".*.nbc"))
    return files


def heal(package: ModuleType) -> str | None:
    """Remove the damaged cache entries of ``package``'s kernels; say what was done, or None.

    The sentence names the folders, for a warning. Raises RuntimeError, naming
    the files, when they cannot be removed (a read-only cache).
    """
    files = damaged_entries(package)
    if not files:
        return None
    stuck = []
    for path in files:
        try:
            path.unlink(missing_ok=True)
        except OSError:
            stuck.append(str(path))
    if stuck:
        raise RuntimeError(f"numba's cache of the compiled kernels is damaged and could not be "
                           f"repaired; delete {', '.join(stuck)}")
    folders = sorted({str(path.parent) for path in files})
    return (f"numba's cache of the compiled kernels was damaged: {len(files)} unreadable "
            f"file(s) removed from {', '.join(folders)}; those kernels are compiled again")


__all__ = ["dispatchers", "damaged_entries", "heal"]
