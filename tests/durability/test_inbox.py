"""The inbox: order per number, answers held back (not dropped), one unit per message, replays."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import func, select, update

from bot.app import create_app
from bot.keys import INBOX, SESSIONS, STATE
from bot.settings import Settings
from bot.state import MemoryStore
from bot.storage.models import ConversationState, InboxMessage, OutboundMessage, Ticket, utcnow
from tests.conftest import TELEGRAM_TOKEN
from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import send_sms, send_tg, tg_update


async def count(client: TestClient, model: Any, *where: Any) -> int:
    async with client.app[SESSIONS]() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


async def test_a_number_s_messages_are_answered_in_the_order_they_arrived(client: TestClient,
                                                                         gateway: FakeGateway) -> None:
    """求助 then 隆务镇, sent back to back: the second answers the first's question, for every number."""
    phones = [f"+86139000{n:05d}" for n in range(20)]

    async def resident(phone: str) -> None:
        assert (await send_sms(client, phone, "求助")).status == 200
        assert (await send_sms(client, phone, "隆务镇")).status == 200

    await asyncio.gather(*(resident(p) for p in phones))
    for phone in phones:
        got = [m["text"] for m in await gateway.wait_for(phone, 2, timeout=20)]
        assert len(got) == 2, phone
        assert "哪个乡镇" in got[0] and "遇到了什么困难" in got[1], got


