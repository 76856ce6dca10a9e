from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(scope="session")
def pack():
    from cryoelig.rulepack import load_pack

    return load_pack(ROOT / "rules")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


def pytest_configure(config):
    """Tests never write the validated-pack cache into the user's home."""
    import os
    import tempfile

    os.environ.setdefault("CRYOELIG_CACHE_DIR", tempfile.mkdtemp(prefix="cryoelig-cache-"))
