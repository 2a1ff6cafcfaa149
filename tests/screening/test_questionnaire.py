"""The 自查 questionnaire end to end: over SMS (numbers) and Telegram (buttons), against /api/v1/screen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiohttp.test_utils import TestClient
from sqlalchemy import select

from bot.domain.messages import ucs2_len
from bot.keys import SESSIONS
from bot.storage.models import Ticket
from handlers.screening import SHORT_NAMES
from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import buttons, send_sms, tg_say, tg_update

PHONE = "+8613812349001"
CHAT = 7301
SMS_BUDGET = 3 * 67


@pytest.fixture(autouse=True)
def _typing_faster_than_a_resident(monkeypatch: pytest.MonkeyPatch) -> None:
    """A test answers the whole questionnaire within a second; the per-number rate limit is for loops."""
    monkeypatch.setattr("bot.channels.sms.RATE_LIMIT_PER_MINUTE", 1000)


async def sms(client: TestClient, gateway: FakeGateway, text: str, phone: str = PHONE) -> str:
    """One SMS in, the reply out; a paged reply is read to the end with 更多."""
    before = len(gateway.to(phone))
    response = await send_sms(client, phone, text)
    assert response.status == 200
    got = await gateway.wait_for(phone, before + 1)
    assert len(got) == before + 1, f"no reply to {text!r}"
    said = str(got[-1]["text"])
    pages = [said]
    while "回复 更多" in pages[-1] and len(pages) < 10:
        before = len(gateway.to(phone))
        await send_sms(client, phone, "更多")
        pages.append(str((await gateway.wait_for(phone, before + 1))[-1]["text"]))
    return "\n".join(pages)


async def tg(client: TestClient, botapi: FakeBotApi, text: str | None = None,
             button: str | None = None) -> dict[str, Any]:
    return await tg_say(client, botapi, tg_update(CHAT, text, callback=button), CHAT)


def listed(summary: str) -> dict[str, str]:
    """Program → the heading it is listed under in a summary ("likely" or "possible")."""
    names = {v: k for k, v in SHORT_NAMES.items()}
    out: dict[str, str] = {}
    heading = ""
    for line in summary.splitlines():
        if "较可能" in line:
            heading = "likely"
        elif "可能符合" in line:
            heading = "possible"
        head = re.split(r"[（：]", line, maxsplit=1)[0]
        if head in names and heading:
            out[names[head]] = heading
    return out


async def api_verdicts(client: TestClient, request: dict[str, Any]) -> dict[str, dict[str, Any]]:
    response = await client.post("/api/v1/screen", json=request)
    assert response.status == 200
    return {r["program"]: r for r in (await response.json())["results"]}


async def test_sms_questionnaire_matches_the_api_and_files_with_the_answers(client: TestClient,
                                                                           gateway: FakeGateway) -> None:
    said = await sms(client, gateway, "自查")
    assert "哪个县" in said
    said = await sms(client, gateway, "正安县")
    assert "农村还是城镇" in said and "1 农村" in said
    said = await sms(client, gateway, "1")
    assert "几口人" in said
    said = await sms(client, gateway, "3")
    assert "总收入" in said
    said = await sms(client, gateway, "6千")
    # 正安县 considers 刚性支出 when checking income, so it asks; it publishes no 收入豁免, so that is skipped.
    assert "看病、上学、租房" in said and "养老金、抚恤金" not in said
    said = await sms(client, gateway, "没得")  # 没有 in 正安县's speech
    assert "干活" in said
    said = await sms(client, gateway, "1")
    # Someone works: whether relatives could support the family does not matter; not asked. The rare
    # conditions come as one list, answered in one message.
    assert "下面的情况" in said and "残疾证" in said and "易地扶贫搬迁" in said
    said = await sms(client, gateway, "3 4")  # 有人在上学, 近一年…遭灾
    assert "上学" in said and "小学" in said
    said = await sms(client, gateway, "3")  # 小学
    assert "还有别人在上学" in said
    said = await sms(client, gateway, "1")  # 没有了
    assert "住校" in said
    said = await sms(client, gateway, "1")  # 住校
    assert "遇到过" in said
    said = await sms(client, gateway, "4")  # 突发事故、灾害或急病
    assert "还有别的" in said
    summary = await sms(client, gateway, "1")  # 没有了
    assert "仅供参考" in summary and "不是审批决定" in summary

    expected = await api_verdicts(client, {
        "region": "正安县", "residence": "rural",
        "household": {"size": 3, "annual_income": 6000, "emergency": True},
        "members": [{"labor": "full"}, {"labor": "none", "school": "primary", "boarding": True}, {"labor": "full"}],
        "supporters": True})
    shown = listed(summary)
    assert shown == {p: r["verdict"] for p, r in expected.items() if r["verdict"] != "unlikely"}
    assert shown["dibao"] == "likely" and shown["temporary_assistance"] == "likely"
    for program in shown:
        assert expected[program]["next_step"] in summary
        if expected[program]["amount"]:
            assert expected[program]["amount"] in summary
    assert "寄宿生活费每生1000元/年" in summary  # the boarding primary pupil, 正安县's own figure
    assert all(ucs2_len(str(m["text"])) <= SMS_BUDGET for m in gateway.to(PHONE))

    said = await sms(client, gateway, "1")  # 提交求助（带上这些回答）
    assert "哪个乡镇" in said
    said = await sms(client, gateway, "凤仪街道")
    assert "遇到了什么困难" in said
    said = await sms(client, gateway, "6")  # 突发急难
    said = await sms(client, gateway, "孩子爸爸出了车祸，住院要钱")
    said = await sms(client, gateway, "1")
    number = re.search(r"编号 (\d+)", said)
    assert number, said
    async with client.app[SESSIONS]() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.number == number.group(1)))).one()
    assert ticket.kind == "help" and ticket.screening
    answers = ticket.screening["request"]
    assert answers["household"]["size"] == 3 and answers["household"]["annual_income"] == 6000
    assert answers["household"]["emergency"] is True
    assert ticket.screening["verdicts"]["dibao"] == "likely"


async def test_back_changes_an_answer_and_cancel_keeps_nothing(client: TestClient, gateway: FakeGateway) -> None:
    phone = "+8613812349002"
    await sms(client, gateway, "通伏乡", phone)  # the resident's region is set: the questionnaire starts with it
    said = await sms(client, gateway, "自查", phone)
    assert "通伏乡" in said and "农村还是城镇" in said
    await sms(client, gateway, "2", phone)  # 城镇
    await sms(client, gateway, "1", phone)  # 1 人
    said = await sms(client, gateway, "7000", phone)
    # 通伏乡 deducts 收入豁免, 就业成本 and 刚性支出 from an urban income, so each is asked.
    assert "养老金、抚恤金" in said
    said = await sms(client, gateway, "返回", phone)
    assert "总收入" in said
    said = await sms(client, gateway, "9000", phone)
    assert "养老金、抚恤金" in said
    await sms(client, gateway, "2000", phone)
    said = await sms(client, gateway, "返回", phone)
    assert "养老金、抚恤金" in said
    said = await sms(client, gateway, "取消", phone)
    assert "已取消" in said and "没有保存" in said
    said = await sms(client, gateway, "1", phone)
    assert "养老金" not in said and "打工" not in said


async def test_nothing_about_school_or_deductions_where_it_cannot_matter(client: TestClient,
                                                                        gateway: FakeGateway) -> None:
    """同仁市 publishes no 低保 amount, so no income detail can change a verdict; no pupil, no school details."""
    phone = "+8613812349003"
    asked = [await sms(client, gateway, "自查", phone), await sms(client, gateway, "同仁市", phone)]
    for answer in ("1", "2", "3000", "3", "2", "没有"):
        asked.append(await sms(client, gateway, answer, phone))
    text = "\n".join(asked)
    assert "养老金、抚恤金" not in text and "看病、上学、租房" not in text and "打工的路费" not in text
    assert "住校" not in text and "几周岁" not in text and "易地扶贫搬迁" not in text
    assert "供养你们" in text  # nobody can work: whether anyone must support them now matters (特困)
    assert "仅供参考" in asked[-1]
    assert all(ucs2_len(str(m["text"])) <= SMS_BUDGET for m in gateway.to(phone))


async def test_telegram_questionnaire_with_buttons_matches_the_api(tg_client: TestClient, botapi: FakeBotApi) -> None:
    said = await tg(tg_client, botapi, "/screen")
    assert "哪个县" in said["text"]
    said = await tg(tg_client, botapi, "通伏乡")
    assert set(buttons(said)) == {"农村", "城镇", "返回", "取消"}  # leaving a step is a button too
    for label in ("农村", "3人"):
        said = await tg(tg_client, botapi, button=buttons(said)[label])
    assert "总收入" in said["text"]
    said = await tg(tg_client, botapi, "9000")
    # Rural 通伏乡 has no published 低保 standard: no income deduction can change a verdict, none asked.
    assert "干活" in said["text"]
    said = await tg(tg_client, botapi, button=buttons(said)["有"])
    assert "下面的情况" in said["text"]
    # A button is one condition: the rest are offered again until 没有了.
    for label in ("是建档立卡户或已脱贫户", "有人在上学", "住房不安全（墙裂、漏雨）"):
        said = await tg(tg_client, botapi, button=buttons(said)[label])
        assert "还有别的" in said["text"] and label not in buttons(said)
    said = await tg(tg_client, botapi, button=buttons(said)["没有了"])
    assert "建档立卡" in said["text"]
    for label in ("未脱贫的建档立卡户", "幼儿园", "没有了"):
        said = await tg(tg_client, botapi, button=buttons(said)[label])
    assert "几周岁" in said["text"]
    said = await tg(tg_client, botapi, "4")
    summary = said["text"]
    assert "仅供参考" in summary
    assert "提交求助（带上这些回答）" in buttons(said)

    expected = await api_verdicts(tg_client, {
        "region": "通伏乡", "residence": "rural",
        "household": {"size": 3, "annual_income": 9000, "poverty_status": "registered", "unsafe_housing": True},
        "members": [{"age": 4, "labor": "none", "school": "preschool"}]})
    shown = listed(summary)
    assert shown == {p: r["verdict"] for p, r in expected.items() if r["verdict"] != "unlikely"}
    assert shown["education_aid"] == "likely" and "1000" in summary  # 平罗县's preschool aid
    assert shown["housing_renovation"] == "likely" and "15000" in summary  # 通伏乡's 一般贫困户 tier

    said = await tg(tg_client, botapi, button=buttons(said)["申请防返贫监测（带上这些回答）"])
    # 通伏乡 is a township: it is already known, the application goes straight to what happened.
    assert "什么情况" in said["text"]
    said = await tg(tg_client, botapi, button=buttons(said)["收入大幅减少"])
    said = await tg(tg_client, botapi, "今年羊病死了一半，收入少了很多")
    said = await tg(tg_client, botapi, button=buttons(said)["确认提交"])
    number = re.search(r"编号 (\d+)", said["text"])
    assert number, said["text"]
    async with tg_client.app[SESSIONS]() as session:
        ticket = (await session.scalars(select(Ticket).where(Ticket.number == number.group(1)))).one()
    assert ticket.kind == "monitoring" and ticket.township_code == "640221203"
    assert ticket.screening["request"]["household"]["poverty_status"] == "registered"
    assert ticket.screening["verdicts"]["education_aid"] == "likely"
