"""Where the default rule pack lives: in a checkout ``rules/``, in an installed package ``cryoelig/pack/``.

Why a module of its own: the loader (``cryoelig.rulepack.packset.default_pack_dirs``) needs the folder
before it loads anything. Nothing else reads the default pack: a case is always checked against the
pack its caller loaded (``cryoelig.case.packterms``).
"""

from __future__ import annotations

from pathlib import Path


def default_pack_dir() -> Path:
    """The pack next to the sources in a checkout, else the copy installed in the package."""
    package = Path(__file__).resolve().parents[1]  # cryoelig/
    checkout = package.parent / "rules"
    if (checkout / "pack.yaml").is_file():
        return checkout
    return package / "pack"
