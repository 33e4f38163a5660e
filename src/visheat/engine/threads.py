"""Threads for the engine: how many, and one pool shared by every call.

Starting threads per call costs more than a small batch takes, so the engine
keeps one pool for the life of the process. It is

* **bounded**: one pool, grown to the largest ``threads=`` asked for and never
  past :data:`MAX_THREADS`, however many distinct counts callers use;
* **fork-safe**: a child process forked while the pool exists (``os.fork``,
  ``multiprocessing`` with the fork start method, PyTorch ``DataLoader``
  workers) inherits the pool's bookkeeping but not its threads, so the pool is
  dropped in the child and made anew on first use.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from ..core.errors import check_number, value_error

#: Most threads the shared pool ever holds (the caller's thread comes on top).
MAX_THREADS = 64


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - macOS, Windows
        return max(1, os.cpu_count() or 1)


def default_threads() -> int:
    """Threads ``heatmap(..., threads=None)`` uses: ``VISHEAT_THREADS``, else every usable CPU.

    ``VISHEAT_THREADS`` follows the rules of ``threads=``: a whole number >= 1;
    unset or empty means every usable CPU.
    """
    value = os.environ.get("VISHEAT_THREADS", "").strip()
    if not value:
        return usable_cpus()
    try:
        count = int(value)
    except ValueError:
        count = 0
    if count < 1:
        raise value_error("VISHEAT_THREADS", "a whole number of threads >= 1 (or unset for "
                          "every CPU)", value)
    return min(count, MAX_THREADS + 1)


def resolve_threads(threads: Any) -> int:
    """A ``threads=`` argument as a count: None is :func:`default_threads`."""
    if threads is None:
        return default_threads()
    return int(check_number("threads", threads, low=1, integer=True))


class _Pool:
    """The process's one thread pool, re-created after a fork."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.executor: ThreadPoolExecutor | None = None
        self.size = 0

    def submit(self, fn: Callable[[], None], count: int) -> list[Future[None]]:
        """Run ``fn`` ``count`` times on the pool, grown to ``count`` threads if smaller."""
        workers = min(count, MAX_THREADS)
        with self.lock:  # a pool is replaced only here, so no submit meets a closed one
            if self.executor is None or self.size < workers:
                old = self.executor
                self.executor = ThreadPoolExecutor(workers, thread_name_prefix="visheat")
                self.size = workers
                if old is not None:
                    old.shutdown(wait=False)  # its threads end once their work is done
            return [self.executor.submit(fn) for _ in range(count)]

    def after_fork(self) -> None:
        # the parent's threads do not exist here; its lock may be held by one of them
        self.lock = threading.Lock()
        self.executor = None
        self.size = 0


_POOL = _Pool()
if hasattr(os, "register_at_fork"):  # pragma: no branch - POSIX
    os.register_at_fork(after_in_child=_POOL.after_fork)


def pool_size() -> int:
    """Threads in the shared pool now (0 before the first parallel call)."""
    return _POOL.size


def map_threads(fn: Callable[[Any], Any], items: Sequence[Any], threads: int) -> list[Any]:
    """``[fn(item) for item in items]`` on ``threads`` threads, the calling one included.

    The caller works too instead of waiting (it is already running; a pool
    thread has to be woken), and every thread takes the next item when it is
    done, so uneven items balance out. Results keep the items' order; after an
    error no new item starts, and the first error is raised.
    """
    if threads <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    results: list[Any] = [None] * len(items)
    errors: list[BaseException] = []
    order = iter(range(len(items)))
    lock = threading.Lock()

    def work() -> None:
        while not errors:
            with lock:
                i = next(order, None)
            if i is None:
                return
            try:
                results[i] = fn(items[i])
            except BaseException as err:  # re-raised in the caller
                errors.append(err)

    futures = _POOL.submit(work, min(threads, len(items)) - 1)
    work()
    for future in futures:
        future.result()
    if errors:
        raise errors[0]
    return results


__all__ = ["MAX_THREADS", "usable_cpus", "default_threads", "resolve_threads", "map_threads",
           "pool_size"]
