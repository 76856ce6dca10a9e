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
