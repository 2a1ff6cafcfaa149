"""The check a message makes for a recent staff reply (handlers.status.answer_to_staff), answered from what
its unit read with the resident (bot.services.conversations) when that rules every ticket out."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.services.tickets import Filing, TicketService, latest_reply_of
from bot.storage.db import make_engine, make_sessionmaker
from bot.storage.models import TicketEvent, utcnow
from knowledge_base.jurisdictions import jurisdictions

PHONE = "+8613800000077"


async def test_a_bound_view_answers_from_what_its_unit_read_until_it_writes(database_url: str) -> None:
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    try:
        tickets = TicketService(sessions, jurisdictions())
        ticket = await tickets.file(Filing(kind="help", county_code="520324", township_code="520324101",
                                           text="房子漏雨", channel="sms", contact=PHONE))
        since = utcnow() - timedelta(hours=1)
        async with sessions() as session, session.begin():
            # No staff reply yet.
            assert (await session.execute(select(latest_reply_of("sms", PHONE)))).scalar_one() is None
            session.add(TicketEvent(ticket_id=ticket.id, at=utcnow(), type="reply", by="staff", text="几间？"))
        async with sessions() as session, session.begin():
            latest = (await session.execute(select(latest_reply_of("sms", PHONE)))).scalar_one()
            assert latest is not None and latest >= since
            view = tickets.bound(session)
            view.note_latest_reply("sms", PHONE, latest)
            assert [t.number for t in await view.open_for_contact("sms", PHONE, replied_since=since)] == [ticket.number]
            # What a unit that read before the reply was written knows: no question is asked.
            view.note_latest_reply("sms", PHONE, None)
            assert await view.open_for_contact("sms", PHONE, replied_since=since) == []
            # A reply older than the window rules the ticket out too.
            view.note_latest_reply("sms", PHONE, since - timedelta(seconds=1))
            assert await view.open_for_contact("sms", PHONE, replied_since=since) == []
            # Once the view writes, it asks the database again.
            await view.add_resident_reply(ticket, "三间")
            assert [t.number for t in await view.open_for_contact("sms", PHONE, replied_since=since)] == [ticket.number]
            # Without replied_since the note is not used.
            view.note_latest_reply("sms", PHONE, None)
            assert [t.number for t in await view.open_for_contact("sms", PHONE)] == [ticket.number]
    finally:
        await engine.dispose()
