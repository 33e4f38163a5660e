"""The compiled kernels, loaded without making anyone wait.

numba compiles visheat's kernels once (about half a minute on two cores) and
caches them on disk; loading them from that cache in a new process still takes
about a second. Nobody should wait for either: the first calls are served by
the numpy code of the transforms, which gives the same pictures, while a
background thread imports numba and loads the kernels. Calls that start after
it finished use them.

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
compiled code (set ``NUMBA_CACHE_DIR``). A damaged cache is repaired (see
:mod:`.cache`), with one warning that names its folder.

A process may end at any time, also while the kernels load. LLVM, which numba
compiles with, must not be working in a thread while the interpreter shuts
down (that can abort the process), so the loading thread never compiles: where
numba would compile a kernel (it is not in the disk cache yet), the thread hands
the whole compilation to a child process, which fills the cache, and then loads
the kernels from it. At exit an ``atexit`` hook kills that child (compiling in
another process cannot hurt this one; every kernel it finished stays cached)
and stops the thread at its next safe point (numba's events between two kernel
loads, milliseconds apart); a thread still importing numba is left alone, as
importing is Python's work. Why not compile in the thread and wait for it at
exit: a kernel compiles for up to 4.5 s without a point to stop at (``render``'s
LLVM passes). Measured on two busy cores, short scripts ending at random times
while the kernels compile: the child process exits as fast as the old daemon
thread did (median 0.16 s against 0.11 s ending right after the first call, 0.97
s against 1.03 s ending in the first 6 s, 0.31-1.46 s against 1.38-1.44 s in
10-45 s), the thread that compiles itself and is waited for takes 1.42-2.56 s,
up to 7.3 s.
"""

from __future__ import annotations

import atexit
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

MODES = {"0": "off", "off": "off", "false": "off", "no": "off",
         "": "background", "1": "background", "on": "background", "true": "background",
         "yes": "background", "background": "background", "wait": "wait", "sync": "wait"}

#: Longest a process that ends waits for the loading thread to stop (seconds). It stops
#: between two kernels it loads, within milliseconds; this only bounds the unforeseen.
EXIT_WAIT = 30.0

#: numba's events where the loading thread may stop: every kernel it loads or compiles
#: takes the compiler lock first, and a compilation runs pass after pass.
_SAFE_POINTS = ("numba:compiler_lock", "numba:run_pass", "numba:compile")


class _Stop(BaseException):
    """Ends the loading thread at a safe point when the process exits.

    A BaseException, so that numba's own ``except Exception`` clauses let it through.
    """


class _Compile(BaseException):
    """Raised in the loading thread where numba would start compiling a kernel."""


class _State:
    def __init__(self) -> None:
        self.lock = threading.Lock()  # held while the kernels load
        self.start_lock = threading.Lock()  # one loading thread, however many callers
        self.exit_lock = threading.Lock()  # orders the exit hook and starting a child
        self.module: ModuleType | None = None
        self.thread: threading.Thread | None = None
        self.child: subprocess.Popen[bytes] | None = None
        self.loading = False  # past importing numba: LLVM may be at work in the thread
        self.stopping = False
        self.failure: str | None = None
        self.notice: str | None = None  # what was done to a damaged cache, said once
        self.warned = False


_STATE = _State()
_LOCAL = threading.local()  # the warm-up thread sees the kernels before anyone else


def _after_fork() -> None:
    # a load running in the parent has no thread here: start over if it had not finished
    global _STATE
    module, failure, warned = _STATE.module, _STATE.failure, _STATE.warned
    _STATE = _State()
    _STATE.module, _STATE.failure, _STATE.warned = module, failure, warned


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
    """numba and the kernels module; raises RuntimeError with the reason they cannot be used.

    Damaged entries of the disk cache are removed here, before any kernel loads.
    """
    try:
        import numba
    except Exception as err:  # ImportError, or numba refusing this Python/numpy
        raise RuntimeError(f"numba could not be imported: {err}") from None
    if getattr(numba.config, "DISABLE_JIT", False):
        raise RuntimeError("numba's JIT is turned off (NUMBA_DISABLE_JIT=1)")
    if _in_loader():
        _before_llvm()
    try:
        from . import compiled
    except RuntimeError as err:
        if "cannot cache" in str(err):
            raise RuntimeError("no writable cache location for the compiled kernels (set "
                               "NUMBA_CACHE_DIR to a writable folder)") from None
        raise
    from .cache import heal

    notice = heal(compiled)
    if notice is not None:
        _STATE.notice = notice
    return compiled


def _load_locked(warm_up: Callable[[], None] | None) -> None:
    try:
        module = _import()
        if warm_up is not None:
            _LOCAL.module = module
            try:
                _warm_up_safely(warm_up)
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
    compiled (or loaded from the disk cache) before any other call uses them. It
    must be a module-level function: a child process imports it to compile.
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
            try:
                with _STATE.lock:
                    _load_locked(warm_up)
            except _Stop:
                pass  # the process is ending

        # a daemon that the exit hook stops: a process that ends never waits for the kernels
        _STATE.thread = threading.Thread(target=work, name="visheat-compile", daemon=True)
        atexit.register(_stop_at_exit)
        _STATE.thread.start()


