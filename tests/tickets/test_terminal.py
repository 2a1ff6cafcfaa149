"""The terminal channel: a request filed in `minsheng chat` is answered there, once."""

from __future__ import annotations

import io
import re

from aiohttp.test_utils import TestClient

from bot.channels.terminal import chat
from bot.settings import Settings
from tests.tickets.support import bearer, standard_staff, ticket_row

PHONE = "13800002222"


async def talk(settings: Settings, *lines: str) -> str:
    out = io.StringIO()
    assert await chat(settings, None, PHONE, stdin=io.StringIO("\n".join(lines) + "\n"), stdout=out) == 0
    return out.getvalue()


async def test_a_terminal_request_gets_the_staff_answer_in_the_terminal_once(client: TestClient,
                                                                             sms_settings: Settings) -> None:
    staff = await standard_staff(client.app)
    said = await talk(sms_settings, "求助 隆务镇 冬天没有取暖的煤")
    found = re.search(r"编号 (\d+)", said)
    assert found, said
    ticket = await ticket_row(client.app, found.group(1))
    assert (ticket.channel, ticket.township_code) == ("cli", "632301100")
    listed = await (await client.get("/api/v1/tickets", headers=bearer(staff["longwu"]))).json()
    assert [t["contact"] for t in listed["tickets"]] == ["138****2222"]

    response = await client.post(f"/api/v1/tickets/{ticket.number}/replies", json={"text": "明天送煤上门。"},
                                 headers=bearer(staff["longwu"]))
    assert response.status == 201
    said = await talk(sms_settings, f"进度 {ticket.number}")
    assert said.count("明天送煤上门") == 2  # once delivered as the staff reply, once quoted in the progress answer
    assert "【工作人员】" in said
    said = await talk(sms_settings, "菜单")
    assert "明天送煤上门" not in said
