"""The staff API: scope, the TICKET shape, replies and transitions reaching the resident once, by SMS."""

from __future__ import annotations

import asyncio
from datetime import datetime

from aiohttp.test_utils import TestClient

from tests.fakes import FakeGateway
from tests.tickets.support import bearer, converse, file_by_sms, settle, standard_staff, texts, ticket_row

PHONE = "+8613812340010"


async def test_a_township_request_is_in_that_queue_only_and_answered_once_by_sms(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 家里老人卧病在床，没有收入")

    listed = await (await client.get("/api/v1/tickets?status=open", headers=bearer(staff["longwu"]))).json()
    [ticket] = [t for t in listed["tickets"] if t["number"] == number]
    assert (ticket["kind"], ticket["county"], ticket["township"], ticket["channel"]) == \
        ("help", "同仁市", "隆务镇", "sms")
    assert ticket["contact"] == "138****0010" and "13812340010" not in str(listed)
    made, due = datetime.fromisoformat(ticket["created_at"]), datetime.fromisoformat(ticket["due_at"])
    assert (due - made).total_seconds() == 12 * 3600 and ticket["aid_due_at"] is None

    for who in ("tongren", "admin"):
        seen = await (await client.get("/api/v1/tickets?status=all", headers=bearer(staff[who]))).json()
        assert number in {t["number"] for t in seen["tickets"]}, who
    for who in ("baoan", "changtai", "chengxiang"):
        seen = await (await client.get("/api/v1/tickets?status=all", headers=bearer(staff[who]))).json()
        assert number not in {t["number"] for t in seen["tickets"]}, who
        for method, path, body in (("GET", "", None), ("POST", "/replies", {"text": "x"}),
                                   ("POST", "/transition", {"to": "accepted"})):
            response = await client.request(method, f"/api/v1/tickets/{number}{path}", json=body,
                                            headers=bearer(staff[who]))
            assert response.status == 404, (who, path)
            assert (await response.json())["error"]["code"] == "not_found"

    before = len(gateway.to(PHONE))
    response = await client.post(f"/api/v1/tickets/{number}/replies", json={"text": "已收到，明天上午上门。"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 201
    await settle(client.app)
    await asyncio.sleep(0.3)
    new = texts(gateway.to(PHONE)[before:])
    assert len(new) == 1 and "明天上午上门" in new[0] and number in new[0]

    detail = await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).json()
    assert [(e["type"], e["by"]) for e in detail["events"]] == [("filed", "resident"), ("reply", "longwu")]
    assert (await ticket_row(client.app, number)).first_answered_at is not None
    assert "明天上午上门" in await converse(client, gateway, PHONE, f"进度 {number}")


async def test_help_request_worked_to_resolved_tells_the_resident_each_step(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 屋顶漏雨")
    auth = bearer(staff["longwu"])
    before = len(gateway.to(PHONE))
    for to, label in (("accepted", "已受理"), ("办理中", "办理中"), ("resolved", "已办结")):
        response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": to, "note": ""},
                                     headers=auth)
        assert response.status == 200, await response.text()
        assert (await response.json())["status_label"] == label
    await settle(client.app)
    told = texts(gateway.to(PHONE)[before:])
    assert [next(w for w in ("已受理", "办理中", "已办结") if w in t) for t in told] == ["已受理", "办理中", "已办结"]
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "accepted"}, headers=auth)
    assert response.status == 409 and (await response.json())["error"]["field"] == "to"
    open_now = await (await client.get("/api/v1/tickets?status=open", headers=auth)).json()
    assert number not in {t["number"] for t in open_now["tickets"]}


async def test_rejection_needs_a_reason_which_the_resident_reads(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 想要一台电视")
    auth = bearer(staff["longwu"])
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "不予受理"}, headers=auth)
    body = await response.json()
    assert response.status == 422 and body["error"]["field"] == "note"
    before = len(gateway.to(PHONE))
    response = await client.post(f"/api/v1/tickets/{number}/transition",
                                 json={"to": "rejected", "note": "不属于社会救助范围"}, headers=auth)
    assert response.status == 200
    [told] = texts(await gateway.wait_for(PHONE, before + 1))[before:]
    assert "不予受理" in told and "不属于社会救助范围" in told


