"""What a dialog step sees: the message, the conversation so far, the resident's profile, services."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from bot.domain.messages import Incoming, Option, Reply
from bot.services.residents import Profile

if TYPE_CHECKING:
    from knowledge_base import KnowledgeBase
    from knowledge_base.jurisdictions import Jurisdictions


@dataclass
class Conversation:
    """Transient state of one conversation; it expires when the resident goes quiet."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    options: list[str] = field(default_factory=list)
    pages: list[str] = field(default_factory=list)
    back: list[dict[str, Any]] = field(default_factory=list)
    # The last question whose topic was found: a follow-up that names none (一个月呢, 怎么申请) is
    # read with it.
    topic: str = ""

    @classmethod
    def from_json(cls, raw: dict[str, Any] | None) -> Conversation:
        if not raw:
            return cls()
        known = {k: v for k, v in raw.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def start(self, flow: str, step: str, **data: Any) -> None:
        self.flow, self.step, self.data, self.back = flow, step, dict(data), []

    def goto(self, step: str) -> None:
        """Moves to the next step, remembering this one so that 返回 can come back to it."""
        self.back.append({"step": self.step, "data": dict(self.data)})
        self.step = step

    def go_back(self) -> bool:
        if not self.back:
            return False
        previous = self.back.pop()
        self.step, self.data = previous["step"], previous["data"]
        return True

    def finish(self) -> None:
        self.flow, self.step, self.data, self.back = None, None, {}, []


class Services(Protocol):
    """The domain services the dialogs call; assembled in bot.services."""

    @property
    def kb(self) -> KnowledgeBase: ...
    @property
    def places(self) -> Jurisdictions: ...
    @property
    def tickets(self) -> Any: ...
    @property
    def screening(self) -> Any: ...
    @property
    def checkins(self) -> Any: ...
    def now(self) -> datetime: ...
    def today(self) -> date: ...


@dataclass
class Context:
    msg: Incoming
    conv: Conversation
    profile: Profile
    services: Services
    locale: str

    def reply(self, text: str, options: Sequence[Option] = ()) -> list[Reply]:
        """A single reply; the options shown are remembered so that a number picks one."""
        self.conv.options = [o.key for o in options]
        return [Reply(text, list(options))]
