"""The neutral message model every channel speaks to the dialog engine, and how long a message is on SMS.

It sits below both the dialogs and the services: the outbox queues replies with their options, and a
staff reply is paged to the SMS budget the same way a dialog's answer is.
"""

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
    # The channel shows options as buttons (Telegram): no "reply a number" in the text, and 返回/取消 as buttons.
    buttons: bool = False


@dataclass(frozen=True)
class Option:
    """A choice offered to the resident: a numbered line on SMS, a button on Telegram."""

    key: str
    label: str


@dataclass
class Reply:
    text: str
    options: list[Option] = field(default_factory=list)


def ucs2_len(text: str) -> int:
    """Length in UTF-16 code units, which is what an SMS segment counts (an emoji takes two)."""
    return len(text.encode("utf-16-le")) // 2


_SENTENCE_ENDS = "\n。；;！!？?"
_BREAKS = "，,、 "


def split_pages(text: str, budget: int) -> list[str]:
    """Cuts text into pieces of at most ``budget`` characters, at the latest natural break."""
    pages: list[str] = []
    rest = text.strip()
    while ucs2_len(rest) > budget:
        limit = budget
        while ucs2_len(rest[:limit]) > budget:
            limit -= 1
        # A sentence's end if one is in the second half of the page, else a pause within a sentence.
        cut = max(rest.rfind(ch, 0, limit) for ch in _SENTENCE_ENDS)
        if cut < limit // 2:
            cut = max(rest.rfind(ch, 0, limit) for ch in _SENTENCE_ENDS + _BREAKS)
        cut = cut + 1 if cut >= limit // 2 else limit
        pages.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    pages.append(rest)
    return pages
