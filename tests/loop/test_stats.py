"""督查: GET /api/v1/stats for a seeded month, figures computed by hand from what the test did."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.keys import ESCALATOR
from bot.settings import Settings
from tests.fakes import FakeGateway
from tests.loop.support import Clock, two_apps
from tests.tickets.support import bearer, file_by_sms, standard_staff

# 12:00 in China on 15 October 2026.
OCTOBER = datetime(2026, 10, 15, 4, 0, tzinfo=UTC)


async def seed_october(client: Any, gateway: FakeGateway, clock: Clock, staff: dict[str, str]) -> None:
    """隆务镇: one answered in 2 h, one in 14 h (late, escalated). 保安镇: one never answered."""
    quick = await file_by_sms(client, gateway, "+8613812340400", "求助 隆务镇 家里断粮了")
    slow = await file_by_sms(client, gateway, "+8613812340401", "求助 隆务镇 孩子学费交不上")
    await file_by_sms(client, gateway, "+8613812340402", "求助 保安镇 房子漏雨")
    clock.move(hours=2)
    assert (await client.post(f"/api/v1/tickets/{quick}/replies", json={"text": "明天送米面油。"},
                              headers=bearer(staff["longwu"]))).status == 201
    clock.move(hours=11)
    assert await client.app[ESCALATOR].run_once() == 2
    clock.move(hours=1)
    assert (await client.post(f"/api/v1/tickets/{slow}/replies", json={"text": "已联系学校。"},
                              headers=bearer(staff["longwu"]))).status == 201
    # November: not October's.
    clock.now = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)
    await file_by_sms(client, gateway, "+8613812340403", "求助 隆务镇 老人生病")


async def test_the_month_per_township_as_the_supervisor_reads_it(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock(OCTOBER)
    client, _other = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(client.app)
    await seed_october(client, gateway, clock, staff)

    response = await client.get("/api/v1/stats?county=同仁市&month=2026-10", headers=bearer(staff["tongren"]))
    assert response.status == 200
    body = await response.json()
    assert body["county"] == "同仁市" and body["month"] == "2026-10"
    rows = {row["township"]: row for row in body["townships"]}
    assert {row["township"] for row in body["townships"]} >= {"隆务镇", "保安镇"}
    longwu, baoan = rows["隆务镇"], rows["保安镇"]
    assert (longwu["filed"], longwu["answered_in_time"], longwu["overdue"], longwu["escalated"]) == (2, 1, 1, 1)
    assert longwu["answered_in_time_percent"] == 50.0 and longwu["median_first_answer_minutes"] == 480.0
    assert (baoan["filed"], baoan["answered_in_time"], baoan["overdue"], baoan["escalated"]) == (1, 0, 1, 1)
    assert baoan["median_first_answer_minutes"] is None and baoan["satisfaction"] is None
    quiet = [row for name, row in rows.items() if name not in ("隆务镇", "保安镇")]
    assert quiet and all(row["filed"] == 0 and row["answered_in_time_percent"] is None for row in quiet)
    for row in body["townships"]:
        assert {"township", "filed", "answered_in_time", "median_first_answer_minutes", "overdue", "escalated",
                "followup_resolved", "satisfaction", "checkins_answered"} <= set(row)

    november = await (await client.get("/api/v1/stats?county=同仁市&month=2026-11",
                                       headers=bearer(staff["admin"]))).json()
    assert {row["township"]: row["filed"] for row in november["townships"]}["隆务镇"] == 1


async def test_only_the_countys_supervisor_or_an_admin_reads_it(client: Any) -> None:
    staff = await standard_staff(client.app)
    cases = [
        (staff["chengxiang"], "county=同仁市&month=2026-10", 404),  # another county's supervisor
        (staff["longwu"], "county=同仁市&month=2026-10", 403),      # a caseworker
        (staff["tongren"], "county=同仁市&month=2026-13", 400),
        (staff["tongren"], "county=同仁市&month=十月", 400),
        (staff["admin"], "month=2026-10", 400),                      # an admin names the county
        (staff["admin"], "county=北京市&month=2026-10", 404),
        (staff["admin"], "county=城厢区&month=2026-10", 200),
        (staff["tongren"], "county=Tongren&month=2026-10", 200),
    ]
    for token, query, status in cases:
        response = await client.get(f"/api/v1/stats?{query}", headers=bearer(token))
        assert response.status == status, (query, response.status, await response.text())
        if status != 200:
            assert "error" in await response.json()
    assert (await client.get("/api/v1/stats?county=同仁市&month=2026-10")).status == 401


async def test_the_openapi_document_lists_the_loop_endpoints(client: Any) -> None:
    doc = await (await client.get("/api/v1/openapi.json")).json()
    assert {"/api/v1/stats", "/api/v1/checkins", "/api/v1/checkins/{id}", "/api/v1/filings"} <= set(doc["paths"])
    row = doc["paths"]["/api/v1/stats"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"filed", "answered_in_time", "median_first_answer_minutes", "satisfaction"} <= set(
        row["properties"]["townships"]["items"]["properties"])
