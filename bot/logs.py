"""Structured logs: one JSON object a line, with an event name and fields.

Callers pass only what an operator needs (ids, counts, statuses). Resident phone numbers,
ID numbers and message text never go into a log record; ``mask_phone`` is for the rare place
a hint of the address helps (e.g. the last four digits).
"""

from __future__ import annotations

import json
import logging
import sys
import threading
import traceback
import warnings
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

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
    """Every line the process writes to stderr becomes one of ours: logs, warnings, uncaught errors.

    A library's warning or an uncaught exception would otherwise print its message as it is, and
    such a message can quote what a resident sent (aiogram's warning for an update type it does
    not know prints the whole update). They are logged by kind and place only.
    """
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log carries query strings; ours carries what is needed instead.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    warnings.showwarning = _log_warning
    sys.excepthook = _log_uncaught
    threading.excepthook = lambda args: _log_uncaught(args.exc_type, args.exc_value, args.exc_traceback)


def _log_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int,
                 file: TextIO | None = None, line: str | None = None) -> None:
    logging.getLogger("py.warnings").warning("python.warning", extra={
        "category": category.__name__, "at_line": f"{Path(filename).name}:{lineno}"})


def _log_uncaught(kind: type[BaseException], value: BaseException | None, tb: TracebackType | None) -> None:
    logging.getLogger("minsheng").critical("python.uncaught", exc_info=(kind, value or kind(), tb))


def mask_phone(phone: str) -> str:
    """138****5678: enough for a person to recognise their own number, not to dial it."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) >= 11:
        digits = digits[-11:]
        return f"{digits[:3]}****{digits[-4:]}"
    if len(digits) >= 5:
        return "*" * (len(digits) - 4) + digits[-4:]
    return "****"
