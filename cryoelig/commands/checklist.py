"""CLI commands: checklist (registered on cryoelig.cli.app when imported)."""

from __future__ import annotations