async def test_monitoring_steps_follow_the_roles(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "监测 隆务镇 两人务工收入骤减")
    caseworker, supervisor = bearer(staff["longwu"]), bearer(staff["tongren"])
    for to in ("village_review", "township_review"):
        response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": to}, headers=caseworker)
        assert response.status == 200, to
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "county_review"},
                                 headers=caseworker)
    assert response.status == 403 and (await response.json())["error"]["field"] == "to"
    for to in ("county_review", "纳入监测"):
        response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": to}, headers=supervisor)
        assert response.status == 200, to
    detail = await (await client.get(f"/api/v1/tickets/{number}", headers=caseworker)).json()
    assert detail["status"] == "included"
    assert [e["by"] for e in detail["events"] if e["type"] == "status"] == ["longwu", "longwu", "tongren", "tongren"]


async def test_after_td_status_news_stops_but_replies_still_arrive(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 孩子学费交不上")
    await converse(client, gateway, PHONE, "TD")
    before = len(gateway.to(PHONE))
    auth = bearer(staff["longwu"])
    assert (await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "accepted"},
                              headers=auth)).status == 200
    assert (await client.post(f"/api/v1/tickets/{number}/replies", json={"text": "请带户口本来乡政府。"},
                              headers=auth)).status == 201
    await settle(client.app)
    await asyncio.sleep(0.3)
    assert texts(gateway.to(PHONE)[before:]) == [t for t in texts(gateway.to(PHONE)[before:]) if "户口本" in t]
    assert len(gateway.to(PHONE)[before:]) == 1


async def test_transfer_moves_the_ticket_to_the_other_township_queue(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 其实我住在保安镇")
    before = len(gateway.to(PHONE))
    response = await client.post(f"/api/v1/tickets/{number}/transition",
                                 json={"to": "transferred", "township": "保安镇", "note": "户籍在保安镇"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 200 and (await response.json())["status"] == "transferred"
    assert (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).status == 404
    moved = await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["baoan"]))).json()
    assert moved["township"] == "保安镇" and moved["events"][-1]["type"] == "transferred"
    [told] = texts(await gateway.wait_for(PHONE, before + 1))[before:]
    assert "保安镇" in told
    # The receiving township takes it on.
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "accepted"},
                                 headers=bearer(staff["baoan"]))
    assert response.status == 200
    response = await client.post(f"/api/v1/tickets/{number}/transition",
                                 json={"to": "transferred", "township": "常太镇"}, headers=bearer(staff["baoan"]))
    assert response.status == 422 and (await response.json())["error"]["field"] == "township"


async def test_a_request_naming_no_township_waits_in_the_county_queue_for_triage(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    phone = "+8613812340020"
    await converse(client, gateway, phone, "同仁市")
    number = await file_by_sms(client, gateway, phone, "求助 同仁市 家里失火了，什么都没有了")
    ticket = await ticket_row(client.app, number)
    assert (ticket.county_code, ticket.township_code) == ("632301", None)
    assert (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).status == 404
    triage = await (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["tongren"]))).json()
    assert triage["township"] is None and triage["county"] == "同仁市"
    response = await client.post(f"/api/v1/tickets/{number}/transition",
                                 json={"to": "transferred", "township": "隆务镇"}, headers=bearer(staff["tongren"]))
    assert response.status == 200
    assert (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).status == 200


