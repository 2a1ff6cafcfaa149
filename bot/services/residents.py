"""Residents' durable preferences (region, language, opt-out), keyed by channel and address."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.storage.models import Resident


@dataclass
class Profile:
    """What the resident chose and Minsheng remembers durably: region, language, opt-out."""

    region_code: str | None = None
    locale: str | None = None
    opted_out: bool = False


class ResidentProfiles:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions

    async def load(self, channel: str, address: str) -> Profile:
        async with self.sessions() as session:
            row = await session.scalar(select(Resident).where(Resident.channel == channel,
                                                              Resident.address == address))
        if row is None:
            return Profile()
        return Profile(region_code=row.region_code, locale=row.locale, opted_out=row.opted_out)

    async def save(self, channel: str, address: str, profile: Profile) -> None:
        for attempt in range(2):
            try:
                async with self.sessions() as session, session.begin():
                    row = await session.scalar(select(Resident).where(Resident.channel == channel,
                                                                      Resident.address == address))
                    if row is None:
                        row = Resident(channel=channel, address=address)
                        session.add(row)
                    row.region_code, row.locale = profile.region_code, profile.locale
                    row.opted_out = profile.opted_out
                return
            except IntegrityError:
                # Another process created the row between our read and write: update that one.
                if attempt:
                    raise

    async def opted_out(self, channel: str, address: str) -> bool:
        return (await self.load(channel, address)).opted_out
