"""Opening a question in a resident's conversation from outside a message (a check-in, a 回访).

The answer ("1", "2", a button) must reach the question asked days later, so the job that asks
writes the resident's conversation itself, in the transaction that queues the question: the flow
and step that handle the answer and the option keys a number picks. It bumps the version, so a
message being processed for the same resident at that moment fails its commit and runs again
against the new state (``bot.services.conversations``). A resident in the middle of another
dialog is not interrupted: ``conversation_busy`` tells the job to ask later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.storage.db import insert_for
from bot.storage.models import ConversationState


async def conversation_busy(session: AsyncSession, channel: str, address: str, now: datetime) -> bool:
    """A dialog under way (a flow not finished, not expired)."""
    row = (await session.execute(select(ConversationState.data, ConversationState.expires_at).where(
        ConversationState.channel == channel, ConversationState.address == address))).first()
    return bool(row and row.expires_at > now and (row.data or {}).get("flow"))


async def open_question(session: AsyncSession, channel: str, address: str, flow: str, step: str,
                        data: dict[str, Any], options: list[str], now: datetime, ttl: timedelta) -> None:
    state = {"flow": flow, "step": step, "data": data, "options": options, "pages": [], "back": []}
    expires = now + ttl
    changed = await session.execute(
        update(ConversationState).where(ConversationState.channel == channel, ConversationState.address == address)
        .values(data=state, version=ConversationState.version + 1, expires_at=expires))
    if changed.rowcount == 1:  # type: ignore[attr-defined]
        return
    await session.execute(insert_for(session)(ConversationState).values(
        channel=channel, address=address, data=state, version=1, expires_at=expires)
        .on_conflict_do_update(index_elements=["channel", "address"],
                               set_={"data": state, "version": ConversationState.version + 1,
                                     "expires_at": expires}))
