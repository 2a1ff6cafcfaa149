"""Residents' durable preferences (region, language, opt-out), keyed by channel and address.

Read and written inside the unit of work of the message that changed them
(``bot.services.conversations``), so a preference moves together with the rest of that message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import insert_for
from bot.storage.models import Resident


@dataclass
class Profile:
    """What the resident chose and Minsheng remembers durably: region, language, opt-out."""

    region_code: str | None = None
    locale: str | None = None
    opted_out: bool = False


async def load_profile(session: AsyncSession, channel: str, address: str) -> Profile:
    row = await session.scalar(select(Resident).where(Resident.channel == channel, Resident.address == address))
    if row is None:
        return Profile()
    return Profile(region_code=row.region_code, locale=row.locale, opted_out=row.opted_out)


async def save_profile(session: AsyncSession, channel: str, address: str, profile: Profile, now: datetime,
                       stored: bool | None = None) -> bool:
    """Writes the profile; False when the resident's row appeared meanwhile (written by another unit).

    ``stored``: whether the caller read the resident's row in this transaction (False: it had none,
    so the row is inserted straight away rather than after an UPDATE that finds nothing)."""
    values = {"region_code": profile.region_code, "locale": profile.locale, "opted_out": profile.opted_out,
              "updated_at": now}
    if stored is not False:
        changed = await session.execute(
            update(Resident).where(Resident.channel == channel, Resident.address == address).values(**values))
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            return True
    inserted = await session.execute(
        insert_for(session)(Resident).values(channel=channel, address=address, created_at=now, **values)
        .on_conflict_do_nothing(index_elements=["channel", "address"]).returning(Resident.id))
    return inserted.scalar_one_or_none() is not None
