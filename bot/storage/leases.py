"""Leases: how several service processes share rows of work (inbound SMS, outbound messages).

A row is free when it has no lease or its lease has run out; a process takes it with one
conditional UPDATE, so exactly one process wins, and a process that dies mid-work leaves the row
to be taken again when the lease expires.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, update
from sqlalchemy.ext.asyncio import AsyncSession


def lease_free(model: Any, now: datetime) -> ColumnElement[bool]:
    """Rows nobody holds: never leased, or their lease ran out."""
    return or_(model.locked_until.is_(None), model.locked_until < now)


async def take_lease(session: AsyncSession, model: Any, row_id: int, status: str, now: datetime,
                     lease: timedelta) -> bool:
    """Leases one row still in ``status`` to the caller; False when another process holds it."""
    result = await session.execute(
        update(model).where(model.id == row_id, model.status == status, lease_free(model, now))
        .values(locked_until=now + lease))
    return result.rowcount == 1  # type: ignore[attr-defined]
