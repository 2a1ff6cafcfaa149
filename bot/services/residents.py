"""Residents' durable preferences (region, language, opt-out), keyed by channel and address.

Read and written inside the unit of work of the message that changed them
(``bot.services.conversations``), so a preference moves together with the rest of that message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import insert_built
from bot.storage.models import Resident, table_of


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
        changed = await session.execute(_SAVE_PROFILE, {"of_channel": channel, "of_address": address, **values})
        if changed.rowcount == 1:  # type: ignore[attr-defined]
            return True
    inserted = await session.execute(insert_built(session, _first_profile),
                                     {"channel": channel, "address": address, "created_at": now, **values})
    return inserted.scalar_one_or_none() is not None


def profile_write(session: AsyncSession, channel: str, address: str, profile: Profile, now: datetime,
                  stored: bool) -> tuple[Any, dict[str, Any]]:
    """``save_profile`` as one statement and its parameters, for the caller to run later (``Turn``'s
    deferred writes): it returns one row when it wrote, none when the row it expected (``stored``: the
    caller read one) was not there, or was there when it expected none."""
    values = {"p_region_code": profile.region_code, "p_locale": profile.locale, "p_opted_out": profile.opted_out,
              "p_updated_at": now, "p_channel": channel, "p_address": address}
    if stored:
        return _PROFILE_CHANGED, values
    return insert_built(session, _profile_added), {**values, "p_created_at": now}


# Core statements, built once (see bot.services.conversations).
_RESIDENTS = table_of(Resident)
_SAVE_PROFILE = (update(_RESIDENTS).where(_RESIDENTS.c.channel == bindparam("of_channel"),
                                          _RESIDENTS.c.address == bindparam("of_address")))


def _first_profile(insert: Any) -> Any:
    return insert(_RESIDENTS).on_conflict_do_nothing(index_elements=["channel", "address"]).returning(_RESIDENTS.c.id)


# ``profile_write``'s: bound parameters of their own (p_…), as they run beside other statements.
_PROFILE_VALUES: dict[str, Any] = {"region_code": bindparam("p_region_code"), "locale": bindparam("p_locale"),
                   "opted_out": bindparam("p_opted_out"), "updated_at": bindparam("p_updated_at")}
_PROFILE_CHANGED = (update(_RESIDENTS).where(_RESIDENTS.c.channel == bindparam("p_channel"),
                                             _RESIDENTS.c.address == bindparam("p_address"))
                    .values(_PROFILE_VALUES).returning(_RESIDENTS.c.id))


def _profile_added(insert: Any) -> Any:
    return (insert(_RESIDENTS).values(channel=bindparam("p_channel"), address=bindparam("p_address"),
                                      created_at=bindparam("p_created_at"), **_PROFILE_VALUES)
            .on_conflict_do_nothing(index_elements=["channel", "address"]).returning(_RESIDENTS.c.id))
