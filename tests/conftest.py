from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
#: Set by the pytest process that made the temporary pack cache (and removes it at the end).
_CACHE_BASE = "CRYOELIG_TEST_CACHE_BASE"


@pytest.fixture(scope="session")
def pack():
    """The default set: the source pack and the published-scales pack, as the command line loads them."""
    from cryoelig.rulepack.load import load_pack_set

    return load_pack_set([ROOT / "rules", ROOT / "rules" / "published-scales"])


@pytest.fixture(scope="session")
def source_pack():
    """The source article's pack alone (``--pack rules``)."""
    from cryoelig.rulepack.load import load_pack

    return load_pack(ROOT / "rules")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_configure(config):
    """Tests never write the validated-pack cache into the user's home: a temporary folder made by
    the first pytest process (removed at its end), and under pytest-xdist one folder per worker, so
    that no two test processes share a cache unless a test makes them."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker is None and "CRYOELIG_CACHE_DIR" not in os.environ:
        base = tempfile.mkdtemp(prefix="cryoelig-cache-")
        os.environ[_CACHE_BASE] = os.environ["CRYOELIG_CACHE_DIR"] = base
        config.add_cleanup(lambda: shutil.rmtree(base, ignore_errors=True))
    elif worker is not None and os.environ.get(_CACHE_BASE) == os.environ.get("CRYOELIG_CACHE_DIR"):
        os.environ["CRYOELIG_CACHE_DIR"] = os.path.join(os.environ[_CACHE_BASE], worker)


def _modules_with_module_fixtures() -> set[str]:
    """The test files (paths as in node ids) that define a module-scoped fixture."""
    import re

    shared = re.compile(r"""@pytest\.fixture\([^)]*scope=["']module["']""")
    return {path.relative_to(ROOT).as_posix() for path in (ROOT / "tests").rglob("test_*.py")
            if shared.search(path.read_text(encoding="utf-8"))}


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto`` (pyproject.toml): one worker per CPU for the suite or a folder of it, but one process
    for named test files or tests, where starting the workers costs more than it saves. ``-n N`` and
    PYTEST_XDIST_AUTO_NUM_WORKERS still decide."""
    if not os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS") and config.args \
            and all(".py" in arg for arg in config.args):
        return 0
    return None


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist: each test goes to whichever worker is free, except that the tests of a module
    defining a module-scoped fixture (a corpus of runs, a cluster, a generated batch) stay on one worker,
    so that the fixture is built once. (xdist's own ``--dist loadgroup`` marks do not reach its scheduler
    with pytest 9: the scheduler reads groups from node ids, which pytest 9 no longer lets it change.)"""
    from xdist.scheduler import LoadScopeScheduling

    shared = _modules_with_module_fixtures()

    class SharedFixtureScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            module = nodeid.split("::", 1)[0]
            return module if module in shared else nodeid

    return SharedFixtureScheduling(config, log)
