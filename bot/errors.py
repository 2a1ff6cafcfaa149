"""Domain errors become JSON 4xx here, in one middleware; nothing else formats an error body."""

from __future__ import annotations

import json
import logging
import re
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError
from sqlalchemy import exc as sa_errors

log = logging.getLogger(__name__)

M = TypeVar("M", bound=BaseModel)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


class Unavailable(Exception):
    """The service cannot take this request now (draining for a restart); the client retries later."""

    def __init__(self, code: str, message: str, retry_after: int = 2) -> None:
        super().__init__(message)
        self.code, self.message, self.retry_after = code, message, retry_after


# How long a client should wait before retrying while the database or Redis is unreachable.
RETRY_AFTER_OUTAGE = 5

_OUTAGES: tuple[type[BaseException], ...] = (
    ConnectionError, TimeoutError, socket.gaierror,  # refused or reset connections, timeouts, DNS
    sa_errors.OperationalError, sa_errors.InterfaceError, sa_errors.TimeoutError, sa_errors.DisconnectionError,
)


def _outages() -> tuple[type[BaseException], ...]:
    """The kinds of error that mean an outage; asyncpg's and Redis's only once they are loaded (a SQLite
    service never loads asyncpg, one without Redis, `minsheng chat` say, never loads redis)."""
    outages = _OUTAGES
    redis_errors = sys.modules.get("redis.exceptions")
    if redis_errors is not None:
        outages = (*outages, redis_errors.ConnectionError, redis_errors.TimeoutError, redis_errors.BusyLoadingError)
    asyncpg = sys.modules.get("asyncpg")
    if asyncpg is not None:
        outages = (*outages, asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError,
                   asyncpg.InterfaceError, asyncpg.exceptions.AdminShutdownError,
                   asyncpg.exceptions.CrashShutdownError)
    return outages


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) means the database or Redis is unreachable for now.

    Such a failure is nobody's fault and passes: a request gets 503 with Retry-After, and work
    is tried again later without counting against it.
    """
    outages = _outages()
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        # A bare OSError is how asyncio reports a connection that failed on every address.
        if isinstance(current, outages) or type(current) is OSError:
            return True
        if isinstance(current, sa_errors.DBAPIError) and current.connection_invalidated:
            return True
        current = current.__cause__ or current.__context__
    return False


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field:
        error["field"] = field
    return {"error": error}


_HTTP_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
               405: "method_not_allowed", 413: "too_large", 415: "unsupported_media_type", 429: "rate_limited",
               503: "unavailable"}


@web.middleware
async def error_middleware(request: web.Request,
                           handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
    try:
        return await handler(request)
    except ApiError as exc:
        return web.json_response(error_body(exc.code, exc.message, exc.field), status=exc.status)
    except Unavailable as exc:
        return web.json_response(error_body(exc.code, exc.message), status=503,
                                 headers={"Retry-After": str(exc.retry_after)})
    except web.HTTPException as exc:
        if exc.status < 400 or exc.content_type == "text/html":
            raise
        message = "request body too large" if exc.status == 413 else (exc.reason or "error")
        return web.json_response(error_body(_HTTP_CODES.get(exc.status, "error"), message),
                                 status=exc.status, headers={k: v for k, v in exc.headers.items()
                                                             if k.lower() in ("allow", "retry-after")})
    except Exception as exc:
        if isinstance(exc, ConnectionResetError) and client_gone(request):
            # The client hung up (a phone losing signal, a gateway's timeout): nothing is wrong here,
            # and nobody is left to answer. Whatever it sent is stored or not; it will retry.
            log.info("http.client_disconnected", extra={"path": request.path, "method": request.method})
            return web.Response(status=CLIENT_CLOSED_REQUEST)
        if is_unavailable(exc):
            # Nothing was stored: a client that retries on 503 loses nothing.
            log.warning("http.unavailable", extra={"path": request.path, "method": request.method,
                                                   "error": type(exc).__name__})
            return web.json_response(error_body("unavailable", "storage is unavailable; retry later"),
                                     status=503, headers={"Retry-After": str(RETRY_AFTER_OUTAGE)})
        log.exception("http.unhandled", extra={"path": request.path, "method": request.method})
        return web.json_response(error_body("internal", "internal error"), status=500)


# What access logs conventionally record for a request the client abandoned; it is never sent.
CLIENT_CLOSED_REQUEST = 499


def client_gone(request: web.Request) -> bool:
    """Whether the client's connection is closed (so an error reading or writing it is theirs, not ours)."""
    transport = request.transport
    return transport is None or transport.is_closing()


# Deeper than any body this service takes; a client nesting further is refused, not recursed into.
MAX_JSON_DEPTH = 32


def loads_json(raw: bytes) -> Any:
    """Bytes from outside as JSON, or a 400 saying why (not UTF-8, not JSON, nested too deeply).

    Every string in the result is cleaned with ``clean_text``, so a NUL or a lone surrogate never
    reaches the database (PostgreSQL refuses both) or a log line.
    """
    try:
        data = json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ApiError(400, "too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels") from None
    except (UnicodeDecodeError, ValueError):
        raise ApiError(400, "malformed_json", "request body is not valid UTF-8 JSON") from None
    return _cleaned(data)


def _cleaned(data: Any) -> Any:
    """Cleans every string (keys too) and checks the depth, without recursion."""
    root: list[Any] = [data]
    stack: list[tuple[Any, Any, Any, int]] = [(root, 0, data, 1)]
    while stack:
        parent, key, value, depth = stack.pop()
        if isinstance(value, str):
            parent[key] = clean_text(value)
            continue
        if not isinstance(value, dict | list):
            continue
        if depth > MAX_JSON_DEPTH:
            raise ApiError(400, "too_deep", f"JSON nested deeper than {MAX_JSON_DEPTH} levels")
        if isinstance(value, dict):
            items = list(value.items())
            value.clear()
            for k, v in items:
                value[clean_text(k)] = v
            stack.extend((value, k, v, depth + 1) for k, v in value.items())
        else:
            stack.extend((value, i, v, depth + 1) for i, v in enumerate(value))
    return root[0]


# C0 controls but tab and line breaks, DEL, C1 controls, and lone UTF-16 surrogates.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def clean_text(text: str) -> str:
    """Text from outside without control characters: what is stored, logged and shown to staff.

    NUL and the other controls are dropped (PostgreSQL refuses NUL, and none is meaningful in a
    message); a lone surrogate (valid in JSON, not in UTF-8) becomes U+FFFD; CR LF becomes LF.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(lambda m: "\ufffd" if "\ud800" <= m.group() <= "\udfff" else "", text)


async def read_json(request: web.Request) -> Any:
    """The body as JSON (see ``loads_json``); a body over the size limit is a 413."""
    return loads_json(await request.read())


def parse(model: type[M], data: Any, invalid_status: int = 422) -> M:
    """Validates a body against a pydantic model; the first problem names its field."""
    if not isinstance(data, dict):
        raise ApiError(400, "invalid", "request body must be a JSON object")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or None
        kind = "missing" if first["type"] == "missing" else "invalid"
        message = f"{field}: {first['msg']}" if field else first["msg"]
        raise ApiError(invalid_status if kind == "invalid" else 400, kind, message, field) from None
