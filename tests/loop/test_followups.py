"""回访 after 已办结, through SMS and the staff API, with the clock moved past the delay."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from bot.domain.tickets import CHINA
from bot.keys import LOOP_JOBS
from bot.settings import Settings
from tests.fakes import FakeGateway
from tests.loop.support import Clock, stats_of, two_apps
from tests.tickets.support import bearer, converse, file_by_sms, settle, standard_staff, ticket_row
from tests.tickets.test_console import sign_in


async def resolve(client: Any, token: str, number: str) -> None:
    for to in ("accepted", "resolved"):
        response = await client.post(f"/api/v1/tickets/{number}/transition", json={"to": to, "note": "已发放临时救助"},
                                     headers=bearer(token))
        assert response.status == 200, await response.text()


async def followups_sent(*clients: Any) -> int:
    return sum(await asyncio.gather(*(c.app[LOOP_JOBS].followups.send_due() for c in clients for _ in range(2))))


async def test_the_resident_is_asked_once_and_2_reopens_with_their_words(
        aiohttp_client: Any, sms_settings: Settings, gateway: FakeGateway) -> None:
    clock = Clock()
    month = clock.now.astimezone(CHINA).strftime("%Y-%m")
    first, second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(first.app)
    unsolved, solved, quiet = "+8613812340200", "+8613812340201", "+8613812340202"
    numbers = {}
    for phone in (unsolved, solved, quiet):
        numbers[phone] = await file_by_sms(first, gateway, phone, "求助 隆务镇 家里断粮了")
        await resolve(first, staff["longwu"], numbers[phone])
    await settle(first.app)  # the status notices are out, so the next SMS to arrive answers TD
    assert "退订" in await converse(first, gateway, quiet, "TD")

    clock.move(hours=71)
    assert await followups_sent(first, second) == 0
    clock.move(hours=2)  # 3 days after 已办结
    assert await followups_sent(first, second) == 2
    assert await followups_sent(first, second) == 0
    await settle(first.app)
    for phone in (unsolved, solved):
        asked = [m["text"] for m in gateway.to(phone) if "问题解决了吗" in m["text"]]
        assert len(asked) == 1 and numbers[phone] in asked[0] and "2 没有解决" in asked[0]
    assert not any("问题解决了吗" in m["text"] for m in gateway.to(quiet))
    assert (await ticket_row(first.app, numbers[quiet])).followup_state == "skipped"

    said = await converse(second, gateway, unsolved, "2")
    assert "重新交隆务镇办理" in said
    said = await converse(first, gateway, unsolved, "钱只够用一个星期，孩子还要看病")
    assert "已转告工作人员" in said
    ticket = await (await first.get(f"/api/v1/tickets/{numbers[unsolved]}", headers=bearer(staff["longwu"]))).json()
    assert ticket["status"] == "in_progress" and ticket["followup"]["state"] == "unresolved"
    assert [e["type"] for e in ticket["events"]][-2:] == ["reopened", "resident_reply"]
    assert "孩子还要看病" in ticket["events"][-1]["text"]

    said = await converse(first, gateway, solved, "怎么说")
    assert "问题解决了吗" in said  # not an answer: asked again, nothing recorded
    said = await converse(first, gateway, solved, "解决了")
    assert "打分" in said
    said = await converse(first, gateway, solved, "2")
    assert "谢谢" in said
    row = await ticket_row(first.app, numbers[solved])
    assert row.status == "resolved" and row.followup_state == "resolved" and row.followup_score == 2
    # The caseworker reads the 回访's answer on the ticket's page.
    await sign_in(first, "longwu")
    page = await (await first.get(f"/console/tickets/{numbers[solved]}")).text()
    assert re.search(r'id="followup">居民说问题解决了；满意度 2 分（满分 5 分）<', page)

    # The reopened ticket is resolved again: no second 回访.
    response = await first.post(f"/api/v1/tickets/{numbers[unsolved]}/transition", json={"to": "resolved"},
                                headers=bearer(staff["longwu"]))
    assert response.status == 200
    clock.move(hours=80)
    assert await followups_sent(first, second) == 0

    stats = await stats_of(first, staff["tongren"], "同仁市", month)
    [longwu] = [row for row in stats["townships"] if row["township"] == "隆务镇"]
    assert longwu["followup_answered"] == 2 and longwu["followup_resolved"] == 1 and longwu["reopened"] == 1
    assert longwu["satisfaction"] == 2 and longwu["low_scores"] == 1


async def test_a_reply_in_one_line_carries_the_words(aiohttp_client: Any, sms_settings: Settings,
                                                     gateway: FakeGateway) -> None:
    clock = Clock()
    first, _second = await two_apps(aiohttp_client, sms_settings, clock)
    staff = await standard_staff(first.app)
    phone = "+8613812340210"
    number = await file_by_sms(first, gateway, phone, "求助 保安镇 房顶漏雨")
    await resolve(first, staff["baoan"], number)
    clock.move(hours=73)
    assert await followups_sent(first) == 1
    await settle(first.app)
    said = await converse(first, gateway, phone, "2 雨一下还是漏")
    assert "重新交保安镇办理" in said
    ticket = await (await first.get(f"/api/v1/tickets/{number}", headers=bearer(staff["baoan"]))).json()
    assert ticket["status"] == "in_progress" and "雨一下还是漏" in ticket["events"][-1]["text"]
