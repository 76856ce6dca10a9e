"""The audit trail (``cryoelig serve --audit-log PATH``): one JSON line per CDS call, feedback item batch,
API call and authentication failure.

Why these fields and no others: a reviewer must be able to say which pack answered which hook
call with which cards (``time``, ``event``, ``service``, ``hookInstance``, ``pack`` sha256, card
``uuids``, ``outcome``), what the clinicians did with the cards (feedback) and who was turned away
(the tool's own reason). Nothing a client wrote is copied except identifiers in UUID form
(``hookInstance``, card and suggestion ids): never a patient id, a resource, a comment or a token.

Why a ``WatchedFileHandler``: several worker processes append whole lines to one file, and after
``logrotate`` moves the file each process reopens it by itself (no ``copytruncate`` needed).
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import os
import re
from datetime import UTC, datetime
from typing import Any

_UUID = re.compile(r"(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def uuid_or_none(value: Any) -> str | None:
    """A client's identifier, when it is a UUID: the only client text the trail keeps."""
    return value.lower() if isinstance(value, str) and _UUID.fullmatch(value) else None


class Audit:
    """The audit file of one service (or none): ``record`` writes one JSON line."""

    def __init__(self, path: str | None):
        self.handler: logging.Handler | None = None
        if path is None:
            return
        if os.path.islink(path):
            from ..errors import InputError, Problem

            raise InputError([Problem("the audit log is a symbolic link: give the file itself", field="--audit-log")])
        self.handler = logging.handlers.WatchedFileHandler(path, encoding="utf-8")
        self.handler.setFormatter(logging.Formatter("%(message)s"))

    def record(self, event: str, **fields: Any) -> None:
        """One line: the time (UTC), the event and its fields (the caller gives only safe values)."""
        if self.handler is None:
            return
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        line = json.dumps({"time": now, "event": event, **fields}, ensure_ascii=True, separators=(",", ":"))
        self.handler.handle(logging.makeLogRecord({"msg": line, "levelno": logging.INFO, "levelname": "INFO"}))