def report() -> None:
    """Say once, in this thread, why the kernels are unavailable, or that their cache healed."""
    if mode() == "off":
        return
    notice, _STATE.notice = _STATE.notice, None
    if notice is not None:
        warnings.warn(f"visheat: {notice}.", RuntimeWarning, stacklevel=4)
    if _STATE.failure is not None and not _STATE.warned:
        _STATE.warned = True
        warnings.warn(f"visheat runs on its numpy engine: {_STATE.failure}. The pictures are "
                      "the same; only the speed differs. Set VISHEAT_NUMBA=0 to silence this.",
                      RuntimeWarning, stacklevel=4)


def compile_here(warm_up: Callable[[], None]) -> None:
    """Compile (or load) the kernels in this process by running ``warm_up`` with them.

    What the child process that fills the disk cache runs; raises RuntimeError
    when the kernels cannot be had.
    """
    _LOCAL.module = _import()
    try:
        warm_up()
    finally:
        _LOCAL.module = None


# -- the background load, and the end of the process ----------------------------------------

def _in_loader() -> bool:
    return threading.current_thread() is _STATE.thread


def _warm_up_safely(warm_up: Callable[[], None]) -> None:
    """``warm_up()``; in the loading thread, with every compilation in a child process."""
    if not _in_loader():
        warm_up()
        return
    with _safe_points() as points:
        try:
            warm_up()
            return
        except _Compile:
            pass
        points["compile"] = False
        if _compile_in_child(warm_up):
            warm_up()  # from the disk cache now
            return
    # no child process (an embedded interpreter, a failed start): compile here; the
    # exit hook still waits for the next safe point, at most one kernel's compilation
    with _safe_points(compile_here=True):
        warm_up()


@contextmanager
def _safe_points(compile_here: bool = False) -> Iterator[dict[str, bool]]:
    """Listen to numba's events in the loading thread: stop there when the process exits,
    and (unless ``compile_here``) raise :class:`_Compile` where a compilation would start."""
    from numba.core import event

    flags = {"compile": not compile_here}

    class SafePoint(event.Listener):
        def on_start(self, ev: Any) -> None:
            if not _in_loader():
                return
            if _STATE.stopping:
                raise _Stop
            if flags["compile"] and ev.kind == "numba:compile":
                raise _Compile

        def on_end(self, ev: Any) -> None:
            pass

    with ExitStack() as stack:
        for kind in _SAFE_POINTS:
            stack.enter_context(event.install_listener(kind, SafePoint()))
        yield flags


# the child imports the visheat this process runs (argv[1] is the folder it is in)
_CHILD = """
import importlib, sys
sys.path.insert(0, sys.argv[1])
from visheat.engine import jit
jit.compile_here(getattr(importlib.import_module(sys.argv[2]), sys.argv[3]))
"""


def _compile_in_child(warm_up: Callable[[], None]) -> bool:
    """Run ``warm_up`` in a child process, which fills the disk cache; True if it did.

    Raises :class:`_Stop` when the process exits meanwhile (the exit hook kills the child).
    """
    root = str(Path(__file__).resolve().parents[2])  # the folder this visheat is in
    env = {**os.environ, "VISHEAT_NUMBA": "wait"}
    command = [sys.executable, "-c", _CHILD, root, warm_up.__module__, warm_up.__qualname__]
    with _STATE.exit_lock:
        if _STATE.stopping:
            raise _Stop
        if not sys.executable:  # an embedded interpreter
            return False
        try:
            child = _STATE.child = subprocess.Popen(
                command, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
        except OSError:
            return False
    try:
        child.wait()
    finally:
        with _STATE.exit_lock:
            _STATE.child = None
    if _STATE.stopping:
        raise _Stop
    return child.returncode == 0  # else the thread compiles, and meets the error itself


def _before_llvm() -> None:
    """In the loading thread, once numba is imported (setting up its compiler starts LLVM):
    stop if the process is ending, else say that LLVM may work from now on, and register
    the exit hook again, so that it runs before numba's own (atexit is LIFO)."""
    with _STATE.exit_lock:
        if _STATE.stopping:
            raise _Stop
        _STATE.loading = True
        atexit.unregister(_stop_at_exit)
        atexit.register(_stop_at_exit)


def _stop_at_exit() -> None:
    """At exit: kill the compiling child, stop the loading thread and wait until it has.

    A thread still importing numba is not waited for: importing is Python's work, and
    the thread stops before LLVM's starts (:func:`_before_llvm`).
    """
    with _STATE.exit_lock:
        _STATE.stopping = True
        child, thread, loading = _STATE.child, _STATE.thread, _STATE.loading
    if child is not None:
        child.kill()
    if loading and thread is not None and thread is not threading.current_thread():
        thread.join(EXIT_WAIT)


__all__ = ["MODES", "EXIT_WAIT", "mode", "kernels", "status", "load", "start", "report",
           "compile_here"]
