"""``scheduler=`` / ``--scheduler``: checked before any connection, and Clients closed by
whoever opened them, on a real LocalCluster of one worker process on 127.0.0.1."""

import re
import threading
import time

import numpy as np
import pytest
from PIL import Image

distributed = pytest.importorskip("distributed")

import visheat.dask as vd  # noqa: E402
from visheat import heatmap  # noqa: E402
from visheat.cli import main  # noqa: E402
from visheat.render.dask import check_scheduler, open_scheduler  # noqa: E402

X = np.random.default_rng(31).normal(size=(5, 3, 8, 8)).astype(np.float32)


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=1, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=":0") as found:
        yield found


def clients(cluster):
    """Clients the scheduler knows, less its own ("fire-and-forget")."""
    return len([c for c in cluster.scheduler.clients if c != "fire-and-forget"])


def settled(cluster, clients_at_most, threads_at_most=None):
    """Wait (up to a minute) for closed clients to leave the scheduler and their threads."""
    deadline = time.monotonic() + 60
    threads_at_most = threading.active_count() if threads_at_most is None else threads_at_most
    while clients(cluster) > clients_at_most or threading.active_count() > threads_at_most:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def png(path):
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def test_a_client_visheat_connects_from_an_address_is_closed_after_each_call(cluster, tmp_path):
    address, before = cluster.scheduler_address, clients(cluster)
    vd.save_heatmaps(X, directory=tmp_path / "warm-up", scheduler=address)
    assert settled(cluster, before)
    threads = threading.active_count()
    for i in range(4):
        paths = vd.save_heatmaps(X, "attribution", directory=tmp_path / str(i),
                                 scheduler=address)
    assert settled(cluster, before, threads), (clients(cluster), threading.active_count(),
                                               threads)
    want = heatmap(X, "attribution").to_numpy()
    for path, picture in zip(paths, want):
        np.testing.assert_array_equal(png(path), picture)


def test_the_client_is_closed_when_the_run_fails(cluster, tmp_path):
    x, before = X.copy(), clients(cluster)
    x[3, 0, 0, 0] = np.nan  # refused on the worker, while rendering
    with pytest.raises(ValueError, match="x: expected finite values"):
        vd.save_heatmaps(x, directory=tmp_path, scheduler=cluster.scheduler_address)
    assert settled(cluster, before)


def test_a_client_passed_in_stays_open(cluster, tmp_path):
    before = clients(cluster)
    with distributed.Client(cluster.scheduler_address, set_as_default=False) as client:
        for i in range(2):
            vd.save_heatmaps(X, directory=tmp_path / str(i), scheduler=client)
        assert client.status == "running" and clients(cluster) == before + 1
        assert client.submit(sum, [1, 2]).result() == 3
        with open_scheduler(client) as found:
            assert found is client
        assert client.status == "running"


def test_the_command_line_closes_its_client(cluster, tmp_path, capsys):
    np.save(tmp_path / "x.npy", X)
    before = clients(cluster)
    for i in range(3):
        assert main(["render", str(tmp_path / "x.npy"), "--out", str(tmp_path / str(i)),
                     "--scheduler", cluster.scheduler_address, "--quiet"]) == 0
        assert settled(cluster, before)
    np.testing.assert_array_equal(png(tmp_path / "2" / "00004.png"),
                                  heatmap(X).to_numpy()[4])


# -- refused before any connection ----------------------------------------------------

TCP_ONLY = "visheat connects to tcp:// addresses only"
REFUSED = {
    "garbage:": r"got 'garbage:' \(str\)\.$",
    "inproc://x": TCP_ONLY,
    "tls://127.0.0.1:8786": TCP_ONLY,
    "ucx://127.0.0.1:8786": TCP_ONLY,
    "tcp://127.0.0.1": "Write it as tcp://host:port",
    "tcp://127.0.0.1:8786/path": "Write it as tcp://host:port",
    "tcp://:8786": "Write it as tcp://host:port",
    "127.0.0.1:8786": r"Write the protocol too: 'tcp://127\.0\.0\.1:8786'",
    "tcp://127.0.0.1:0": "a port from 1 to 65535; got 'tcp://127.0.0.1:0'",
    "tcp://127.0.0.1:65536": "a port from 1 to 65535; got 'tcp://127.0.0.1:65536'",
    "thread": "Did you mean 'threads'",
    "": "got '' ",
}


@pytest.fixture
def no_connection(monkeypatch):
    """Make any attempt to connect fail the test."""
    def connect(*args, **kwargs):
        raise AssertionError(f"connected to {args}")

    monkeypatch.setattr(distributed, "Client", connect)


@pytest.mark.parametrize("scheduler", list(REFUSED))
def test_a_scheduler_that_cannot_work_is_refused_at_once(no_connection, tmp_path, scheduler):
    expected = ("scheduler: expected None, 'threads', 'processes', 'sync', a distributed.Client "
                "or a scheduler address tcp://host:port; got" if "port from" not in
                REFUSED[scheduler] else "scheduler: expected a scheduler address")
    for call in (lambda: vd.save_heatmaps(X, directory=tmp_path / "out", scheduler=scheduler),
                 lambda: vd.get_scheduler(scheduler), lambda: check_scheduler(scheduler)):
        with pytest.raises(ValueError) as info:
            call()
        assert str(info.value).startswith(expected) and "\n" not in str(info.value)
        assert re.search(REFUSED[scheduler], str(info.value)), str(info.value)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("scheduler", ["tls://127.0.0.1:8786", "garbage:", "tcp://h:99999"])
def test_the_command_line_refuses_it_in_one_line_before_reading_input(no_connection, tmp_path,
                                                                      capsys, scheduler):
    # INPUT does not exist: the scheduler is checked first, before anything is read
    code = main(["render", str(tmp_path / "missing.npy"), "--out", str(tmp_path / "out"),
                 "--scheduler", scheduler])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("visheat render: error: --scheduler: expected ") and scheduler in err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("scheduler", [None, "threads", "processes", "sync",
                                       "tcp://127.0.0.1:8786", "tcp://[::1]:1",
                                       "tcp://scheduler.example.org:65535",
                                       "tcp://dask_scheduler:8786"])
def test_schedulers_visheat_can_use_pass_the_check(no_connection, scheduler):
    check_scheduler(scheduler)


def test_other_kinds_are_a_type_error(no_connection, tmp_path):
    for value in (3, b"threads", ["threads"], np.array(["threads"])):
        with pytest.raises(TypeError, match="scheduler: expected None, 'threads'.*; got "):
            vd.save_heatmaps(X, directory=tmp_path, scheduler=value)
