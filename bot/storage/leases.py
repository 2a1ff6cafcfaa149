"""Leases: how several service processes share rows of work (the inbox, the outbox).

A row is free when it has no lease or its lease has run out; a process takes it with one
conditional UPDATE, so exactly one process wins, and a process that dies mid-work leaves the row
to be taken again when the lease expires.

Work for one address (a resident's phone, a Telegram chat) is done in order: only the oldest row
still waiting for that address can be taken, so its messages are never handled side by side or
overtaken by a later one, in one process or across several.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, bindparam, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased


def lease_free(model: Any, now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    """Rows nobody holds: never leased, or their lease ran out."""
    return or_(model.locked_until.is_(None), model.locked_until < now)


def first_of_address(model: Any, waiting: str) -> ColumnElement[bool]:
    """Rows with no older row of the same channel and address still ``waiting``."""
    older = aliased(model)
    return ~exists().where(older.channel == model.channel, older.address == model.address,
                           older.status == waiting, older.id < model.id)


async def take_due(session: AsyncSession, model: Any, waiting: str, now: datetime, lease: timedelta,
                   limit: int, *where: ColumnElement[bool], window: int | None = None,
                   params: dict[str, Any] | None = None) -> list[int]:
    """The ids of the rows ``take_due_rows`` leases."""
    return [row.id for row in await _take_due(session, model, waiting, now, lease, limit, where, window, model.id,
                                              params)]


async def take_due_rows(session: AsyncSession, model: Any, waiting: str, now: datetime, lease: timedelta,
                        limit: int, *where: ColumnElement[bool], window: int | None = None,
                        params: dict[str, Any] | None = None) -> list[Any]:
    """Leases up to ``limit`` rows that are due, free, and first of their address; oldest first.

    One statement: on PostgreSQL the candidates are locked with SKIP LOCKED, so processes claiming
    at the same moment take different rows instead of waiting on each other. The first row of each
    address is found by grouping (``min(id)`` per channel and address), not by an anti-join: with the
    statistics of a table a burst has just filled (a few rows, says PostgreSQL), the anti-join was
    planned as a nested loop over every waiting row twice, 13 s a claim with 5,000 waiting (measured,
    EXPLAIN ANALYZE); the grouping is one pass whatever the planner believes.

    ``window`` (for a table with its waiting rows indexed by id, the inbox's ``ix_inbox_waiting``): the
    grouping is over the oldest ``window`` waiting rows only, which is exact for them (every older
    waiting row of their address is among them), so a claim costs the same with 200 or 20,000
    waiting. When that finds fewer than ``limit`` (the oldest rows are leased, or wait for a retry or
    a rate limit), the rest is looked for among all waiting rows, as without a window.

    The leased rows are returned by the claim itself (UPDATE … RETURNING), as the session's objects.

    ``params``: the values of the bound parameters of ``where``, for a caller whose ``where`` is built
    once (module constants): the claim's statement is then built once too, not on every claim (that
    cost about 1 ms of CPU a claim, most of what claiming cost the process).
    """
    return await _take_due(session, model, waiting, now, lease, limit, where, window, model, params)


async def _take_due(session: AsyncSession, model: Any, waiting: str, now: datetime, lease: timedelta, limit: int,
                    where: tuple[ColumnElement[bool], ...], window: int | None, returning: Any,
                    params: dict[str, Any] | None) -> list[Any]:
    taken = (await _take(session, model, waiting, now, lease, limit, where, window, returning, params)
             if window else [])
    if len(taken) < limit:
        taken += await _take(session, model, waiting, now, lease, limit - len(taken), where, None, returning, params)
    return sorted(taken, key=lambda row: row.id)


# Claim statements of callers that pass ``params``, by what shapes them; the ``where`` expressions
# are kept alive as part of the key.
_CLAIMS: dict[tuple[Any, ...], Any] = {}


async def _take(session: AsyncSession, model: Any, waiting: str, now: datetime, lease: timedelta, limit: int,
                where: tuple[ColumnElement[bool], ...], window: int | None, returning: Any,
                params: dict[str, Any] | None) -> list[Any]:
    dialect = session.get_bind().dialect.name
    values = {"now": now, "until": now + lease, "limit": limit}
    if params is None:
        statement = _claim(model, waiting, where, window, returning, dialect)
    else:
        key = (model, waiting, where, window, returning is model, dialect)
        if key not in _CLAIMS:
            _CLAIMS[key] = _claim(model, waiting, where, window, returning, dialect)
        statement = _CLAIMS[key]
        values.update(params)
    result = await session.execute(statement, values)
    return list(result.scalars() if returning is model else result)


def _claim(model: Any, waiting: str, where: tuple[ColumnElement[bool], ...], window: int | None, returning: Any,
           dialect: str) -> Any:
    """The claim, with bound parameters ``now``, ``until`` (the lease's end) and ``limit``."""
    now = bindparam("now", type_=model.next_attempt_at.type)
    if window:
        oldest = (select(model.id, model.channel, model.address).where(model.status == waiting, *where)
                  .order_by(model.id).limit(window).subquery())
        firsts = select(func.min(oldest.c.id).label("id")).group_by(oldest.c.channel, oldest.c.address).subquery()
    else:
        firsts = (select(func.min(model.id).label("id")).where(model.status == waiting, *where)
                  .group_by(model.channel, model.address).subquery())
    candidates = (select(model.id).join(firsts, model.id == firsts.c.id)
                  .where(model.next_attempt_at <= now, lease_free(model, now))
                  .order_by(model.id).limit(bindparam("limit", type_=Integer)))
    if dialect == "postgresql":
        candidates = candidates.with_for_update(skip_locked=True, of=model)
    return (update(model).where(model.id.in_(candidates.scalar_subquery()), lease_free(model, now))
            .values(locked_until=bindparam("until", type_=model.locked_until.type)).returning(returning)
            .execution_options(synchronize_session=False))


async def release(session: AsyncSession, model: Any, ids: Sequence[int], waiting: str) -> None:
    """Gives rows back at once (a process draining), instead of letting their leases run out."""
    if ids:
        await session.execute(update(model).where(model.id.in_(list(ids)), model.status == waiting)
                              .values(locked_until=None))
