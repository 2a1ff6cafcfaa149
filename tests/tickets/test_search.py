"""Search reads its own indexes (the contact's last four characters; the text's trigrams: SQLite FTS5,
PostgreSQL pg_trgm) and finds exactly what a LIKE over the caller's scope finds, right after filing, after
the text changes, and for the one- and two-character Chinese words that have no trigram."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient
from sqlalchemy import delete, func, literal, or_, select, text, true
from sqlalchemy.dialects.postgresql import array

from bot.keys import SESSIONS, WORKFLOW
from bot.services.workflow import Queue, unindexed
from bot.staff_access import Actor
from bot.storage.models import Staff, Ticket
from tests.fakes import FakeGateway
from tests.tickets.support import BAOAN, CHANGTAI, LONGWU, TONGREN, file_by_sms, standard_staff
from tests.tickets.test_caseload import PHONE, listing, many, set_ticket


async def numbers(client: TestClient, token: str, q: str, status: str = "all") -> list[str]:
    body = await listing(client, token, f"status={status}&per_page=200&q={q.replace('%', '%25')}")
    assert body["total"] == len(body["tickets"]) == sum(body["counts"].values()) if status == "all" else True
    return sorted(t["number"] for t in body["tickets"])


async def like(client: TestClient, q: str, township: str | None = None, county: str | None = None) -> list[str]:
    """What the search meant before it had indexes: LIKE over the scope (the definition it must keep),
    a township's, a county's, or (neither given) everything."""
    found = [Ticket.text.contains(q, autoescape=True)]
    digits = q.lstrip("+")
    if digits.isdigit():
        found.append(Ticket.number == digits)
        if len(digits) >= 4:
            found.append(Ticket.contact.endswith(digits, autoescape=True))
    scope = Ticket.township_code == township if township else Ticket.county_code == county if county else true()
    async with client.app[SESSIONS]() as session:
        return sorted(await session.scalars(select(Ticket.number).where(scope, or_(*found))))


async def test_a_ticket_is_found_right_after_filing_and_after_its_text_changes(client: TestClient,
                                                                               gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    await many(client, 40)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 院墙倒塌需要修缮")
    assert await numbers(client, staff["longwu"], "院墙倒塌") == [number]
    assert await numbers(client, staff["longwu"], "12345678") == [number]
    assert await numbers(client, staff["tongren"], "院墙倒塌") == [number]  # the county's supervisor
    assert await numbers(client, staff["baoan"], "院墙倒塌") == []  # another township never sees it

    await set_ticket(client, number, text="求助 隆务镇 羊圈被大雪压垮")
    assert await numbers(client, staff["longwu"], "院墙倒塌") == []
    assert await numbers(client, staff["longwu"], "羊圈被大雪") == [number]

    async with client.app[SESSIONS]() as session, session.begin():
        await session.execute(delete(Ticket).where(Ticket.number == number))
    assert await numbers(client, staff["longwu"], "羊圈被大雪") == []
    if client.app[SESSIONS].kw["bind"].dialect.name == "sqlite":  # the FTS index followed every change
        async with client.app[SESSIONS]() as session:
            stale = await session.scalar(text("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH :q"),
                                         {"q": '"院墙倒塌" OR "羊圈被大雪"'})
            check = await session.scalar(text("SELECT count(*) FROM tickets_fts WHERE tickets_fts MATCH :q"),
                                         {"q": '"第1件"'})
        assert stale == 0 and check == 1


async def test_results_are_those_of_like_over_the_scope_for_short_and_long_queries(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    await many(client, 30)
    await many(client, 5, township=BAOAN)
    fire = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 家里火灾 ABC 50%_x")
    await file_by_sms(client, gateway, "+8613900005678", "求助 保安镇 火灾")
    queries = ["火", "火灾", "家里火灾", "第1", "第12件", "件", "abc", "ABC", "50%", "%_x", "_", "5678", "005678",
               "12345678", "8613812345678", "+8613812345678", "\"", "灾 A"]
    for q in queries:
        expected = await like(client, q, LONGWU)
        assert await numbers(client, staff["longwu"], q) == expected, q
    assert await numbers(client, staff["longwu"], "火") == [fire]  # one character
    assert len(await numbers(client, staff["longwu"], "第1")) == 11  # 第1件, 第10件 … 第19件
    assert len(await numbers(client, staff["tongren"], "火灾")) == 2  # the county sees both townships
    # Paging and counts of a search: a filter by status keeps the counts of every status.
    body = await listing(client, staff["longwu"], "status=resolved&q=%E4%BB%B6")
    assert body["total"] == 0 and body["tickets"] == [] and body["counts"]["pending"] == 30


async def test_one_and_two_characters_find_what_like_finds_in_every_scope(client: TestClient,
                                                                       gateway: FakeGateway) -> None:
    """Text of 1 or 2 characters has no trigram: PostgreSQL reads the text's characters and pairs
    (ix_tickets_text_grams), SQLite the scope's rows (a county's or everything straight off the table).
    Whichever way, a caseworker, a supervisor and an admin each find what LIKE finds in their scope."""
    staff = await standard_staff(client.app)
    await many(client, 25)
    await many(client, 12, township=BAOAN)
    await many(client, 8, township=CHANGTAI)  # another county
    for township, text_ in ((LONGWU, "火"), (LONGWU, "家里火灾"), (BAOAN, "火灾"), (BAOAN, "Ab 灾12"),
                            (CHANGTAI, "山火灾情"), (CHANGTAI, "🔥火"), (LONGWU, "50%_x 灾")):
        numbers_ = await many(client, 1, township=township)
        await set_ticket(client, numbers_[0], text=text_)
    queries = ["火", "灾", "火灾", "灾火", "山", "🔥", "🔥火", "1", "12", "7", "第", "第2", "件", "a", "ab", "AB",
               "b", "%", "_", "%_", "x", "\\", "雪灾"]
    for q in queries:
        assert await numbers(client, staff["longwu"], q) == await like(client, q, LONGWU), q
        assert await numbers(client, staff["tongren"], q) == await like(client, q, county=TONGREN), q
        assert await numbers(client, staff["admin"], q) == await like(client, q), q
    assert len(await numbers(client, staff["admin"], "火灾")) == 3
    assert len(await numbers(client, staff["tongren"], "火灾")) == 2  # 山火灾情 is another county's
    assert await numbers(client, staff["admin"], "雪灾") == []
    # The counts and the total of a search in a wide scope, filtered by status, are those of its matches.
    body = await listing(client, staff["admin"], "status=resolved&q=%E7%81%BE")  # 灾
    assert body["total"] == 0 and body["tickets"] == [] and body["counts"]["pending"] == 5


async def explain(client: TestClient, q: str) -> str:
    workflow = client.app[WORKFLOW]
    statement = select(Ticket.id).where(workflow._search(q))
    async with client.app[SESSIONS]() as session:
        if session.bind.dialect.name == "sqlite":
            compiled = statement.compile(session.bind, compile_kwargs={"literal_binds": True})
            rows: Any = await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}"))
            return "\n".join(str(r[-1]) for r in rows)
        # A test table is tiny, where a sequential scan is cheapest: ask whether the indexes CAN serve.
        await session.execute(text("SET LOCAL enable_seqscan = off"))
        compiled = statement.compile(session.bind, compile_kwargs={"literal_binds": True})
        return "\n".join(r[0] for r in await session.execute(text(f"EXPLAIN {compiled}")))


async def test_the_search_reads_its_indexes_not_the_scope(client: TestClient, gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    await many(client, 20)
    plan = await explain(client, "5678")
    assert "ix_tickets_contact_last4" in plan, plan
    plan = await explain(client, "屋顶漏雨")
    sqlite = client.app[SESSIONS].kw["bind"].dialect.name == "sqlite"
    assert ("tickets_fts VIRTUAL TABLE" if sqlite else "ix_tickets_text_trgm") in plan, plan
    if sqlite:
        assert "SCAN tickets" not in plan.replace("SCAN tickets_fts", ""), plan


async def test_one_or_two_characters_read_the_pairs_index_or_the_table(client: TestClient,
                                                                       gateway: FakeGateway) -> None:
    """PostgreSQL reads 火灾 off ix_tickets_text_grams, also in the generic plan it keeps for a prepared
    statement (asyncpg's, from the sixth run on; on 100,000 tickets such a plan with a LIKE read pg_trgm's
    index, every row, which this small table does not reproduce). SQLite reads an admin's or a county's
    rows straight off the table, not one lookup per row through ix_tickets_due or ix_tickets_county; a
    township's through its index."""
    await standard_staff(client.app)
    await many(client, 20)
    workflow = client.app[WORKFLOW]
    async with client.app[SESSIONS]() as session:
        staff = {s.name: Actor.of(s) for s in await session.scalars(select(Staff))}
        if session.bind.dialect.name == "postgresql":
            plan = await explain(client, "火灾")
            assert "ix_tickets_text_grams" in plan, plan
            statement = select(Ticket.status, func.count()).where(
                *workflow._filtered(staff["admin"], Queue(status="all", q="火灾"), with_status=False)
            ).group_by(Ticket.status)
            compiled = statement.compile(session.bind)
            values = [compiled.params[name] for name in compiled.positiontup or []]
            given = ", ".join(str((array(v) if isinstance(v, list) else literal(v)).compile(
                session.bind, compile_kwargs={"literal_binds": True})) for v in values)
            await session.execute(text(f"PREPARE short_search AS {compiled}"))
            await session.execute(text("SET LOCAL plan_cache_mode = force_generic_plan"))
            plan = "\n".join(r[0] for r in await session.execute(text(f"EXPLAIN EXECUTE short_search({given})")))
            assert "ix_tickets_text_grams" in plan and "ix_tickets_text_trgm" not in plan, plan
            return
        for name, index in (("admin", None), ("tongren", None), ("longwu", "ix_tickets_queue")):
            queue = Queue(status="all", q="火灾")
            grouped = unindexed(Ticket.__table__.c.status) if workflow._reads_scope(staff[name], queue) \
                else Ticket.status
            statement = select(grouped, func.count()).where(
                *workflow._filtered(staff[name], queue, with_status=False)).group_by(grouped)
            compiled = statement.compile(session.bind, compile_kwargs={"literal_binds": True})
            plan = "\n".join(str(r[-1]) for r in await session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")))
            assert (index in plan) if index else ("USING" not in plan and "SCAN tickets" in plan), (name, plan)
