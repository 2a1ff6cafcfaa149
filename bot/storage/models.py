"""The schema. Every change here comes with an Alembic migration in bot/migrations/versions."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar, cast

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    literal_column,
)
from sqlalchemy import text as sql_text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on both SQLite (which drops the zone) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


def table_of(model: type[Base]) -> Table:
    """A model's table, for Core statements on the hot paths (cheaper than the ORM's bulk ones)."""
    return cast(Table, model.__table__)


class Resident(Base):
    """A person reachable on one channel address, with the preferences they set."""

    __tablename__ = "residents"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_residents_channel_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    region_code: Mapped[str | None] = mapped_column(String(12))
    locale: Mapped[str | None] = mapped_column(String(16))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class InboxMessage(Base):
    """A message from a resident (or staff) on any channel, stored before the sender is answered.

    ``delivery_id`` is the channel's own id for the delivery (an SMS gateway's message_id, a
    Telegram update_id), unique per channel: a redelivery finds its row and changes nothing.
    Rows are processed in ``id`` order per (channel, address), each under a lease.
    """

    __tablename__ = "inbox"
    __table_args__ = (
        UniqueConstraint("channel", "delivery_id", name="uq_inbox_delivery"),
        # The waiting rows alone, in claiming order (migration 0012): a claim does not walk processed rows.
        Index("ix_inbox_waiting", "id", postgresql_where=sql_text("status = 'received'"),
              sqlite_where=sql_text("status = 'received'")),
        Index("ix_inbox_address", "channel", "address", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    delivery_id: Mapped[str] = mapped_column(String(128))
    address: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    # What else the channel delivered (a Telegram update as received, the number an SMS was sent to).
    payload: Mapped[dict[str, Any] | None] = mapped_column()
    status: Mapped[str] = mapped_column(String(16), default="received")  # received | processed | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    processed_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))


class ConversationState(Base):
    """Where a resident is in a dialog (flow, step, options shown, pages left), kept with its messages.

    Written in the same transaction as the message that moved it, its ticket and its replies, so a
    message is processed entirely or not at all; ``version`` makes a concurrent rerun fail instead
    of overwriting.
    """

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_conversations_channel_address"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict[str, Any]] = mapped_column()
    version: Mapped[int] = mapped_column(Integer, default=1)
    expires_at: Mapped[datetime] = mapped_column(index=True)


class OutboundMessage(Base):
    """A message to a resident (or a staff group), delivered in order per address with retries.

    ``failed`` after a permanent refusal or when retries ran out; the row is kept.
    """

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_address", "channel", "address", "id"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    options: Mapped[list[Any]] = mapped_column(default=list)
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | sent | failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()
    # The ticket this message is about, so that a failed delivery shows on the ticket.
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))


class Ticket(Base):
    """A help request or a 防止返贫监测 application in a township's queue."""

    __tablename__ = "tickets"
    __table_args__ = (
        # The counts per status, the total and the overdue filter of a township's or a county's queue
        # read these alone (covering), never the rows.
        Index("ix_tickets_queue", "township_code", "status", "kind", "urgent", "due_at", "first_answered_at",
              "aid_due_at"),
        Index("ix_tickets_county", "county_code", "status", "kind", "urgent", "due_at", "first_answered_at",
              "aid_due_at"),
        Index("ix_tickets_due", "status", "due_at"),
        Index("ix_tickets_assignee", "assignee", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    # Where the request came from (e.g. "sms:<message_id>"), so a redelivered message never files twice.
    source_ref: Mapped[str | None] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # help | monitoring
    category: Mapped[str] = mapped_column(String(32), default="other")
    county_code: Mapped[str] = mapped_column(String(12))
    township_code: Mapped[str | None] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(16))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    channel: Mapped[str] = mapped_column(String(16))
    contact: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    text: Mapped[str] = mapped_column(Text)
    attachments: Mapped[list[Any]] = mapped_column(default=list)
    screening: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    due_at: Mapped[datetime] = mapped_column()
    aid_due_at: Mapped[datetime | None] = mapped_column()
    first_answered_at: Mapped[datetime | None] = mapped_column()
    escalated_at: Mapped[datetime | None] = mapped_column()
    # An urgent request still open past its aid deadline is escalated once more, on its own.
    aid_escalated_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    # The staff member (by account name) working the ticket, or None; always of the ticket's township.
    assignee: Mapped[str | None] = mapped_column(String(64))
    # Filed by a village cadre for the resident (issue 15): who, and the note of the resident's consent.
    filed_by_staff_id: Mapped[int | None] = mapped_column(ForeignKey("staff.id", ondelete="SET NULL"), index=True)
    consent_note: Mapped[str | None] = mapped_column(Text)
    # 回访 after 已办结: when it is due, and what the resident said (state: sent | skipped | resolved |
    # unresolved). A reopened ticket keeps its 回访 so the township's record shows it.
    followup_due_at: Mapped[datetime | None] = mapped_column(index=True)
    followup_state: Mapped[str | None] = mapped_column(String(16))
    followup_sent_at: Mapped[datetime | None] = mapped_column()
    followup_answered_at: Mapped[datetime | None] = mapped_column()
    followup_score: Mapped[int | None] = mapped_column(Integer)
    reopened_at: Mapped[datetime | None] = mapped_column()
    # Contact and texts removed (retention, or the resident's 删除我的信息); the counts stay.
    purged_at: Mapped[datetime | None] = mapped_column()

    events: Mapped[list[TicketEvent]] = relationship(
        back_populates="ticket", order_by="TicketEvent.id", cascade="all, delete-orphan", lazy="selectin"
    )


# The queue's order (urgent first, then the soonest deadline) per township and per county, so that a page
# is read off the index in order and the reading stops at the page's end.
Index("ix_tickets_township_order", Ticket.township_code, Ticket.urgent.desc(), Ticket.due_at, Ticket.id)
Index("ix_tickets_county_order", Ticket.county_code, Ticket.urgent.desc(), Ticket.due_at, Ticket.id)
# ... and for all areas (an admin's queue) on PostgreSQL, which otherwise sorts the whole table for a page
# (migration 0011; SQLite's admin pages read the table, see Workflow._reads_scope).
Index("ix_tickets_order", Ticket.urgent.desc(), Ticket.due_at, Ticket.id).ddl_if(dialect="postgresql")

# Search (migration 0008): the contact's last four characters, an expression always in step with the
# contact (a search by the last 4+ digits matches it with "=" and then checks the whole ending) ...
contact_last4 = func.substr(Ticket.contact, func.length(Ticket.contact) - literal_column("3"))
Index("ix_tickets_contact_last4", contact_last4)
# ... and the text: on PostgreSQL a pg_trgm GIN index for LIKE '%…%'; on SQLite the FTS5 trigram table
# tickets_fts with its triggers, which the migration creates (a virtual table, outside the models).
Index("ix_tickets_text_trgm", Ticket.text, postgresql_using="gin",
      postgresql_ops={"text": "gin_trgm_ops"}).ddl_if(dialect="postgresql")
FTS_TABLE = "tickets_fts"
# ... and for 1 and 2 characters (no trigram), on PostgreSQL a GIN index on the text's characters and
# two-character sequences (migration 0010 creates the function): ``text_grams @> ARRAY['火灾']``.
text_grams = func.ticket_text_grams(Ticket.text, type_=postgresql.ARRAY(Text))
Index("ix_tickets_text_grams", text_grams, postgresql_using="gin",
      postgresql_with={"fastupdate": "off"}).ddl_if(dialect="postgresql")


class TicketEvent(Base):
    """One entry in a ticket's append-only history: who did what, when."""

    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    type: Mapped[str] = mapped_column(String(32))
    by: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text, default="")
    data: Mapped[dict[str, Any] | None] = mapped_column()

    ticket: Mapped[Ticket] = relationship(back_populates="events")


