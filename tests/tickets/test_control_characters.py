"""A NUL or another control character pasted into a staff reply, a note or a question is dropped at the
boundary: stored and answered without it, never a 500 (PostgreSQL refuses a NUL outright)."""

from __future__ import annotations

import asyncio

from aiohttp.test_utils import TestClient

from tests.fakes import FakeGateway
from tests.tickets.support import bearer, file_by_sms, settle, standard_staff, texts, ticket_row
from tests.tickets.test_console import csrf_of, sign_in

PHONE = "+8613812340097"


async def test_a_nul_in_an_api_reply_and_a_transition_note_is_dropped_and_the_resident_told(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 家里没有收入")
    before = len(gateway.to(PHONE))
    response = await client.post(f"/api/v1/tickets/{number}/replies", json={"text": "明天\u0000上午\u001b上门"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 201 and (await response.json())["event"]["text"] == "明天上午上门"
    response = await client.post(f"/api/v1/tickets/{number}/transition", headers=bearer(staff["longwu"]),
                                 json={"to": "rejected", "note": "不符合\u0000条件\u007f"})
    assert response.status == 200
    # Nothing but control characters is no text at all: refused, nothing stored.
    response = await client.post(f"/api/v1/tickets/{number}/replies", json={"text": "\u0000\u0000"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 422 and (await response.json())["error"]["field"] == "text"

    events = [(e.type, e.text) for e in (await ticket_row(client.app, number)).events]
    assert ("reply", "明天上午上门") in events
    assert any(kind == "status" and "不符合条件" in text for kind, text in events)
    assert not any("\x00" in text or "\x7f" in text for _kind, text in events) and len(events) == 3
    await settle(client.app)
    await asyncio.sleep(0.3)
    told = texts(gateway.to(PHONE)[before:])
    assert any("明天上午上门" in t for t in told) and any("不符合条件" in t for t in told)


async def test_a_nul_in_a_console_reply_form_is_dropped(client: TestClient, gateway: FakeGateway) -> None:
    await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 屋顶漏雨")
    await sign_in(client, "longwu")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    response = await client.post(f"/console/tickets/{number}/reply",
                                 data={"text": "已联系\u0000村委\u0008会", "csrf": csrf_of(page)})
    assert response.status == 200 and "回复已发送给居民" in await response.text()
    response = await client.post(f"/console/tickets/{number}/transition",
                                 data={"to": "rejected", "note": "\u0000", "csrf": csrf_of(page)})
    assert response.status == 422  # a note of nothing but a NUL is no reason
    events = [(e.type, e.text) for e in (await ticket_row(client.app, number)).events]
    assert events[-1] == ("reply", "已联系村委会") and len(events) == 2


async def test_a_nul_in_a_question_is_answered_as_if_it_were_not_there(client: TestClient) -> None:
    response = await client.post("/api/v1/ask", json={"text": "低保\u0000标准是多少", "region": "正安\u0000县"})
    assert response.status == 200
    body = await response.json()
    assert body["answered"] and "3876" in body["answer"]
    response = await client.post("/api/v1/screen", json={"region": "正安县\u0000", "household": {
        "size": 1, "annual_income": 0}})
    assert response.status == 200
