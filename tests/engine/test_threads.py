"""Threads: the same pictures for any count, work shared out, errors carried back."""

import threading
import time

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from visheat import ExtremaColormap, NormReduction, heatmap
from visheat.engine.threads import default_threads, map_threads, usable_cpus


@given(st.lists(st.integers(), max_size=40), st.integers(1, 5))
def test_map_threads_keeps_the_order_of_the_items(items, threads):
    assert map_threads(lambda v: 2 * v, items, threads) == [2 * v for v in items]


def test_map_threads_uses_the_caller_and_a_pool_thread():
    seen = set()
    barrier = threading.Barrier(2, timeout=10)

    def work(item):
        seen.add(threading.get_ident())
        barrier.wait()  # both items must be running at once to get past this
        return item

    assert map_threads(work, [1, 2], 2) == [1, 2]
    assert threading.get_ident() in seen and len(seen) == 2


def test_map_threads_balances_uneven_items():
    """A thread that finishes early takes the next item, so slow ones do not queue up:
    the first item holds its thread until every other item is done."""
    others_done = threading.Event()
    left = [4]
    lock = threading.Lock()

    def work(item):
        if item == 0:
            assert others_done.wait(timeout=10), "the other items waited behind item 0"
        else:
            with lock:
                left[0] -= 1
                if left[0] == 0:
                    others_done.set()
        return threading.get_ident()

    owners = map_threads(work, [0, 1, 2, 3, 4], 2)
    assert owners[1:].count(owners[0]) == 0  # the slow item's thread did nothing else


def test_map_threads_raises_the_first_error_and_starts_nothing_after_it():
    started = []

    def work(item):
        started.append(item)
        if item == 0:
            raise ValueError("item 0 failed")
        time.sleep(0.05)
        return item

    with pytest.raises(ValueError, match="item 0 failed"):
        map_threads(work, list(range(20)), 2)
    assert len(started) < 20


def test_default_threads_follow_the_affinity_and_the_environment(monkeypatch):
    monkeypatch.delenv("VISHEAT_THREADS", raising=False)
    assert default_threads() == usable_cpus() >= 1
    monkeypatch.setenv("VISHEAT_THREADS", "3")
    assert default_threads() == 3
    monkeypatch.setenv("VISHEAT_THREADS", "many")
    with pytest.raises(ValueError, match="VISHEAT_THREADS: expected a whole number"):
        default_threads()


@settings(max_examples=10, deadline=None)
@given(st.integers(2, 40), st.integers(1, 4), st.integers(0, 2**32 - 1))
def test_pictures_and_records_do_not_depend_on_the_thread_count(n, threads, seed):
    x = np.random.default_rng(seed).standard_t(3, size=(n, 3, 96, 96)).astype(np.float32)
    pipe = NormReduction() | ExtremaColormap("viridis")
    one, many = heatmap(x, pipe, threads=1), heatmap(x, pipe, threads=threads)
    assert np.array_equal(one.to_numpy(), many.to_numpy())
    assert np.array_equal(one.value_ranges(), many.value_ranges())
