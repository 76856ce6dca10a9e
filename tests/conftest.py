from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


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
    """Tests never write the validated-pack cache into the user's home."""
    import os
    import tempfile

    os.environ.setdefault("CRYOELIG_CACHE_DIR", tempfile.mkdtemp(prefix="cryoelig-cache-"))