async def test_routing_by_alias_and_an_ambiguous_township_asked_back(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务 家里没有收入")
    assert (await ticket_row(client.app, number)).township_code == "632301100"
    assert (await client.get(f"/api/v1/tickets/{number}", headers=bearer(staff["longwu"]))).status == 200

    phone = "+8613812340030"
    said = await converse(client, gateway, phone, "求助 城关镇 房子漏雨")
    assert "有几个乡镇叫" in said and "平罗县" in said and "广河县" in said
    choice = next(line.split()[0] for line in said.splitlines() if "平罗县" in line)
    number = (await converse(client, gateway, phone, choice)).split("编号 ")[1][:10]
    assert (await ticket_row(client.app, number)).township_code == "640221100"


async def test_every_bad_input_is_a_4xx_naming_its_field(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 需要帮助")
    auth = bearer(staff["longwu"])
    assert (await client.get("/api/v1/tickets")).status == 401
    assert (await client.get("/api/v1/tickets", headers={"Authorization": "Bearer nope"})).status == 401
    assert (await client.get("/api/v1/tickets", headers={"Authorization": staff["longwu"]})).status == 401
    for query, field in (("status=sleeping", "status"), ("kind=cats", "kind"), ("urgent=maybe", "urgent"),
                         ("limit=0", "limit")):
        response = await client.get(f"/api/v1/tickets?{query}", headers=auth)
        assert response.status == 400 and (await response.json())["error"]["field"] == field
    cases = [("/replies", {"text": ""}, "text"), ("/replies", {"text": "   "}, "text"), ("/replies", {}, "text"),
             ("/replies", {"text": "x" * 1001}, "text"), ("/transition", {"to": "flying"}, "to"),
             ("/transition", {}, "to"), ("/transition", {"to": "transferred"}, "township"),
             ("/transition", {"to": "transferred", "township": "火星镇"}, "township")]
    for path, body, field in cases:
        response = await client.post(f"/api/v1/tickets/{number}{path}", json=body, headers=auth)
        error = (await response.json())["error"]
        assert 400 <= response.status < 500 and error["field"] == field, (path, body, error)
    response = await client.post(f"/api/v1/tickets/{number}/replies", data=b"{not json", headers=auth)
    assert response.status == 400
    assert (await client.get("/api/v1/tickets/not-a-number", headers=auth)).status == 404


async def test_a_long_reply_reaches_an_sms_resident_in_pieces_that_fit(client: TestClient,
                                                                      gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "求助 隆务镇 需要帮助")
    before = len(gateway.to(PHONE))
    reply = "。".join(f"第{i}条：请携带身份证、户口本和相关证明材料到乡镇民政办公室办理" for i in range(12))
    assert (await client.post(f"/api/v1/tickets/{number}/replies", json={"text": reply},
                              headers=bearer(staff["longwu"]))).status == 201
    await settle(client.app)
    parts = texts(gateway.to(PHONE)[before:])
    assert len(parts) > 1
    assert all(len(p.encode("utf-16-le")) // 2 <= 201 for p in parts)
    assert "".join(parts).count("第11条") == 1


async def test_an_english_speaking_resident_is_told_in_english(client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    phone = "+8613812340040"
    await converse(client, gateway, phone, "English")
    await converse(client, gateway, phone, "2")
    number = await file_by_sms(client, gateway, phone, "求助 隆务镇 no income this winter")
    before = len(gateway.to(phone))
    assert (await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "accepted"},
                              headers=bearer(staff["longwu"]))).status == 200
    [told] = texts(await gateway.wait_for(phone, before + 1))[before:]
    assert "is now: Accepted" in told, told


async def test_the_openapi_document_describes_the_public_and_staff_api(client: TestClient) -> None:
    response = await client.get("/api/v1/openapi.json")
    doc = await response.json()
    assert response.status == 200 and doc["openapi"].startswith("3.")
    assert {"/api/v1/ask", "/api/v1/screen", "/api/v1/regions", "/api/v1/tickets", "/api/v1/tickets/{number}",
            "/api/v1/tickets/{number}/replies", "/api/v1/tickets/{number}/transition"} <= set(doc["paths"])
    assert {"number", "due_at", "aid_due_at", "contact"} <= set(doc["components"]["schemas"]["Ticket"]["properties"])
