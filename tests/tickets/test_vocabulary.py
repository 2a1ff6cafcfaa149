"""The ticket's words: every status and event has a label in both languages, and labels follow the place."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from aiohttp.test_utils import TestClient

from bot.domain.tickets import (
    EVENT_LABELS,
    STATUS_BY_LABEL,
    STATUS_LABELS,
    event_text,
    parse_status,
    status_label,
    status_text,
)
from bot.i18n import SUPPORTED, make_i18n
from bot.keys import ESCALATOR
from tests.fakes import FakeGateway
from tests.tickets.support import bearer, converse, file_by_sms, settle, standard_staff, texts
from tests.tickets.test_console import sign_in
from tests.tickets.test_escalation import move_clock

ROOT = Path(__file__).resolve().parents[2]
HAN = re.compile(r"[\u4e00-\u9fff]")
PHONE = "+8613812340090"


def recorded_event_types() -> set[str]:
    """The event types the code writes: ``TicketEvent(type=…)`` and the escalation job's deadlines."""
    found: set[str] = set()
    for path in (ROOT / "bot").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Name):
                continue
            values = [k.value for k in node.keywords if k.arg in ("type", "event")]
            if node.func.id == "Deadline" and len(node.args) > 4:
                values.append(node.args[4])
            if node.func.id in ("TicketEvent", "Deadline"):
                found.update(c.value for v in values for c in ast.walk(v)
                             if isinstance(c, ast.Constant) and isinstance(c.value, str))
    return found


def test_every_status_and_event_type_has_a_label_in_chinese_and_english() -> None:
    i18n = make_i18n()
    assert set(SUPPORTED) == {"zh_Hans", "en"}
    coming = {"resident_reply", "note", "assigned", "delivery_failed", "transferred", "aid_escalated", "escalated",
              "reopened", "followup"}
    recorded = recorded_event_types()
    assert {"filed", "reply", "status", "transferred", "aid_escalated", "contact_revealed"} <= recorded
    assert recorded | coming <= set(EVENT_LABELS), (recorded | coming) - set(EVENT_LABELS)
    labels = [status_text(s) for s in STATUS_LABELS] + list(STATUS_BY_LABEL) + [event_text(t) for t in EVENT_LABELS]
    for label in labels:
        chinese, english = i18n.gettext(label, locale="zh_Hans"), i18n.gettext(label, locale="en")
        assert HAN.search(chinese), label
        assert english and not HAN.search(english), (label, english)
    with i18n.context(), i18n.use_locale("en"):
        assert status_label("county_review", "同仁市") == "City decision"
        assert status_label("county_review", "正安县") == "County decision"
    assert event_text("transferred", "同仁市保安镇") == "转办至同仁市保安镇"
    assert i18n.gettext("转办至{place}", locale="en").format(place="保安镇") == "Transferred to 保安镇"


def test_the_monitoring_decision_is_named_for_the_place_that_makes_it() -> None:
    # 同仁市's plan (seed 002, 二(五)2): 村级评议、乡镇初审、市级审定.
    expected = {"同仁市": "市级审定", "临夏市": "市级审定", "正安县": "县级审定", "平罗县": "县级审定",
                "东乡族自治县": "县级审定", "城厢区": "区级审定", "": "县级审定"}
    for county, label in expected.items():
        assert status_text("county_review", county) == label, county
    assert status_text("township_review", "同仁市") == "乡镇初审"
    for label in ("县级审定", "市级审定", "区级审定"):
        assert parse_status(label) == "county_review"
    assert parse_status("审定") is None


async def test_a_tongren_monitoring_application_reads_市级审定_everywhere(client: TestClient,
                                                                         gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    filed = await converse(client, gateway, PHONE, "监测 隆务镇 两人务工收入骤减")
    assert "村级评议、乡镇初审、市级审定" in filed and "县级审定" not in filed
    found = re.search(r"编号 (\d+)", filed)
    assert found, filed
    number = found.group(1)
    caseworker, supervisor = bearer(staff["longwu"]), bearer(staff["tongren"])
    for to in ("village_review", "乡镇初审"):
        response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": to}, headers=caseworker)
        assert response.status == 200, to
    await settle(client.app)
    before = len(gateway.to(PHONE))
    response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": "市级审定"}, headers=supervisor)
    assert response.status == 200
    body = await response.json()
    assert (body["status"], body["status_label"]) == ("county_review", "市级审定")
    [told] = texts(await gateway.wait_for(PHONE, before + 1))[before:]
    assert "进展：市级审定" in told
    assert "市级审定" in await converse(client, gateway, PHONE, f"进度 {number}")
    await sign_in(client, "tongren")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    assert '<span class="badge" id="status">市级审定</span>' in page and "→ 市级审定" in page
    assert "县级审定" not in page
    queue = await (await client.get("/console/?status=all")).text()
    assert ">市级审定（" in queue and "县级审定" not in queue


async def test_the_history_says_where_a_transfer_went_and_names_an_aid_escalation(
        client: TestClient, gateway: FakeGateway) -> None:
    staff = await standard_staff(client.app)
    number = await file_by_sms(client, gateway, PHONE, "急 隆务镇 房子塌了一半，其实户口在保安镇")
    response = await client.post(f"/api/v1/tickets/{number}/transition",
                                 json={"to": "transferred", "township": "保安镇"}, headers=bearer(staff["longwu"]))
    assert response.status == 200
    move_clock(client, hours=24.5)
    assert await client.app[ESCALATOR].run_once() >= 1
    await sign_in(client, "baoan")
    page = await (await client.get(f"/console/tickets/{number}")).text()
    badges = re.findall(r'<li><span class="badge">([^<]+)</span>', page)
    assert badges[:2] == ["提交", "转办至同仁市保安镇"] and "急难超时上报" in badges, badges
    assert all(HAN.search(badge) for badge in badges), badges
