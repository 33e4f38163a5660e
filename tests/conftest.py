import os
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

sys.path.insert(0, str(Path(__file__).parent))  # tests/reference.py

# "ci" (the default) is derandomized: every run tries the same examples, so the README's
# test command gives the same verdict each time; "thorough" explores anew on each run.
settings.register_profile(
    "ci", max_examples=60, deadline=None, derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", max_examples=1000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# The in-process tests run on the compiled kernels when they can load (the default
# engine loads them in the background; the tests should not depend on its timing).
# Tests of the numpy engine set VISHEAT_NUMBA=0 themselves.
import visheat.engine  # noqa: E402

if visheat.engine.jit.mode() != "off":
    visheat.engine.wait_for_kernels()


@pytest.fixture(scope="session")
def compiled_kernels():
    """The compiled kernels module, for the tests of the kernels themselves.

    Never a skip: numba is a dependency of visheat, so kernels that do not load
    (numba missing, a compile error, a broken cache, or VISHEAT_NUMBA=0 set for
    the whole run) fail every test that needs them, with the reason.
    """
    module = visheat.engine.jit.load() if visheat.engine.jit.mode() != "off" else None
    if module is None:
        pytest.fail(f"these tests need the compiled kernels, which did not load: "
                    f"{visheat.engine.status()}", pytrace=False)
    return module


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """A failing test that used a Jupyter server (tests/notebook_harness.py) shows the server's log."""
    outcome = yield
    report = outcome.get_result()
    harness = sys.modules.get("notebook_harness")
    server_class = getattr(harness, "JupyterServer", None)
    if not report.failed or server_class is None:
        return
    values = [getattr(v, "server", v) for v in getattr(item, "funcargs", {}).values()]
    servers = {id(v): v for v in values if isinstance(v, server_class)}
    for server in servers.values():
        report.sections.append((f"Jupyter {server.app} server log", server.log_tail(200)))
