"""Setting one's place however it is written, on SMS and Telegram: what the resident receives."""

from __future__ import annotations

import itertools

import pytest
from aiohttp.test_utils import TestClient

from tests.fakes import FakeBotApi, FakeGateway
from tests.helpers import buttons, send_sms, tg_say, tg_update

_phones = itertools.count(1)
_chats = itertools.count(61_000)


class Sms:
    """One resident on SMS: each ``say`` returns the reply they receive."""

    def __init__(self, client: TestClient, gateway: FakeGateway) -> None:
        self.client, self.gateway = client, gateway
        self.phone = f"+86135{next(_phones):08d}"

    async def say(self, text: str) -> str:
        before = len(self.gateway.to(self.phone))
        await send_sms(self.client, self.phone, text)
        sent = await self.gateway.wait_for(self.phone, before + 1)
        assert len(sent) > before, f"no reply to {text}"
        return "\n".join(m["text"] for m in sent[before:])


class Telegram:
    """One resident on Telegram: ``say`` and ``press`` return the message they receive."""

    def __init__(self, client: TestClient, botapi: FakeBotApi) -> None:
        self.client, self.botapi = client, botapi
        self.chat = next(_chats)
        self.last: dict[str, object] = {}

    async def say(self, text: str) -> str:
        self.last = await tg_say(self.client, self.botapi, tg_update(self.chat, text), self.chat)
        return str(self.last["text"])

    async def press(self, label: str) -> str:
        data = buttons(self.last)[label]
        self.last = await tg_say(self.client, self.botapi, tg_update(self.chat, callback=data), self.chat)
        return str(self.last["text"])


# -- a place however written: county and township together, 我是…的, pinyin and English ---------

WRITTEN = [
    ("正安县流渡镇", "流渡镇（正安县）"),
    ("正安县 流渡镇", "流渡镇（正安县）"),
    ("正安流渡", "流渡镇（正安县）"),
    ("贵州正安", "正安县"),
    ("黄南州同仁", "同仁市"),
    ("宁夏平罗通伏", "通伏乡（平罗县）"),
    ("我是流渡镇的", "流渡镇（正安县）"),
    ("我在隆务镇住", "隆务镇（同仁市）"),
    ("Tongren", "同仁市"),
    ("Zhengan county", "正安县"),
    ("tongrenshi", "同仁市"),
    ("Longwu", "隆务镇（同仁市）"),
    ("Chengxiang district", "城厢区"),
    ("臨夏州", "临夏州"),
]


@pytest.mark.parametrize(("text", "place"), WRITTEN)
async def test_a_place_however_written_sets_the_region_on_sms(client: TestClient, gateway: FakeGateway,
                                                              text: str, place: str) -> None:
    said = await Sms(client, gateway).say(text)
    assert f"已设置地区：{place}。" in said


@pytest.mark.parametrize(("text", "place"), [WRITTEN[0], WRITTEN[4], WRITTEN[6], WRITTEN[8], WRITTEN[11]])
async def test_a_place_however_written_sets_the_region_on_telegram(tg_client: TestClient, botapi: FakeBotApi,
                                                                   text: str, place: str) -> None:
    said = await Telegram(tg_client, botapi).say(text)
    assert f"已设置地区：{place}。" in said


async def test_pinyin_of_two_places_sets_the_one_we_serve_and_says_which(client: TestClient,
                                                                         gateway: FakeGateway) -> None:
    # "Tongren" is also 铜仁市 in Guizhou, which Minsheng does not serve: the reply names 同仁市.
    resident = Sms(client, gateway)
    assert "已设置地区：同仁市。" in await resident.say("I live in Tongren")
    assert "同仁市" in await resident.say("菜单")


# -- a question that says where the resident lives -----------------------------------------------

QUESTIONS = [
    ("我是正安县流渡镇的 低保一个月多少钱", "流渡镇（正安县）", "3876"),
    ("我在隆务镇住 临时救助多久答复", "隆务镇（同仁市）", "12小时"),
    ("我是城厢区龙桥街道的，低保标准多少", "龙桥街道（城厢区）", "7920"),
]


