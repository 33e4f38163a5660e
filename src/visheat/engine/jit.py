"""The compiled kernels, loaded without making anyone wait.

numba compiles visheat's kernels once (about half a minute on two cores) and
caches them on disk; loading them from that cache in a new process still takes
about a second. Nobody should wait for either: the first calls are served by
the numpy code of the transforms, which gives the same pictures, while a
background thread imports numba and compiles or loads the kernels. Calls that
start after it finished use them.

``VISHEAT_NUMBA`` chooses:

``1`` (or unset)
    load in the background, as above (the default);
``wait``
    load at the first call that can use the kernels, and wait for them
    (benchmarks, and tests that compare the two engines);
``0``
    never load them: numpy only.

When the kernels cannot be had, visheat runs on numpy and says why once, in a
`RuntimeWarning`: numba missing or not importable on this Python, numba's JIT
turned off (``NUMBA_DISABLE_JIT=1``), or no writable cache location for the
compiled code (set ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import os
import threading
import warnings
from collections.abc import Callable
from types import ModuleType
from typing import Any

MODES = {"0": "off", "off": "off", "false": "off", "no": "off",
         "": "background", "1": "background", "on": "background", "true": "background",
         "yes": "background", "background": "background", "wait": "wait", "sync": "wait"}


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()  # held while the kernels load
        self.start_lock = threading.Lock()  # one loading thread, however many callers
        self.module: ModuleType | None = None
        self.thread: threading.Thread | None = None
        self.failure: str | None = None
        self.warned = False


_STATE = _State()
_LOCAL = threading.local()  # the warm-up thread sees the kernels before anyone else


def _after_fork() -> None:
    # a load running in the parent has no thread here: start over if it had not finished
    _STATE.lock = threading.Lock()
    _STATE.start_lock = threading.Lock()
    _STATE.thread = None


if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_after_fork)


def mode() -> str:
    """``"background"``, ``"wait"`` or ``"off"``, from ``VISHEAT_NUMBA``."""
    value = os.environ.get("VISHEAT_NUMBA", "").strip().lower()
    found = MODES.get(value)
    if found is None:
        raise ValueError(f"VISHEAT_NUMBA: expected 1 (load in the background), wait or 0 "
                         f"(numpy only); got {value!r}.")
    return found


def kernels() -> Any:
    """The compiled kernels module if it is loaded, else None (never blocks by default).

    Typed ``Any``: the module's functions are numba dispatchers, opaque to type checkers.
    """
    found = mode()
    if found == "off":
        return None
    forced = getattr(_LOCAL, "module", None)
    if forced is not None:
        return forced
    if _STATE.module is None and found == "wait":
        return load()
    return _STATE.module


def status() -> str:
    """What the engine runs on now, in words."""
    if mode() == "off":
        return "numpy (VISHEAT_NUMBA=0)"
    if _STATE.module is not None:
        import numba

        return f"compiled kernels (numba {numba.__version__})"
    if _STATE.failure is not None:
        return f"numpy ({_STATE.failure})"
    if _STATE.thread is not None:
        return "numpy, while the compiled kernels load"
    return "numpy (the compiled kernels load at the first call)"


def _import() -> ModuleType:
    """numba and the kernels module; raises RuntimeError with the reason they cannot be used."""
    try:
        import numba
    except Exception as err:  # ImportError, or numba refusing this Python/numpy
        raise RuntimeError(f"numba could not be imported: {err}") from None
    if getattr(numba.config, "DISABLE_JIT", False):
        raise RuntimeError("numba's JIT is turned off (NUMBA_DISABLE_JIT=1)")
    try:
        from . import compiled
    except RuntimeError as err:
        if "cannot cache" in str(err):
            raise RuntimeError("no writable cache location for the compiled kernels (set "
                               "NUMBA_CACHE_DIR to a writable folder)") from None
        raise
    return compiled


def _load_locked(warm_up: Callable[[], None] | None) -> None:
    try:
        module = _import()
        if warm_up is not None:
            _LOCAL.module = module
            try:
                warm_up()
            finally:
                _LOCAL.module = None
    except Exception as err:  # anything that stops the kernels leaves numpy in charge
        _STATE.failure = str(err) if isinstance(err, RuntimeError) else \
            f"the compiled kernels failed to load: {type(err).__name__}: {err}"
        return
    _STATE.module = module


def load() -> ModuleType | None:
    """Load the kernels in this thread (or wait for the background load); None if impossible."""
    thread = _STATE.thread
    if thread is not None and thread is not threading.current_thread():
        thread.join()
    with _STATE.lock:
        if _STATE.module is None and _STATE.failure is None:
            _load_locked(None)
    report()
    return _STATE.module


def start(warm_up: Callable[[], None]) -> None:
    """Start loading the kernels in the background (once), then run ``warm_up`` there.

    ``warm_up`` runs representative pipelines with the kernels, so that they are
    compiled (or loaded from the disk cache) before any other call uses them.
    """
    report()
    if _STATE.module is not None or _STATE.failure is not None or _STATE.thread is not None:
        return
    if mode() != "background":
        return
    with _STATE.start_lock:  # not the loading lock: a caller never waits for the load
        if _STATE.thread is not None:
            return

        def work() -> None:
            with _STATE.lock:
                _load_locked(warm_up)

        # a daemon: a process that exits before the kernels are ready does not wait for them
        _STATE.thread = threading.Thread(target=work, name="visheat-compile", daemon=True)
        _STATE.thread.start()


def report() -> None:
    """Say once, in this thread, why the kernels are unavailable (if they are)."""
    if _STATE.failure is not None and not _STATE.warned and mode() != "off":
        _STATE.warned = True
        warnings.warn(f"visheat runs on its numpy engine: {_STATE.failure}. The pictures are "
                      "the same; only the speed differs. Set VISHEAT_NUMBA=0 to silence this.",
                      RuntimeWarning, stacklevel=4)


__all__ = ["MODES", "mode", "kernels", "status", "load", "start", "report"]
