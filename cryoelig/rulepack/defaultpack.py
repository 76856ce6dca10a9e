"""Where the default rule pack lives, and the sites it names, without loading the pack.

Why a module of its own: a case's `site` is checked against a pack's sites, and with no pack
given against the default pack's. Loading a pack needs the Case model (the fields it reads,
the values its clauses name), so the Case model cannot ask the pack loader: it reads the one
list it needs straight from the default pack's pack.yaml here.
"""

from __future__ import annotations

import functools
from pathlib import Path


def default_pack_dir() -> Path:
    """The pack next to the sources in a checkout, else the copy installed in the package."""
    package = Path(__file__).resolve().parents[1]  # cryoelig/
    checkout = package.parent / "rules"
    if (checkout / "pack.yaml").is_file():
        return checkout
    return package / "pack"


@functools.cache
def default_site_ids() -> tuple[str, ...]:
    """The site ids of the default pack, in its order (read once per process)."""
    import yaml

    text = (default_pack_dir() / "pack.yaml").read_text(encoding="utf-8")
    meta = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - safe
    return tuple(str(site["id"]) for site in meta["sites"])