@pytest.mark.parametrize(("text", "place", "figure"), QUESTIONS)
async def test_a_question_naming_where_one_lives_sets_the_region_and_is_answered_on_sms(
        client: TestClient, gateway: FakeGateway, text: str, place: str, figure: str) -> None:
    resident = Sms(client, gateway)
    said = await resident.say(text)
    assert f"已记住您的地区：{place}" in said and figure in said and "来源" in said
    # Remembered: the next question needs no place.
    assert "请先告诉我" not in await resident.say("特困供养怎么申请")
    assert place.split("（")[0] in await resident.say("菜单")


@pytest.mark.parametrize(("text", "place", "figure"), QUESTIONS[:2])
async def test_a_question_naming_where_one_lives_sets_the_region_and_is_answered_on_telegram(
        tg_client: TestClient, botapi: FakeBotApi, text: str, place: str, figure: str) -> None:
    said = await Telegram(tg_client, botapi).say(text)
    assert f"已记住您的地区：{place}" in said and figure in said


async def test_a_place_named_only_as_context_does_not_change_the_region(client: TestClient,
                                                                        gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    await resident.say("正安县")
    said = await resident.say("我妹妹在同仁市 她那边临时救助多久答复")
    assert "已记住" not in said
    assert "正安县" in await resident.say("菜单")


async def test_a_question_in_the_residents_own_place_is_answered_without_a_note(client: TestClient,
                                                                                gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    await resident.say("隆务镇")
    said = await resident.say("我在隆务镇住 临时救助多久答复")
    assert "12小时" in said and "已记住" not in said


# -- a misspelt place is offered, never taken -----------------------------------------------------

MISSPELT = [("安厂镇", "安场镇（正安县）"), ("龙务镇", "隆务镇（同仁市）"), ("我是龙务的", "隆务镇（同仁市）")]


@pytest.mark.parametrize(("text", "place"), MISSPELT)
async def test_a_misspelt_township_is_offered_with_yes_and_no_on_sms(client: TestClient, gateway: FakeGateway,
                                                                     text: str, place: str) -> None:
    resident = Sms(client, gateway)
    said = await resident.say(text)
    assert f"您是说{place}吗？" in said and "1 是" in said and "2 不是" in said
    assert "已设置" not in said
    assert f"已设置地区：{place}。" in await resident.say("1")


async def test_no_to_a_suggested_place_asks_again_and_sets_nothing(client: TestClient, gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    await resident.say("安厂镇")
    assert "请回复您所在的县" in await resident.say("2")
    assert "已设置地区：隆务镇（同仁市）。" in await resident.say("隆务镇")


async def test_a_typed_yes_takes_the_suggested_place(client: TestClient, gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    await resident.say("我在龙务镇")
    assert "已设置地区：隆务镇（同仁市）。" in await resident.say("是")


@pytest.mark.parametrize(("text", "place"), MISSPELT[:2])
async def test_a_misspelt_township_is_offered_with_buttons_on_telegram(tg_client: TestClient, botapi: FakeBotApi,
                                                                       text: str, place: str) -> None:
    resident = Telegram(tg_client, botapi)
    said = await resident.say(text)
    assert f"您是说{place}吗？" in said and set(buttons(resident.last)) == {"是", "不是", "取消"}
    assert f"已设置地区：{place}。" in await resident.press("是")


async def test_a_misspelt_place_in_a_question_is_offered_then_the_question_answered(
        client: TestClient, gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    said = await resident.say("我是正安县安厂镇的 低保一个月多少钱")
    assert "您是说安场镇（正安县）吗？" in said
    answer = await resident.say("1")
    assert "已设置地区：安场镇（正安县）。" in answer and "3876" in answer


# -- a place we serve part of, and one we do not serve --------------------------------------------

PARTLY = [("遵义市", "遵义市", "正安县"), ("莆田", "莆田市", "城厢区"), ("黄南州", "黄南州", "同仁市"),
          ("石嘴山", "石嘴山市", "平罗县")]


@pytest.mark.parametrize(("text", "where", "served"), PARTLY)
async def test_a_city_we_serve_part_of_offers_the_served_places_on_sms(client: TestClient, gateway: FakeGateway,
                                                                       text: str, where: str, served: str) -> None:
    resident = Sms(client, gateway)
    said = await resident.say(text)
    assert f"我们在{where}只服务{served}" in said and f"1 {served}" in said
    assert f"已设置地区：{served}。" in await resident.say("1")


@pytest.mark.parametrize(("text", "where", "served"), PARTLY[:2])
async def test_a_city_we_serve_part_of_offers_the_served_places_on_telegram(
        tg_client: TestClient, botapi: FakeBotApi, text: str, where: str, served: str) -> None:
    resident = Telegram(tg_client, botapi)
    said = await resident.say(text)
    assert f"我们在{where}只服务{served}" in said
    assert f"已设置地区：{served}。" in await resident.press(served)


@pytest.mark.parametrize(("text", "name"), [("北京", "北京市"), ("荔城区", "荔城区"), ("兰州", "兰州市"),
                                            ("桐梓县", "桐梓县"), ("我是福州的", "福州市")])
async def test_a_place_we_do_not_serve_is_said_plainly_with_the_places_we_serve(
        client: TestClient, gateway: FakeGateway, text: str, name: str) -> None:
    resident = Sms(client, gateway)
    said = await resident.say(text)
    assert f"暂未覆盖“{name}”" in said and "正安县" in said and "同仁市" in said and "已设置" not in said
    assert "未设置" in await resident.say("菜单")


async def test_a_place_we_do_not_serve_is_said_plainly_on_telegram(tg_client: TestClient,
                                                                   botapi: FakeBotApi) -> None:
    resident = Telegram(tg_client, botapi)
    for text, name in (("贵阳", "贵阳市"), ("尖扎县", "尖扎县")):
        said = await resident.say(text)
        assert f"暂未覆盖“{name}”" in said and "临夏州" in said


async def test_a_city_that_sounds_like_a_served_one_offers_it(client: TestClient, gateway: FakeGateway) -> None:
    # 铜仁 (Guizhou) for 同仁 (Qinghai) is one wrong candidate of the input method away.
    resident = Sms(client, gateway)
    said = await resident.say("铜仁")
    assert "暂未覆盖“铜仁市”" in said and "您是说同仁市吗？" in said
    assert "已设置地区：同仁市。" in await resident.say("1")


async def test_ordinary_words_that_are_township_names_are_not_taken_for_places(client: TestClient,
                                                                               gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    await resident.say("正安县")
    for text in ("民主评议怎么搞的", "先锋队员能吃低保吗", "我们村河西那边修路了"):
        said = await resident.say(text)
        assert "已设置" not in said and "已记住" not in said and "暂未覆盖" not in said
    assert "正安县" in await resident.say("菜单")


async def test_a_township_short_name_several_served_places_share_is_asked_back(client: TestClient,
                                                                                gateway: FakeGateway) -> None:
    # 城关 is also 城关区 in Lhasa and Lanzhou (not served) and 城关镇 in 88 counties, three of them served.
    resident = Sms(client, gateway)
    said = await resident.say("我是城关的")
    assert "城关镇（平罗县）" in said and "城关镇（广河县）" in said and "已设置" not in said
    options = {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in said.splitlines() if line[:1].isdigit()}
    assert "已设置地区：城关镇（平罗县）。" in await resident.say(options["城关镇（平罗县）"])


async def test_a_misspelling_several_served_places_could_mean_offers_them_all(client: TestClient,
                                                                              gateway: FakeGateway) -> None:
    resident = Sms(client, gateway)
    said = await resident.say("城观镇")
    assert "您是说哪一个？" in said and "城关镇（和政县）" in said and "都不是" in said
    options = {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in said.splitlines() if line[:1].isdigit()}
    assert "请回复您所在的县" in await resident.say(options["都不是"])


# -- the same reading where a request names its township -------------------------------------------

@pytest.mark.parametrize(("text", "township"), [
    ("求助 正安县 流渡镇 家里房子漏雨", "流渡镇"),
    ("求助正安流渡 家里房子漏雨", "流渡镇"),
    ("求助 Longwu 家里没有收入", "隆务镇"),
])
async def test_a_request_names_its_township_however_written_on_sms(client: TestClient, gateway: FakeGateway,
                                                                  text: str, township: str) -> None:
    said = await Sms(client, gateway).say(text)
    assert f"（{township}）" in said and "编号" in said


async def test_the_township_step_of_a_request_reads_county_and_township_on_telegram(tg_client: TestClient,
                                                                                     botapi: FakeBotApi) -> None:
    resident = Telegram(tg_client, botapi)
    assert "哪个乡镇" in await resident.say("求助")
    assert "遇到了什么困难" in await resident.say("平罗 城关")
    assert "说说家里的情况" in await resident.say("生活困难")
    assert "请确认" in await resident.say("家里房子漏雨")
    assert "（城关镇）" in await resident.press("确认提交")
