"""The dialog engine's own behaviour: paging within a budget, going back, cancelling, asking back."""

from __future__ import annotations

from aiohttp.test_utils import TestClient

from bot.channels.sms import fit, segments
from bot.domain.messages import Incoming, split_pages, ucs2_len
from bot.keys import ENGINE
from handlers.engine import render_plain

_n = iter(range(1, 10**6))


async def say(client: TestClient, text: str, address: str = "+8613900000001", max_chars: int | None = 201) -> str:
    replies = await client.app[ENGINE].handle(Incoming(channel="cli", address=address, text=text,
                                                       ref=f"test:{next(_n)}", max_chars=max_chars))
    return "\n".join(render_plain(r) for r in replies)


def test_segments_follow_ucs2_arithmetic() -> None:
    assert segments("字" * 70) == 1
    assert segments("字" * 71) == 2
    assert segments("字" * 134) == 2
    assert segments("字" * 135) == 3
    assert segments("😀" * 35) == 1 and segments("😀" * 36) == 2
    assert segments(fit("字" * 500, 3)) == 3 and len(fit("字" * 500, 3)) == 201


def test_pages_break_at_punctuation_and_fit_the_budget() -> None:
    text = "。".join(f"第{i}句话说明一项政策内容" for i in range(40))
    pages = split_pages(text, 100)
    assert len(pages) > 1
    assert all(ucs2_len(p) <= 100 for p in pages)
    assert all(p.endswith("。") for p in pages[:-1])
    assert "".join(pages) == text


async def test_a_long_answer_is_paged_and_read_with_more(client: TestClient) -> None:
    await say(client, "正安县", max_chars=70)
    first = await say(client, "低保怎么申请，要什么条件", max_chars=70)
    assert ucs2_len(first) <= 70
    pages = [first]
    while "回复 更多" in pages[-1] and len(pages) < 20:
        pages.append(await say(client, "更多", max_chars=70))
    assert len(pages) > 1 and all(ucs2_len(p) <= 70 for p in pages)
    assert "没有更多" in await say(client, "更多", max_chars=70)


async def test_back_returns_to_the_previous_question_and_cancel_forgets(client: TestClient) -> None:
    await say(client, "同仁市")
    assert "哪个乡镇" in await say(client, "求助")
    assert "遇到了什么困难" in await say(client, "隆务镇")
    assert "说说家里的情况" in await say(client, "3")
    assert "遇到了什么困难" in await say(client, "返回")
    assert "说说家里的情况" in await say(client, "2")
    assert "已取消" in await say(client, "取消")
    # After cancelling, a number is not an answer to the old question any more.
    assert "已取消" not in await say(client, "3")


async def test_a_township_shared_by_counties_is_asked_back(client: TestClient) -> None:
    said = await say(client, "城关镇")
    assert "城关镇（平罗县）" in said and "城关镇（广河县）" in said
    assert "已设置地区：城关镇（平罗县）" in await say(client, "3")


async def test_a_one_line_request_narrows_a_shared_name_to_the_residents_county(client: TestClient) -> None:
    await say(client, "平罗县")
    said = await say(client, "求助 城关镇 家里房子漏雨")
    assert "（城关镇）" in said and "编号" in said


async def test_an_unknown_place_is_said_plainly(client: TestClient) -> None:
    said = await say(client, "海淀区")
    assert "暂未覆盖" in said and "正安县" in said


async def test_traditional_characters_and_full_width_digits_are_understood(client: TestClient) -> None:
    assert "已设置地区：同仁市" in await say(client, "同仁市")
    said = await say(client, "求助 隆務鎮 家裡沒有收入")
    assert "（隆务镇）" in said


async def test_zero_is_an_amount_inside_an_amount_question_and_the_menu_elsewhere(client: TestClient) -> None:
    await say(client, "正安县")
    assert "农村还是城镇" in await say(client, "自查")
    assert "几口人" in await say(client, "1")
    assert "总收入" in await say(client, "3")
    after_zero = await say(client, "0")
    assert "民生助手" not in after_zero and "没看懂" not in after_zero
    assert "民生助手" in await say(client, "取消") + await say(client, "0")


async def test_the_menu_fits_one_sms_in_both_languages(client: TestClient) -> None:
    chinese = await say(client, "菜单", address="+8613900000077")
    english = await say(client, "2", address="+8613900000077") if "English" in await say(
        client, "English", address="+8613900000077") else ""
    for menu in (chinese, english):
        assert "7 English / 中文" in menu and "更多" not in menu and "more" not in menu
        assert ucs2_len(menu) <= 201
    assert english.startswith("Minsheng")
