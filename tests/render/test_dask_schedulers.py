"""``scheduler=`` / ``--scheduler``: checked before any connection."""

import re

import numpy as np
import pytest

distributed = pytest.importorskip("distributed")

import visheat.dask as vd  # noqa: E402
from visheat.cli import main  # noqa: E402
from visheat.render.dask import check_scheduler  # noqa: E402

X = np.random.default_rng(31).normal(size=(5, 3, 8, 8)).astype(np.float32)


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
                                       "tcp://scheduler.example.org:65535"])
def test_schedulers_visheat_can_use_pass_the_check(no_connection, scheduler):
    check_scheduler(scheduler)


def test_other_kinds_are_a_type_error(no_connection, tmp_path):
    for value in (3, b"threads", ["threads"], np.array(["threads"])):
        with pytest.raises(TypeError, match="scheduler: expected None, 'threads'.*; got "):
            vd.save_heatmaps(X, directory=tmp_path, scheduler=value)