async def test_messages_over_the_rate_limit_are_answered_later_not_dropped(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr("bot.channels.sms.RATE_LIMIT_PER_MINUTE", 2)
    monkeypatch.setattr("bot.services.inbox.RATE_WINDOW", timedelta(seconds=1.5))
    caplog.set_level(logging.INFO)
    client = await aiohttp_client(create_app(sms_settings))
    phone = "+8613900011111"
    started = time.monotonic()
    for text in ("菜单", "同仁市", "正安县", "城厢区", "菜单"):
        assert (await send_sms(client, phone, text)).status == 200
    got = await gateway.wait_for(phone, 5, timeout=20)
    elapsed = time.monotonic() - started
    assert len(got) == 5
    # Held back to two answers per window, in the order they were sent.
    assert elapsed >= 2.5
    assert "同仁市" in got[1]["text"] and "正安县" in got[2]["text"] and "城厢区" in got[3]["text"]
    assert any(r.getMessage() == "inbox.rate_limited" for r in caplog.records)


async def guided_to_confirmation(client: TestClient, gateway: FakeGateway, phone: str) -> None:
    for index, text in enumerate(["求助", "隆务镇", "1", "家里两位老人都没有收入"], 1):
        assert (await send_sms(client, phone, text)).status == 200
        assert len(await gateway.wait_for(phone, index)) == index
    assert "请确认" in gateway.to(phone)[-1]["text"]


async def test_a_crash_before_the_commit_leaves_nothing_and_the_rerun_files_once(
        client: TestClient, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """The final 确认提交 dies after filing, before its reply is queued: no ticket, no moved state;
    the message is taken again and answered with the ticket number, filed once."""
    phone = "+8613900022222"
    await guided_to_confirmation(client, gateway, phone)
    from bot.services import inbox as inbox_module

    real_enqueue = inbox_module.enqueue_claimed
    crashed: list[int] = []

    async def crash_once(*args: Any, **kwargs: Any) -> list[Any]:
        if not crashed:
            crashed.append(1)
            raise RuntimeError("process died here")
        return await real_enqueue(*args, **kwargs)

    monkeypatch.setattr(inbox_module, "enqueue_claimed", crash_once)
    assert (await send_sms(client, phone, "1")).status == 200
    for _ in range(50):
        if crashed:
            break
        await asyncio.sleep(0.05)
    assert crashed
    assert await count(client, Ticket) == 0
    async with client.app[SESSIONS]() as session:
        conversation = await session.scalar(select(ConversationState.data))
    assert conversation is not None and conversation["step"] == "confirm"

    got = await gateway.wait_for(phone, 5, timeout=15)
    assert len(got) == 5 and re.search(r"编号 \d+（隆务镇）", got[-1]["text"]), got[-1]
    await asyncio.sleep(0.5)
    assert len(gateway.to(phone)) == 5
    assert await count(client, Ticket) == 1


async def test_a_message_that_keeps_failing_is_set_aside_and_the_next_is_answered(
        aiohttp_client: Any, make_settings: Any, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    from tests.conftest import SMS_SECRET

    settings = make_settings(sms_secret=SMS_SECRET, sms_gateway_url=gateway.url, inbox_max_attempts=2)
    client = await aiohttp_client(create_app(settings))
    from handlers.engine import DialogEngine

    real_handle = DialogEngine.handle

    async def broken_for_one_text(self: DialogEngine, msg: Any, turn: Any = None) -> Any:
        if msg.text == "会出错的消息":
            raise ValueError("a bug in a dialog")
        return await real_handle(self, msg, turn)

    monkeypatch.setattr(DialogEngine, "handle", broken_for_one_text)
    phone = "+8613900033333"
    await send_sms(client, phone, "会出错的消息")
    await send_sms(client, phone, "菜单")
    got = await gateway.wait_for(phone, 1, timeout=15)
    assert len(got) == 1 and "民生助手" in got[0]["text"]
    assert await count(client, InboxMessage, InboxMessage.status == "failed") == 1
    assert any(r.getMessage() == "inbox.gave_up" for r in caplog.records)


async def test_a_replay_after_redis_forgot_or_a_day_later_is_not_answered_again(
        tg_client: TestClient, botapi: FakeBotApi) -> None:
    update = tg_update(7101, "求助 隆务镇 家里老人生病")
    assert (await send_tg(tg_client, update)).status == 200
    assert len(await botapi.wait_sent(7101, 1)) == 1
    # Redis restarted without persistence (or the process's memory is new), and a day went by.
    state = tg_client.app[STATE]
    if isinstance(state, MemoryStore):
        state._data.clear()
    else:
        await state.redis.flushdb()  # type: ignore[attr-defined]
    async with tg_client.app[SESSIONS]() as session, session.begin():
        await session.execute(update_received_at(days=2))
    for _ in range(2):
        assert (await send_tg(tg_client, update)).status == 200
    await asyncio.sleep(1.0)
    assert len(botapi.sent(7101)) == 1
    assert await count(tg_client, Ticket) == 1
    assert await count(tg_client, InboxMessage) == 1


def update_received_at(days: int) -> Any:
    return update(InboxMessage).values(received_at=utcnow() - timedelta(days=days))


async def test_polling_confirms_updates_only_once_they_are_stored(
        aiohttp_client: Any, make_settings: Any, botapi: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    """While storing fails, getUpdates keeps asking from the same offset; nothing is skipped or doubled."""
    settings = make_settings(telegram_token=TELEGRAM_TOKEN, telegram_mode="polling", telegram_api_server=botapi.url)
    first = tg_update(7201, "/start")
    botapi.updates.append(first)
    from bot.services.inbox import Inbox

    real_store = Inbox.store
    failures: list[int] = []

    async def unavailable_twice(self: Inbox, delivery: Any) -> int | None:
        if len(failures) < 2:
            failures.append(1)
            raise ConnectionRefusedError("database down")
        return await real_store(self, delivery)

    monkeypatch.setattr(Inbox, "store", unavailable_twice)
    client = await aiohttp_client(create_app(settings))
    assert len(await botapi.wait_sent(7201, 1, timeout=15)) == 1
    botapi.updates.append(tg_update(7201, "同仁市"))
    assert len(await botapi.wait_sent(7201, 2, timeout=15)) == 2
    offsets = [f.get("offset") for m, f in botapi.calls if m == "getUpdates"]
    # Asked from the start until the first update was stored, then past it.
    assert offsets[:3] == [None, None, None] and first["update_id"] + 1 in offsets
    assert len(failures) == 2
    await asyncio.sleep(0.5)
    assert len(botapi.sent(7201)) == 2
    await client.close()


async def test_a_telegram_reply_waits_in_the_outbox_until_the_bot_api_is_back(
        tg_client: TestClient, botapi: FakeBotApi) -> None:
    """Ten residents file requests while the Bot API fails; each gets its one ticket number after."""
    botapi.down = True
    chats = list(range(7301, 7311))
    for chat in chats:
        assert (await send_tg(tg_client, tg_update(chat, "求助 隆务镇 房子漏雨"))).status == 200
    for _ in range(100):
        if await count(tg_client, Ticket) == len(chats) and botapi.refused >= len(chats):
            break
        await asyncio.sleep(0.1)
    assert not botapi.sent() and botapi.refused >= len(chats)
    botapi.down = False
    for chat in chats:
        sent = await botapi.wait_sent(chat, 1, timeout=15)
        assert len(sent) == 1 and re.search(r"编号 \d+（隆务镇）", sent[0]["text"])
    await asyncio.sleep(0.5)
    assert all(len(botapi.sent(chat)) == 1 for chat in chats)
    assert await count(tg_client, OutboundMessage, OutboundMessage.status != "sent") == 0


async def test_an_update_of_a_type_aiogram_does_not_know_is_stored_and_logged_by_name_only(
        tg_client: TestClient, botapi: FakeBotApi, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    update = {"update_id": 990_001, "purchased_paid_media_v99": {
        "from": {"id": 7501, "is_bot": False, "first_name": "居民"}, "text": "我的电话 13812345678，家里老人卧病在床"}}
    assert (await send_tg(tg_client, update)).status == 200
    for _ in range(100):
        if await count(tg_client, InboxMessage, InboxMessage.status == "processed") == 1:
            break
        await asyncio.sleep(0.05)
    assert await count(tg_client, InboxMessage, InboxMessage.status == "processed") == 1
    unknown = [r for r in caplog.records if r.getMessage() == "telegram.update_unknown_type"]
    assert len(unknown) == 1 and unknown[0].__dict__["fields"] == ["purchased_paid_media_v99"]
    logged = "\n".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "13812345678" not in logged and "卧病" not in logged
    assert not botapi.sent(7501)


async def test_a_telegram_update_whose_processing_fails_is_taken_again_not_marked_done(
        tg_client: TestClient, botapi: FakeBotApi, monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers.engine import DialogEngine

    real_handle = DialogEngine.handle
    failed: list[int] = []

    async def fails_once(self: DialogEngine, msg: Any, turn: Any = None) -> Any:
        if not failed:
            failed.append(1)
            raise RuntimeError("the process died here")
        return await real_handle(self, msg, turn)

    monkeypatch.setattr(DialogEngine, "handle", fails_once)
    assert (await send_tg(tg_client, tg_update(7601, "求助 隆务镇 家里老人生病"))).status == 200
    sent = await botapi.wait_sent(7601, 1, timeout=15)
    assert failed and len(sent) == 1 and re.search(r"编号 \d+（隆务镇）", sent[0]["text"])
    assert await count(tg_client, Ticket) == 1
    async with tg_client.app[SESSIONS]() as session:
        attempts = await session.scalar(select(InboxMessage.attempts))
    assert attempts == 1


async def test_a_staff_button_pressed_while_telegram_fails_acts_once(
        tg_client: TestClient, botapi: FakeBotApi, gateway: FakeGateway, caplog: pytest.LogCaptureFixture) -> None:
    """受理 is done even though Telegram cannot confirm it: the update is not taken again to repeat it."""
    from tests.tickets.support import bot_message, file_by_sms, group_button, settle, standard_staff, ticket_row
    from tests.tickets.test_telegram_staff import CASEWORKER_TG, GROUP, link_group_and_caseworker

    caplog.set_level(logging.INFO)
    staff = await standard_staff(tg_client.app)
    await link_group_and_caseworker(tg_client, botapi, staff)
    number = await file_by_sms(tg_client, gateway, "+8613812340071", "求助 隆务镇 房子漏雨")
    await settle(tg_client.app)
    [post] = [m for m in botapi.sent(GROUP) if number in m["text"]]
    accept = {b["text"]: b["callback_data"] for row in post["reply_markup"]["inline_keyboard"] for b in row}["受理"]
    botapi.down = True
    assert (await send_tg(tg_client, group_button(GROUP, CASEWORKER_TG, accept, bot_message(GROUP, 900,
                                                                                          post["text"])))).status == 200
    # The failed confirmation is logged before the update is marked processed: wait for both (a loaded
    # machine takes seconds), then check that nothing is left to take again.
    deadline = asyncio.get_running_loop().time() + 30
    while asyncio.get_running_loop().time() < deadline:
        if (any(r.getMessage() == "telegram_staff.confirmation_failed" for r in caplog.records)
                and await count(tg_client, InboxMessage, InboxMessage.status != "processed") == 0):
            break
        await asyncio.sleep(0.05)
    assert any(r.getMessage() == "telegram_staff.confirmation_failed" for r in caplog.records)
    assert (await ticket_row(tg_client.app, number)).status == "accepted"
    assert await count(tg_client, InboxMessage, InboxMessage.status != "processed") == 0
    assert await count(tg_client, InboxMessage, InboxMessage.attempts > 0) == 0
    botapi.down = False


async def test_while_draining_the_webhooks_say_come_back_and_store_nothing(
        tg_client: TestClient, botapi: FakeBotApi) -> None:
    tg_client.app[INBOX].draining = True
    for response in (await send_sms(tg_client, "+8613812340072", "菜单"),
                     await send_tg(tg_client, tg_update(7701, "菜单")), await tg_client.get("/healthz")):
        assert response.status == 503 and response.headers["Retry-After"] == "2"
    assert (await (await tg_client.get("/healthz")).json())["status"] == "draining"
    assert await count(tg_client, InboxMessage) == 0


async def test_a_drain_gives_back_messages_claimed_but_not_started(client: TestClient,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A claim takes more than the free slots (the rest start as slots free): draining gives those
    back at once, with the ones under way, so another process takes them without waiting for a lease."""
    inbox = client.app[INBOX]
    intake = inbox.intakes["sms"]
    stuck = asyncio.Event()

    async def slow(message: Any, turn: Any) -> None:
        await stuck.wait()

    monkeypatch.setattr(intake, "process", slow)
    now = utcnow()
    async with client.app[SESSIONS]() as session, session.begin():
        for n in range(3 * inbox.concurrency):
            session.add(InboxMessage(channel="sms", delivery_id=f"drain-{n}", address=f"+86139555{n:05d}",
                                     text="菜单", status="received", attempts=0, received_at=now,
                                     next_attempt_at=now))
    for _ in range(100):
        if inbox.in_progress == inbox.concurrency:
            break
        await asyncio.sleep(0.05)
    assert inbox.in_progress == inbox.concurrency
    leased = await count(client, InboxMessage, InboxMessage.locked_until.is_not(None))
    assert leased > inbox.concurrency  # claimed ahead of the free slots
    await inbox.drain(0.2)
    assert await count(client, InboxMessage, InboxMessage.locked_until.is_not(None)) == 0
    assert await count(client, InboxMessage, InboxMessage.status == "received") == 3 * inbox.concurrency
    stuck.set()


async def test_a_message_processed_outside_a_claim_still_keeps_to_its_addresss_rate(
        client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    """A rerun (or ``Inbox.process``) judges the rate itself: an address answered ``rate_per_minute``
    times in the window has its next message given back, due when the window allows, not answered."""
    inbox = client.app[INBOX]
    monkeypatch.setattr(inbox.intakes["sms"], "rate_per_minute", 2)
    inbox.draining = True  # nothing claims it meanwhile
    phone, now = "+8613900033333", utcnow()
    async with client.app[SESSIONS]() as session, session.begin():
        for n in range(2):
            session.add(InboxMessage(channel="sms", delivery_id=f"rate-{n}", address=phone, text="菜单",
                                     status="processed", attempts=1, received_at=now, next_attempt_at=now,
                                     processed_at=now - timedelta(seconds=n)))
        waiting = InboxMessage(channel="sms", delivery_id="rate-2", address=phone, text="菜单", status="received",
                               attempts=0, received_at=now, next_attempt_at=now)
        session.add(waiting)
    await inbox.process(waiting.id)
    async with client.app[SESSIONS]() as session:
        row = await session.get(InboxMessage, waiting.id)
    assert row is not None and row.status == "received"
    assert row.next_attempt_at is not None and row.next_attempt_at > now


async def test_a_conversation_moved_by_another_unit_before_the_deferred_write_reruns_the_message(
        client: TestClient, gateway: FakeGateway, monkeypatch: pytest.MonkeyPatch) -> None:
    """The conversation (and profile) a message moves are written with its reply, after the dialogs ran: when
    another unit moved the conversation meanwhile, the message's unit writes nothing, rolls back and runs again
    on the state as it is now; answered once, the conversation's version moved once more."""
    from bot.channels.intake import DialogIntake

    phone = "+8613900033333"
    assert (await send_sms(client, phone, "求助")).status == 200
    assert len(await gateway.wait_for(phone, 1)) == 1
    real_process = DialogIntake.process
    moved: list[int] = []

    async def process_then_move(self: DialogIntake, message: InboxMessage, turn: Any) -> None:
        await real_process(self, message, turn)
        if not moved:
            moved.append(message.id)
            async with client.app[SESSIONS]() as other, other.begin():
                await other.execute(update(ConversationState).where(ConversationState.address == phone)
                                    .values(version=ConversationState.version + 1))

    monkeypatch.setattr(DialogIntake, "process", process_then_move)
    assert (await send_sms(client, phone, "隆务镇")).status == 200
    got = await gateway.wait_for(phone, 2, timeout=15)
    await asyncio.sleep(0.5)
    assert moved and len(gateway.to(phone)) == 2
    assert "遇到了什么困难" in got[1]["text"]
    async with client.app[SESSIONS]() as session:
        version = await session.scalar(select(ConversationState.version).where(ConversationState.address == phone))
    assert version == 3  # 1 after 求助, 2 by the other unit, 3 after 隆务镇
    assert await count(client, InboxMessage, InboxMessage.status == "processed") == 2


async def test_a_message_s_processed_mark_travels_with_its_reply(client: TestClient, gateway: FakeGateway) -> None:
    """On PostgreSQL each message's "processed" mark is written by its first reply's statement (one round trip
    a message less), on SQLite beside it; either way every message is marked once and answered once."""
    from sqlalchemy import event

    from bot.keys import DB_ENGINE

    seen: list[str] = []

    def note(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(" ".join(statement.split()))

    engine = client.app[DB_ENGINE].sync_engine
    phones = [f"+86139005{n:05d}" for n in range(6)]
    event.listen(engine, "before_cursor_execute", note)
    try:
        for phone in phones:
            assert (await send_sms(client, phone, "菜单")).status == 200
        for phone in phones:
            assert len(await gateway.wait_for(phone, 1, timeout=15)) == 1
    finally:
        event.remove(engine, "before_cursor_execute", note)
    marks = [s for s in seen if s.startswith("UPDATE inbox SET status")]
    replies = [s for s in seen if "INSERT INTO outbox" in s]
    conversations = [s for s in seen if s.startswith("INSERT INTO conversations")]
    assert len(replies) == len(phones)
    if engine.dialect.name == "postgresql":
        # The mark and each new resident's first conversation, in the reply's statement.
        assert marks == [] and conversations == []
        assert all(s.startswith("WITH") and "UPDATE inbox SET status" in s and "INSERT INTO conversations" in s
                   for s in replies)
    else:
        assert len(marks) == len(phones) and len(conversations) == len(phones)
    assert await count(client, InboxMessage, InboxMessage.status == "processed") == len(phones)


async def test_each_message_of_a_claim_is_answered_for_its_own_sender(client: TestClient,
                                                                      gateway: FakeGateway) -> None:
    """The claim reads every sender's profile and conversation at once (issue 13): residents of two
    places asking the same thing together each get their own place's figure."""
    phones = [f"+86139001{n:05d}" for n in range(16)]
    place = {phone: ("正安县" if n % 2 else "城厢区") for n, phone in enumerate(phones)}
    for phone in phones:
        assert (await send_sms(client, phone, place[phone])).status == 200
    for phone in phones:
        assert len(await gateway.wait_for(phone, 1, timeout=20)) == 1
    sent = await asyncio.gather(*(send_sms(client, phone, "低保标准一年多少") for phone in phones))
    assert all(response.status == 200 for response in sent)
    for phone in phones:
        answer = (await gateway.wait_for(phone, 2, timeout=20))[1]["text"]
        own, other = ("3876", "7920") if place[phone] == "正安县" else ("7920", "3876")
        assert own in answer and other not in answer, (phone, answer)
