"""The usual intake of a channel: the stored text is what the resident wrote, the dialog engine answers it."""

from __future__ import annotations

from collections.abc import Callable

from bot.domain.messages import Incoming, Option, Reply
from bot.services.conversations import Turn
from bot.storage.models import InboxMessage
from handlers.engine import DialogEngine


class DialogIntake:
    """An ``Intake`` (bot.services.inbox) for a channel of plain text: SMS, and the like of it."""

    def __init__(self, channel: str, engine: DialogEngine, render: Callable[[Reply], tuple[str, list[Option]]],
                 max_chars: int | None = None, rate_per_minute: int | None = None) -> None:
        self.channel = channel
        self.engine = engine
        self._render = render
        self.max_chars = max_chars
        self.rate_per_minute = rate_per_minute

    async def process(self, message: InboxMessage, turn: Turn) -> None:
        turn.say(await self.engine.handle(Incoming(
            channel=self.channel, address=message.address, text=message.text,
            ref=f"{self.channel}:{message.delivery_id}", max_chars=self.max_chars), turn))

    def render(self, reply: Reply) -> tuple[str, list[Option]]:
        return self._render(reply)