class Staff(Base):
    """A caseworker (one township), supervisor (one county) or admin (everything)."""

    __tablename__ = "staff"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    township_code: Mapped[str | None] = mapped_column(String(12))
    county_code: Mapped[str | None] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(128), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    telegram_user_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A disabled account signs in nowhere: no token, no console session, no Telegram.
    disabled_at: Mapped[datetime | None] = mapped_column()
    # Raised when the password changes or the account is disabled: a console session made under an
    # older value is over, in every process, on its next request.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class StaffGroup(Base):
    """A Telegram group linked to a township's (or a county's) queue: new tickets and escalations go there."""

    __tablename__ = "staff_groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    place_code: Mapped[str] = mapped_column(String(12), index=True)
    linked_by: Mapped[str] = mapped_column(String(64))
    linked_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkCode(Base):
    """A one-time code made in the console to link a Telegram group or a staff member's Telegram account.

    Only its hash is stored; it expires after minutes and works once, so a code seen by the wrong
    person is useless soon, and the staff member's long-lived API token never travels through Telegram.
    """

    __tablename__ = "staff_link_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(8))  # group | user
    staff_id: Mapped[int] = mapped_column(ForeignKey("staff.id", ondelete="CASCADE"))
    place_code: Mapped[str | None] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()


class WeComRobot(Base):
    """A 企业微信 group robot (its webhook key) for a township's (or a county's) queue, set by an admin.

    New tickets, escalations and transfers of that queue are posted to it through the outbox
    (channel ``wecom``, address the robot's id).
    """

    __tablename__ = "wecom_robots"
    __table_args__ = (UniqueConstraint("place_code", "key", name="uq_wecom_robots_place_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    place_code: Mapped[str] = mapped_column(String(12), index=True)
    # The ``key`` of https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…: whoever has it can post.
    key: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(64))
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class WeComPost(Base):
    """One post made to a robot, for its per-minute limit; kept an hour."""

    __tablename__ = "wecom_posts"
    __table_args__ = (Index("ix_wecom_posts_robot", "robot_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    robot_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    messages: Mapped[int] = mapped_column(Integer, default=1)


class SmsReceipt(Base):
    """A delivery receipt (SmsReport) pushed by the SMS platform, once per message and phone.

    ``ref`` is the outbox message's ref, sent as the platform's ``OutId``: a receipt that says
    delivered marks it so here; a failure fails the outbox message and shows on its ticket.
    """

    __tablename__ = "sms_receipts"
    __table_args__ = (UniqueConstraint("biz_id", "phone", name="uq_sms_receipts_biz_phone"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    biz_id: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str | None] = mapped_column(String(64), index=True)
    delivered: Mapped[bool] = mapped_column(Boolean)
    err_code: Mapped[str | None] = mapped_column(String(64))
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)


class CheckIn(Base):
    """A household enrolled for periodic check-ins (主动发现), on one channel address.

    ``next_due_at`` is moved forward by the process that sends a round, with a compare-and-set on
    its old value, so however many processes run the job, one of them sends each round.
    """

    __tablename__ = "checkins"
    __table_args__ = (UniqueConstraint("channel", "address", name="uq_checkins_channel_address"),
                      Index("ix_checkins_due", "active", "next_due_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(16))
    address: Mapped[str] = mapped_column(String(64))
    county_code: Mapped[str] = mapped_column(String(12))
    township_code: Mapped[str | None] = mapped_column(String(12), index=True)
    locale: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    # How the household agreed: resident (the 定期问候 command), filing, screening, or staff (enrolled by staff).
    consent: Mapped[str] = mapped_column(String(16))
    enrolled_by: Mapped[str] = mapped_column(String(64))
    enrolled_at: Mapped[datetime] = mapped_column(default=utcnow)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by: Mapped[str | None] = mapped_column(String(64))
    next_due_at: Mapped[datetime] = mapped_column()

    rounds: Mapped[list[CheckInRound]] = relationship(
        back_populates="checkin", order_by="CheckInRound.id", cascade="all, delete-orphan", lazy="selectin")


class CheckInRound(Base):
    """One check-in sent, and the answer if one came (1 没有变化, 2 收入少了, 3 大病/灾/事故)."""

    __tablename__ = "checkin_rounds"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkin_id: Mapped[int] = mapped_column(ForeignKey("checkins.id", ondelete="CASCADE"), index=True)
    sent_at: Mapped[datetime] = mapped_column()
    answer: Mapped[int | None] = mapped_column(Integer)
    answered_at: Mapped[datetime | None] = mapped_column()
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("tickets.id", ondelete="SET NULL"))

    checkin: Mapped[CheckIn] = relationship(back_populates="rounds")
