"""CLI commands: rules_views (registered on cryoelig.cli.app when imported)."""

from __future__ import annotations
