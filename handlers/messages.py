"""The neutral message model every channel speaks to the dialog engine."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Attachment:
    """A file the resident sent (a photo of a damaged house); ``ref`` is the channel's handle for it."""

    kind: str
    ref: str
    caption: str = ""


@dataclass(frozen=True)
class Incoming:
    """One message from a resident.

    ``ref`` identifies the delivery (``sms:<message_id>``, ``telegram:<update_id>``) so that a
    redelivered message never files a second ticket. ``choice`` is set when the resident pressed
    a button (Telegram) rather than typed; ``max_chars`` is the channel's reply budget.
    """

    channel: str
    address: str
    text: str
    ref: str
    choice: str | None = None
    attachments: tuple[Attachment, ...] = ()
    locale_hint: str | None = None
    max_chars: int | None = None


@dataclass(frozen=True)
class Option:
    """A choice offered to the resident: a numbered line on SMS, a button on Telegram."""

    key: str
    label: str


@dataclass
class Reply:
    text: str
    options: list[Option] = field(default_factory=list)
