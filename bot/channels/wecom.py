"""企业微信 group robots: the outbox's ``wecom`` channel, one address per robot (its id).

A robot takes 20 messages a minute (errcode 45009 beyond). The outbox sends one robot's messages
one at a time, in order, across every process (only the oldest waiting message of an address can
be taken), so the posts counted in ``wecom_posts`` over the last minute are exact. When more cards
wait than the minute has room for, the waiting ones are posted together in one markdown message
(up to the robot's 4096 bytes), and when the minute is used up the message waits until it frees:
nothing is dropped, nothing is posted twice (a process killed between the robot's answer and its
own record may post once more, as every outbox channel may). Once three quarters of the minute's
posts are used, the rest are paced (one per 60/limit s), each carrying every card waiting by then,
so a burst of tickets keeps reaching the group within seconds instead of stopping for the minute.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from aiohttp import ClientSession, ClientTimeout
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.services.outbox import PENDING, SENT, DeliveryDelayed, DeliveryRefused
from bot.settings import Settings
from bot.storage.models import OutboundMessage, WeComPost, WeComRobot, utcnow

log = logging.getLogger(__name__)

CHANNEL = "wecom"
WINDOW = timedelta(minutes=1)
MAX_BYTES = 4096
SEPARATOR = "\n\n---\n\n"
# The robot's answers: rate limit; a key that is wrong or whose robot was removed.
_RATE_LIMITED = 45009
_GONE = frozenset({93000, 93004, 40008, 40058})


class WeComRobots:
    def __init__(self, settings: Settings, http: ClientSession, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.settings = settings
        self.http = http
        self.sessions = sessions
        self.per_minute = settings.wecom_per_minute
        self.reserve = max(1, self.per_minute // 4)
        self.gap = WINDOW.total_seconds() / self.per_minute

    async def send(self, address: str, text: str, options: list[dict[str, Any]], ref: str) -> None:
        """Posts the card ``ref`` to robot ``address``, with the cards waiting behind it if the minute is short."""
        robot_id = int(address) if address.isdigit() else 0
        now = utcnow()
        async with self.sessions() as session:
            key = await session.scalar(select(WeComRobot.key).where(WeComRobot.id == robot_id))
            if key is None:
                raise DeliveryRefused("chat_not_found", "robot removed")
            recent = list(await session.scalars(
                select(WeComPost.at).where(WeComPost.robot_id == robot_id, WeComPost.at > now - WINDOW)
                .order_by(WeComPost.at)))
            room = self.per_minute - len(recent)
            if room <= 0:
                wait = (recent[0] + WINDOW - now).total_seconds() + 0.5
                raise DeliveryDelayed("robot minute used", retry_after=max(1.0, wait))
            # With the minute nearly used, posts are paced (one per 60/limit seconds) and carry every
            # card waiting by then, so a burst keeps moving instead of stopping for the rest of the minute.
            scarce = room <= self.reserve
            since = (now - recent[-1]).total_seconds() if recent else WINDOW.total_seconds()
            if scarce and since < self.gap:
                raise DeliveryDelayed("robot paced", retry_after=self.gap - since)
            # Behind this message, only this process can touch the robot's later ones (they are not
            # the first of their address), so reading them and marking them sent below is safe.
            waiting = list(await session.execute(
                select(OutboundMessage.id, OutboundMessage.text)
                .where(OutboundMessage.channel == CHANNEL, OutboundMessage.address == address,
                       OutboundMessage.status == PENDING, OutboundMessage.ref != ref)
                .order_by(OutboundMessage.id).limit(200)))
        batch: list[int] = []
        content = text
        if scarce or len(waiting) + 1 > room:
            for row_id, more in waiting:
                joined = content + SEPARATOR + more
                if len(joined.encode()) > MAX_BYTES:
                    break
                content = joined
                batch.append(row_id)
        await self._post(key, content)
        async with self.sessions() as session, session.begin():
            session.add(WeComPost(robot_id=robot_id, at=utcnow(), messages=1 + len(batch)))
            if batch:
                await session.execute(update(OutboundMessage)
                                      .where(OutboundMessage.id.in_(batch), OutboundMessage.status == PENDING)
                                      .values(status=SENT, sent_at=utcnow(), attempts=OutboundMessage.attempts + 1,
                                              locked_until=None, last_error=f"posted with {ref}"[:300]))
            await session.execute(delete(WeComPost).where(WeComPost.at < now - timedelta(hours=1)))
        log.info("wecom.posted", extra={"robot": robot_id, "cards": 1 + len(batch), "room": room - 1})

    async def _post(self, key: str, content: str) -> None:
        url = f"{self.settings.wecom_api_base}/cgi-bin/webhook/send"
        body = {"msgtype": "markdown", "markdown": {"content": content}}
        async with self.http.post(url, params={"key": key}, json=body, timeout=ClientTimeout(total=10)) as response:
            if response.status != 200:
                raise DeliveryDelayed(f"HTTP {response.status}")
            data = await response.json(content_type=None)
        code = int(data.get("errcode", -1)) if isinstance(data, dict) else -1
        if code == 0:
            return
        if code == _RATE_LIMITED:
            raise DeliveryDelayed("errcode 45009", retry_after=60.0)
        if code in _GONE:
            raise DeliveryRefused("chat_not_found", f"errcode {code}")
        raise DeliveryDelayed(f"errcode {code}")

    async def posts_in_last_minute(self, robot_id: int) -> int:
        async with self.sessions() as session:
            return int(await session.scalar(select(func.count()).select_from(WeComPost).where(
                WeComPost.robot_id == robot_id, WeComPost.at > utcnow() - WINDOW)) or 0)
