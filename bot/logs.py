"""Structured logs: one JSON object a line, with an event name and fields.

Callers pass only what an operator needs (ids, counts, statuses). Resident phone numbers,
ID numbers and message text never go into a log record; ``mask_phone`` is for the rare place
a hint of the address helps (e.g. the last four digits).
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from datetime import UTC, datetime
from typing import Any

_STANDARD = set(logging.LogRecord("", 0, "", 0, "", (), None).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "at": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        entry.update({k: v for k, v in record.__dict__.items() if k not in _STANDARD})
        if record.exc_info and record.exc_info[1] is not None:
            # The type and where it was raised, never the message: a database error's message
            # carries the statement's parameters, which can be a resident's number or words.
            exc = record.exc_info[1]
            entry["error"] = type(exc).__qualname__
            frames = traceback.extract_tb(exc.__traceback__)
            if frames:
                entry["where"] = f"{frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno}"
        return json.dumps(entry, ensure_ascii=False, default=str)


def setup_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log carries query strings; ours carries what is needed instead.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)


def mask_phone(phone: str) -> str:
    """138****5678: enough for a person to recognise their own number, not to dial it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 11:
        digits = digits[-11:]
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 5:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****"
