"""uvicorn's logging with an access line that never carries a query string.

Why: a query string is client input (``?site=``, or anything a client appends), and so is a path
the service does not serve (``/api/v1/Jane_Doe``); the access log keeps the method, the path when
it is one of the service's own, and the status, which is what operating the service needs.
"""

from __future__ import annotations

import logging
from typing import Any

#: The paths the service answers (filled by ``app.create_app`` from its routes); any other path is
#: client input and is logged as "(another path)".
KNOWN_PATHS: set[str] = set()
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def shown_path(path: str) -> str:
    return path if path in KNOWN_PATHS else "(another path)"


class AccessFormatter(logging.Formatter):
    """'METHOD /path STATUS' from uvicorn's access record (args: client, method, path, http, status)."""

    def formatMessage(self, record: logging.LogRecord) -> str:  # noqa: N802 - logging's name
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            _client, method, full_path, _http, status = args
            path = shown_path(str(full_path).split("?", 1)[0])
            method = method if method in METHODS else "(another method)"
            record.__dict__["request_line"] = f"{method} {path}"
            record.__dict__["status_code"] = status
        else:
            record.__dict__.setdefault("request_line", "-")
            record.__dict__.setdefault("status_code", "-")
        return super().formatMessage(record)

    def format(self, record: logging.LogRecord) -> str:
        record.message = ""  # the access message itself is never formatted from the raw args
        if self.usesTime():
            record.asctime = self.formatTime(record, self.datefmt)
        return self.formatMessage(record)


def log_config(level: str = "info", access_log: bool = True) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for uvicorn: plain lines, no query strings, no colours.

    Also turns off logging's own error report, which would print a failing record's raw
    arguments (the request line with its query) to stderr."""
    logging.raiseExceptions = False
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "default": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
            "access": {"()": "cryoelig.server.logs.AccessFormatter",
                       "fmt": "%(asctime)s access: %(request_line)s %(status_code)s"},
        },
        "handlers": {
            "default": {"class": "logging.StreamHandler", "formatter": "default", "stream": "ext://sys.stderr"},
            "access": {"class": "logging.StreamHandler", "formatter": "access", "stream": "ext://sys.stderr"},
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.error": {"handlers": ["default"], "level": level.upper(), "propagate": False},
            "uvicorn.access": {"handlers": ["access"] if access_log else [], "level": "INFO", "propagate": False},
            "cryoelig.server": {"handlers": ["default"], "level": level.upper(), "propagate": False},
        },
    }
