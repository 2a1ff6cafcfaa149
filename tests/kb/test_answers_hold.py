"""Answers that hold on the kinds of question nobody tuned for (issue 9's patterns), in two or more places each."""

from __future__ import annotations

import re

import pytest

from knowledge_base import KnowledgeBase

ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU = "520324", "350302", "632301", "6229", "640221203"
LINXIA_COUNTY = "622921"


def says(text: str, figure: str) -> bool:
    """The figure as a number of its own (7920 is not in 17920)."""
    return re.search(rf"(?<![\d.]){re.escape(figure)}(?![\d])", text.replace(",", "")) is not None


# The formal name of a program, or an everyday situation, reaches the program the place published.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted"),
    [
        ("最低生活保障标准是多少", ZHENGAN, "dibao.standard", "3876"),
        ("最低生活保障标准是多少", CHENGXIANG, "dibao.standard", "7920"),
        ("我没儿没女 一个月能领多少", ZHENGAN, "tekun.standard", "741"),
        ("我没得儿没得女 又老又病 一个月能拿好多", LINXIA_COUNTY, "tekun.standard", "1.3倍"),
        ("老伴瘫痪在床 有什么补贴", TONGFU, "elderly_care.subsidy", "300"),
        ("出了车祸没钱了怎么办", TONGFU, "temporary_assistance.amounts", "1200"),
        ("出了车祸没钱了怎么办", ZHENGAN, "temporary_assistance.how_to_apply", "急难救助金"),
        ("我们是搬迁户 有临时救助吗", ZHENGAN, "temporary_assistance.relocation", "1500"),
        ("我有高血压糖尿病 在县医院看病自己一年最多出多少", ZHENGAN, "medical_assistance.chronic", "1000"),
        ("疫情补贴发多少", CHENGXIANG, "price_subsidy.increase", "1倍"),
        ("疫情补贴发多少", LINXIA, "price_subsidy.increase", "1倍"),
        ("爹妈一个坐牢一个跑了 娃有钱领没", LINXIA_COUNTY, "child_welfare.orphans", "基本生活补贴"),
    ],
)
def test_formal_names_and_everyday_situations_reach_the_program(
    kb: KnowledgeBase, text: str, region: str, article: str, wanted: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text


# What the seeds print about how a program works is answered, not "暂未公布", and not with the amounts.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted", "not_wanted"),
    [
        ("临时救助能分几次给吗", TONGFU, "temporary_assistance.instalments", "分阶段", "1200"),
        ("临时救助的钱不够 还能多给吗", TONGFU, "temporary_assistance.raise", "一事一议", "1200"),
        ("临时救助不够能不能多给", CHENGXIANG, "temporary_assistance.raise", "一事一议", "7920"),
        ("看病的钱我先自己垫上了 事后还能申请临时救助吗", TONGREN, "temporary_assistance.prepayment", "事后",
         "暂未公布"),
        ("急事来不及办手续 能先给钱吗", TONGFU, "temporary_assistance.prepayment", "先行救助", "暂未公布"),
        ("外地来打工的 娃能在这里上学不", LINXIA_COUNTY, "education_aid.dropout", "随迁子女", "暂未公布"),
        ("老人能先去敬老院试住几天吗", ZHENGAN, "tekun.care_home", "试住", "暂未公布"),
        ("政府救助完了还是困难 咋办", TONGFU, "social_assistance.charity", "慈善", "暂未公布"),
        ("一年给贫困户推荐几回工作", ZHENGAN, "employment.job_referrals", "3次", "暂未公布"),
        ("他自己不会申请 能让别人帮忙申请吗 防返贫监测", TONGREN, "monitoring.on_behalf", "委托他人", "暂未公布"),
        # What the seed lists as not counted, asked item by item.
        ("参加村里公益性劳动挣的钱算不算低保收入", TONGFU, "dibao.exempt_income", "公益性劳动", "就业成本"),
        ("荣誉津贴算家庭收入吗", TONGFU, "dibao.exempt_income", "荣誉津贴", "暂未公布"),
    ],
)
def test_how_a_program_works_is_answered_where_the_seed_says_it(
    kb: KnowledgeBase, text: str, region: str, article: str, wanted: str, not_wanted: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text and not_wanted not in answer.text


@pytest.mark.parametrize(
    ("text", "region", "own", "other"),
    [
        ("我姐在城厢区说她们那里低保是7920，我们这里呢？", ZHENGAN, "3876", "7920"),
        ("城厢区低保一年7920 咱们通伏乡低保标准多少", TONGFU, "600", "7920"),
        ("听说正安县特困一个月741 我们这边特困按多少", LINXIA_COUNTY, "1.3倍", "741"),
        ("我表哥在正安县 说易地搬迁的一人给1500 咱这急难型临时救助一人给多少", TONGFU, "1200", "1500"),
        # The resident's own place named after the other, instead of 我们.
        ("临夏那边特困是按低保1.3倍定的，正安特困供养金一个月多少", ZHENGAN, "741", "临夏州"),
        ("我老家正安县低保才三千多，城厢区低保一年是多少", CHENGXIANG, "7920", "3876"),
        ("同仁市那边低保渐退一年 通伏乡低保标准多少", TONGFU, "600", "渐退"),
        # The city proper above the resident's county, said only in passing.
        ("听说遵义市区的高中补助多，我们正安二中建档立卡学生一年资助多少", ZHENGAN, "5500", "7920"),
    ],
)
def test_a_place_named_as_context_leaves_the_answer_at_the_residents_own(
    kb: KnowledgeBase, text: str, region: str, own: str, other: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and says(answer.text, own), answer.text
    assert not says(answer.text, other) and not answer.text.startswith("【"), answer.text


@pytest.mark.parametrize(
    ("text", "region", "place", "figure"),
    [
        ("城厢区低保标准多少", ZHENGAN, "【城厢区】", "7920"),
        ("宁夏平罗县通伏乡危房改造特困户补多少", LINXIA, "【通伏乡】", "39000"),
    ],
)
def test_a_served_place_the_question_is_about_is_answered_for_and_labelled(
    kb: KnowledgeBase, text: str, region: str, place: str, figure: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.text.startswith(place) and says(answer.text, figure), answer.text


@pytest.mark.parametrize(
    ("text", "region", "figure"),
    [
        ("What is the minimum living allowance here?", ZHENGAN, "3876"),
        ("how much is dibao", CHENGXIANG, "7920"),
        ("My house collapsed, I need urgent help", TONGFU, "1200"),
        # Quotation marks and plurals do not hide a phrase.
        ("In Tongren, how is a 'low-income family' defined?", TONGREN, "2倍"),
        ("What share of kindergartens should be affordable?", CHENGXIANG, "90%"),
        ("What's the maximum start-up guaranteed loan in Tongfu?", TONGFU, "15万"),
    ],
)
def test_an_english_question_about_a_program_is_understood_and_framed(
    kb: KnowledgeBase, text: str, region: str, figure: str
) -> None:
    answer = kb.ask(text, region, locale="en")
    assert answer.answered and answer.sources and says(answer.text, figure), answer.text
    # The policy stays as published, in Chinese, and the resident is told so in English.
    assert answer.text.startswith("The policy as published (in Chinese):")


def test_the_out_of_scope_reply_comes_from_the_catalog_in_the_residents_language(kb: KnowledgeBase) -> None:
    english = kb.ask("推荐一部电影", TONGFU, locale="en")
    chinese = kb.ask("推荐一部电影", TONGFU)
    assert not english.answered and not chinese.answered
    assert english.text.startswith("Minsheng cannot answer this question") and "求助 通伏乡" in english.text
    assert chinese.text.startswith("这个问题不在民生助手能解答的范围内") and "求助 通伏乡" in chinese.text


@pytest.mark.parametrize("region", [ZHENGAN, CHENGXIANG, TONGREN, LINXIA, TONGFU, "622921101"])
def test_staff_internal_articles_are_never_offered_to_residents(kb: KnowledgeBase, region: str) -> None:
    internal = {a.id for a in kb.articles.values() if a.internal}
    assert {"administration.leadership", "administration.principles"} <= internal
    for article in kb.articles.values():
        offered = set(kb.article(article.id, region).suggestion_ids)
        assert not offered & internal, (article.id, offered & internal)
    # Asked directly, they are still answered (a caseworker may ask).
    assert kb.ask("领导小组组长是谁", CHENGXIANG).article_id == "administration.leadership"


@pytest.mark.parametrize(
    ("text", "region", "place", "own"),
    [
        ("北京低保多少", ZHENGAN, "北京", "3876"),
        ("荔城区的低保标准一年多少", CHENGXIANG, "荔城区", "7920"),
        ("兰州市低保标准多少", LINXIA_COUNTY, "兰州市", "1.3倍"),
        ("我亲戚在兰州七里河区 那边特困供养咋算", LINXIA_COUNTY, "兰州七里河区", "1.3倍"),
        # A city the resident's rules name as a partner (正安县's labour cooperation with Shanghai) is
        # still a place we do not serve when its own program is asked about.
        ("我在上海打工 上海的低保多少钱", ZHENGAN, "上海", "3876"),
        ("厦门低保一年多少", LINXIA_COUNTY, "厦门", "1.3倍"),
    ],
)
def test_a_place_we_do_not_serve_gets_where_to_ask_never_the_residents_figure(
    kb: KnowledgeBase, text: str, region: str, place: str, own: str
) -> None:
    answer = kb.ask(text, region)
    assert not answer.answered and not answer.sources and answer.article_id is None
    assert answer.text.startswith("我们只有") and place in answer.text
    assert "当地民政部门" in answer.text and "12345" in answer.text
    assert not says(answer.text, own)


@pytest.mark.parametrize(
    ("text", "region", "article"),
    [
        ("我们临夏的土特产在厦门那边有地方卖吗", LINXIA_COUNTY, "poverty_alleviation.consumption"),
        ("想去上海打工 有啥补贴", ZHENGAN, "employment.east_west"),
    ],
)
def test_a_partner_city_the_residents_rules_name_is_part_of_the_question(
    kb: KnowledgeBase, text: str, region: str, article: str
) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article, answer.text


def test_a_topic_we_do_not_cover_told_in_passing_does_not_decline_what_is_asked(kb: KnowledgeBase) -> None:
    answer = kb.ask("我儿子在莆田城厢区上班落户了，那边低保标准一年多少", TONGREN)
    assert answer.answered and answer.text.startswith("【城厢区】") and says(answer.text, "7920"), answer.text
    # Asked, it still declines.
    assert not kb.ask("我在城厢区上班，户口怎么落户", TONGREN).answered


def test_a_city_we_serve_part_of_says_which_part(kb: KnowledgeBase) -> None:
    answer = kb.ask("遵义市低保多少", CHENGXIANG)
    assert not answer.answered and "正安县" in answer.text and "7920" not in answer.text


@pytest.mark.parametrize(
    ("text", "region", "figure"),
    [("我儿子在上海打工 低保标准多少", ZHENGAN, "3876"), ("我闺女在兰州上班 急难型临时救助标准多少", TONGFU, "1200"),
     # Where the resident themself worked, or goes to be treated.
     ("我在银川工地上干了十几年，今年回村了，急难型临时救助标准多少", TONGFU, "1200"),
     ("我阿妈要去西宁做手术，钱不够，低保户住院能报多少", TONGFU, "70%"),
     ("前些年我跑到新疆摘棉花，现在回来了，低保标准是多少", CHENGXIANG, "7920")],
)
def test_someone_being_elsewhere_changes_nothing(kb: KnowledgeBase, text: str, region: str, figure: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and says(answer.text, figure) and not answer.text.startswith("【"), answer.text


def test_an_unserved_place_in_english_is_said_in_english(kb: KnowledgeBase) -> None:
    answer = kb.ask("北京低保多少", ZHENGAN, locale="en")
    assert not answer.answered and answer.text.startswith("Minsheng only has the policies of")


# Round 2: everyday situations reach the program the place published (the situation stands for a
# topic only when the question names no other).
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted"),
    [
        ("厂子倒闭了没活干", ZHENGAN, "employment.job_referrals", "推荐就业岗位"),
        ("厂子倒闭了没活干，家里吃着低保", TONGFU, "employment.public_welfare_jobs", "公益性岗位"),
        ("男人腿摔断了干不了活", TONGREN, "dibao.eligibility", "丧失劳动能力"),
        ("男人腿摔断了干不了活 我们前几年脱贫了", LINXIA, "dibao.eligibility", "纳入农村低保"),
        ("老公跑了，留下三个孩子给我一个人带", CHENGXIANG, "dibao.safety_net", "兜底保障"),
        ("菜价肉价涨得厉害，低保那点钱不够用", CHENGXIANG, "price_subsidy.increase", "3月至6月"),
        ("今年种的洋芋卖不出去", LINXIA, "poverty_alleviation.consumption", "消费扶贫"),
        ("种的龙眼卖不掉", CHENGXIANG, "poverty_alleviation.consumption", "农产品销售"),
        ("村里自来水经常浑浊", CHENGXIANG, "poverty_alleviation.water_supply", "供水水质"),
        ("牛羊遭了雪灾死了一大半", TONGREN, "disaster_relief.victims", "因灾"),
        ("我家房子被大水冲垮了", ZHENGAN, "disaster_relief.victims", "受灾"),
        ("孩子爹妈都出去打工了 娃跟着爷爷奶奶", LINXIA, "child_welfare.orphans", "困境儿童"),
    ],
)
def test_everyday_situations_reach_the_program(kb: KnowledgeBase, text: str, region: str, article: str,
                                               wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text, answer.text


def test_a_situation_yields_to_the_program_the_question_names(kb: KnowledgeBase) -> None:
    # 干不了活 is why the resident writes; the question is 低保's amount.
    answer = kb.ask("我老伴有病干不了活 低保一个月给多少", LINXIA_COUNTY)
    assert answer.article_id == "dibao.standard", answer.text
    # A situation is read only as written: 男人得了尿毒症 is no 男人没了.
    assert kb.ask("男人得了尿毒症 每周要透析", TONGFU).article_id != "dibao.safety_net"


# Round 2: how a program works, where the seeds print it.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted"),
    [
        ("我走不动 不去申请会有人来找我吗", CHENGXIANG, "social_assistance.discovery", "网格员"),
        ("你们咋知道谁家困难 是不是要自己去报", LINXIA, "social_assistance.discovery", "入户排查"),
        ("老人痴呆了自己申请不了 谁来帮着申请", TONGREN, "monitoring.on_behalf", "村委会"),
        ("吃上低保以后会一直不变吗", ZHENGAN, "dibao.dynamic", "有进有出"),
        ("低保是一辈子的吗", LINXIA, "dibao.dynamic", "动态管理"),
        ("先救了再补手续行不行", TONGFU, "temporary_assistance.prepayment", "补办手续"),
        ("救助用完了还困难咋办", TONGFU, "social_assistance.charity", "慈善"),
        ("价格补贴加倍发是哪几个月", CHENGXIANG, "price_subsidy.increase", "2020年3月至6月"),
    ],
)
def test_how_it_works_round_two(kb: KnowledgeBase, text: str, region: str, article: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article and answer.sources, answer.text
    assert wanted in answer.text, answer.text


def test_applying_on_behalf_is_not_published_where_the_seed_is_silent(kb: KnowledgeBase) -> None:
    answer = kb.ask("老人痴呆了自己申请不了 谁来帮着申请", ZHENGAN)
    assert "村委会" not in answer.text or not answer.answered, answer.text


# Round 2: a long story is read for what it asks.
@pytest.mark.parametrize(
    ("text", "region", "article", "wanted"),
    [
        ("我们是易地搬迁过来的，地也没了，活路也没找到，听说搬迁户有临时救助，一个人给好多钱", ZHENGAN,
         "temporary_assistance.relocation", "1500"),
        ("我孙子明年读大学，他爸妈离婚了都不管他，从小跟着我过，学费太贵了，听说可以贷款，一年最多能贷好多",
         ZHENGAN, "education_aid.college", "8000"),
        ("我家大儿子是智力残疾，一直没结婚跟我们住，村里说家里收入算起来超了吃不了低保，那他一个人能不能单独申请",
         CHENGXIANG, "dibao.single_person", "单人保"),
    ],
)
def test_a_long_story_is_answered_for_what_it_asks(kb: KnowledgeBase, text: str, region: str, article: str,
                                                   wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.article_id == article, answer.text
    assert wanted in answer.text, answer.text


# Round 2: near misses are declined even beside a program word.
@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("低保户孩子当兵有补助吗", CHENGXIANG),
        ("老党员有生活补贴吗", LINXIA),
        ("残疾人坐公交免费吗", CHENGXIANG),
        ("低保户用电有优惠吗", LINXIA),
        ("低保户能领取暖补贴吗", ZHENGAN),
        ("生了孩子生育津贴怎么领", CHENGXIANG),
        ("独生子女父母奖励扶助金一年多少", TONGFU),
    ],
)
def test_near_misses_are_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    answer = kb.ask(text, region)
    assert not answer.answered and answer.article_id is None and not answer.clarify, answer.text


def test_the_city_proper_above_the_residents_county_is_not_the_county(kb: KnowledgeBase) -> None:
    # 遵义市区 is the city's own districts: 正安县's figure is no answer for it.
    answer = kb.ask("遵义市区的低保多少", ZHENGAN)
    assert not answer.answered and "正安县" in answer.text and "3876" not in answer.text, answer.text
    # The city itself, as where the resident lives, still changes nothing.
    assert "3876" in kb.ask("遵义市的低保多少", ZHENGAN).text


def test_an_amount_asked_for_one_group_gives_that_groups_line(kb: KnowledgeBase) -> None:
    answer = kb.ask("低保户危房改造一户补多少", TONGFU)
    assert answer.answered and says(answer.text, "30000") and not says(answer.text, "39000"), answer.text
    assert "其他对象标准不同" in answer.text
    # Asked for no group, every group's figure is given.
    everyone = kb.ask("危房改造一户补多少", TONGFU)
    assert all(says(everyone.text, f) for f in ("39000", "30000", "15000")), everyone.text
