"""Issue 9, round 15: what residents asked in the fifteenth round's tuning sets (tune_h96 … tune_h99) and in
the fourteenth round's blind and sealed sets once they were read, read the way they meant it."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import CHENGXIANG, LINXIA, LINXIA_COUNTY, TONGFU, TONGREN, ZHENGAN

LONGWU = "632301100"
_CHILDLESS_OLD_MAN = "我今年七十了，老伴走了，没儿没女，地也种不动了。"


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # Hours said as 钟头 (二十四个钟头能救助上不) ask how soon, as 小时 does.
        ("出了急事，二十四个钟头能救助上不", TONGREN, "24小时"),
        ("急事要等几个钟头才给救", LONGWU, "24小时"),
        # Whether leaving 低保 stops it outright (退出是直接停吗, 直接就停): the gradual exit, not an emergency
        # heard in 退出是 (出是 sounds like 出事).
        ("我是低保户，这两年养牛养羊收入涨了。村里说我们要退出低保。退出是直接停吗？", TONGREN, "渐退"),
        ("退出是直接停吗", ZHENGAN, "渐退"),
        ("低保退了是直接就停吗", CHENGXIANG, "渐退"),
        # A sudden hardship told without a question (家里失火烧了，啥都没了) is answered with how to apply for
        # emergency aid; where the place prints what an emergency household gets (通伏乡), that answer says it.
        ("家里失火烧了，啥都没了", TONGFU, "1200"),
        ("突然出了车祸，家里揭不开锅了，能救急吗", TONGFU, "1200"),
        # How the aid money reaches the towns (临时救助的钱…是咋拨的, 区里发还是镇街发): the funds sent ahead to
        # the towns, not the amounts or raising them.
        ("临时救助的钱镇里街道有没有，是咋拨的", CHENGXIANG, "预拨"),
        ("临时救助的钱是区里发还是镇街发", CHENGXIANG, "预拨"),
        ("救助金是咋下拨的", TONGREN, "备用金"),
        # …是区里拨到镇上的吗: the county level sending the money to the towns, with who sends it between.
        ("临时救助的钱是区里拨到镇上的吗", CHENGXIANG, "预拨"),
        ("临时救助的钱是市里拨到乡上的吗", TONGREN, "备用金"),
        # Prices said as 价钱 or 价格 going up (价钱涨了咱吃低保的有补贴没): the price subsidy, not 低保's standard.
        ("价钱涨了咱吃低保的有补贴没", LINXIA, "1倍"),
        ("价格都涨起来了，低保户有啥补助", CHENGXIANG, "价格临时补贴"),
        # A child schooling where the parent works (娃跟着我在外头打工的地方念书): the migrant children's schooling,
        # not the migrant-work subsidy.
        ("娃跟着我在外头打工的地方念书，能进公家学校不", LINXIA_COUNTY, "随迁子女"),
        ("娃跟着我们在城里打工，上学的事能保证吗", LINXIA, "随迁子女"),
        # 低保 asked in English as the minimum living standard or the minimum standard of living: it was
        # read as no topic and declined.
        ("What is Chengxiang District's minimum living standard now?", CHENGXIANG, "7920"),
        ("What is the minimum standard of living in Zheng'an?", ZHENGAN, "3876"),
        # Schooling that cannot go on (念书念不下去, 学上不下去): keeping children in school. Read only as written:
        # 生意做不下去 and 生活过不下去 are one character away and are no school.
        ("咱这儿娃念书念不下去了，政府管不管", LINXIA, "控辍保学"),
        ("孩子书读不下去了咋办", CHENGXIANG, "控辍保学"),
        # Income down by a big piece (收入一下少了一大截): the monitoring of a sharp fall in income.
        ("疫情期间生意垮了，收入一下少了一大截", LINXIA, "监测"),
        ("收入一下子减了一大截", TONGFU, "监测"),
        # How a household asks for help itself (怎么主动求助, 还能咋求助): 同仁市's hotline.
        ("困难群众怎么主动求助", TONGREN, "12345"),
        ("遇到难处除了去乡上还能咋求助", LONGWU, "12345"),
        # Something big happened at home (家里出了大事): the sudden hardship, as 出大事 was.
        ("家里突然出了大事，医药费几十万，一般的救助根本不够", CHENGXIANG, "一事一议"),
        ("家里出了大事咋办", TONGFU, "先行救助"),
        # The gradual exit said as 渐进期 (jianjinqi in pinyin), a near word residents use for it.
        ("dibao jianjinqi duo chang", TONGREN, "渐退期"),
        ("dibao jianjinqi duo chang", ZHENGAN, "渐退"),
        # Women whose husbands work away (丈夫外出打工的农村妇女): the left-behind women, not the migrant-work subsidy.
        ("城厢区对丈夫外出打工的农村妇女有关爱服务吗", CHENGXIANG, "留守妇女"),
        ("丈夫外出打工的农村妇女有啥关爱", CHENGXIANG, "留守妇女"),
        # Both parents working away and an old person raising the child (孩子爸妈都在外地打工，老人带娃): the
        # left-behind children, not childcare for toddlers (带娃) nor the safety net.
        ("孩子爸妈都在外地打工，老人带娃日子难", CHENGXIANG, "留守儿童"),
        ("孩子爹妈都出去打工了，老人一个人带孩子，过得难", CHENGXIANG, "留守儿童"),
        # Help finding work (帮忙找活路) beside working away: the jobs recommended every year, not the labour
        # cooperation or the work-relief projects that 打工 alone names.
        ("想出去打工，县里头会帮忙找活路不", ZHENGAN, "推荐就业岗位"),
        ("想去外地打工，乡里能帮忙找活路不", ZHENGAN, "推荐就业岗位"),
        # 正安一年 is 正安 and a year, not 正安一中 written one character off (the school is still 一中).
        ("我表哥在城厢区，低保一年7920，我们正安一年多少？", ZHENGAN, "3876"),
        ("我姐在同仁，低保一年多少我不清楚，我们正安一年多少", ZHENGAN, "3876"),
        ("正安一中的建档立卡学生一年资助多少", ZHENGAN, "5700"),
        # A group of the disabled asked after another place's figure (我们正安一级重残多少) takes the topic said of
        # the other place (护理补贴), as 特困户 and 低保户 did; read alone it was the premium subsidy.
        ("贵阳亲戚说重残护理补贴一个月八十，我们正安一级重残多少", ZHENGAN, "一级每人每月50元"),
        ("城厢区那边重残护理补贴一个月一百，我们这二级重残能给多少", ZHENGAN, "二级每人每月40元"),
        # 低保 as the measure another standard is compared with (标准跟低保比是多少): a childless old man's 特困
        # standard, not 低保's.
        (f"{_CHILDLESS_OLD_MAN}像我这样政府管不管？标准跟低保比是多少？", ZHENGAN, "741"),
        (f"{_CHILDLESS_OLD_MAN}像我这样政府管不管？标准跟低保比是多少？", LINXIA_COUNTY, "1.3倍"),
        # Which office runs the safety net (兜底保障归哪个部门管): 低保's office, not what the safety net covers.
        ("低保这些兜底保障归哪个部门管", CHENGXIANG, "区民政局"),
        ("兜底保障是哪个部门负责", LINXIA, "州民政局"),
        # No fare to go to organised work away (去外地打工，路费都没有, 路费都是问题): the transport subsidy, not a
        # cost taken off income.
        ("想跟着村里去外地打工，路费都没有", LINXIA_COUNTY, "交通补助"),
        ("组织去厦门打工，路费都是问题，政府补不补", LINXIA, "交通补助"),
    ],
)
def test_round15_answered_with(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    """Answered, and with what the seed says of what was asked."""
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("疫情后生意做不下去，家里生活困难", CHENGXIANG),
        ("疫情后收入一下没了 生活过不下去", LINXIA),
    ],
)
def test_round15_hard_times_are_no_schooling(kb: KnowledgeBase, text: str, region: str) -> None:
    """A business or a life that cannot go on (做不下去, 过不下去) is no child leaving school."""
    assert kb.ask(text, region).article_id != "education_aid.dropout"


@pytest.mark.parametrize("region", [ZHENGAN, CHENGXIANG])
def test_round15_seeking_help_where_no_hotline_is_published(kb: KnowledgeBase, region: str) -> None:
    """Where the place publishes no hotline, asking how to seek help says so and points to the township."""
    answer = kb.ask("困难群众怎么主动求助", region)
    assert answer.article_id == "social_assistance.hotline" and "12345" not in answer.text
    assert "求助" in answer.text and "民政办" in answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("孩子他爸在工地摔伤了，急着要钱看病", TONGREN),
        ("放牧时摔伤了，家里没钱看病", TONGREN),
        ("干活摔伤了，没钱看病咋办", ZHENGAN),
        ("腿摔断了，看病要好多钱", TONGFU),
    ],
)
def test_round15_an_injury_beside_a_doctor_is_a_sudden_hardship(kb: KnowledgeBase, text: str, region: str) -> None:
    """An injury told beside seeing a doctor (摔伤了，急着要钱看病) is the sudden hardship that temporary aid
    meets, not the medical-aid rules or 低保's rigid expenses that 看病 alone names."""
    answer = kb.ask(text, region)
    assert answer.article_id is not None and answer.article_id.startswith("temporary_assistance.")
    assert "临时救助" in answer.text or "先行救助" in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("家里有个重度残疾的，我们要出去打工没人照看", TONGREN),
        ("家里重残的娃娃要天天有人看着，我上不了班", TONGREN),
        ("重度残疾人能托养吗", LONGWU),
    ],
)
def test_round15_residential_care_where_published(kb: KnowledgeBase, text: str, region: str) -> None:
    """Someone severely disabled whom nobody can look after while the family works: 同仁市's residential care
    (托养), not the migrant-work subsidy or the visits."""
    answer = kb.ask(text, region)
    assert answer.article_id == "disability_services.residential_care" and "托养" in answer.text, answer.text


@pytest.mark.parametrize("region", [ZHENGAN, TONGFU])
def test_round15_residential_care_is_not_jobs_for_the_disabled(kb: KnowledgeBase, region: str) -> None:
    """Residential care is an article of its own: where a place publishes only jobs for the disabled (正安县,
    通伏乡), a question about care says care is not published there, instead of answering with the jobs."""
    answer = kb.ask("重度残疾人能托养吗", region)
    assert "暂未公布重度残疾人托养" in answer.text and "公益岗位" not in answer.text and "就业孵化" not in answer.text


@pytest.mark.parametrize("text", ["疫情厂子关了我失业了，家里还有两个娃", "两口子都失业了，孩子还小"])
def test_round15_losing_work_where_no_jobs_are_published(kb: KnowledgeBase, text: str) -> None:
    """Losing work where the place publishes no jobs help (城厢区): not published, and what it does publish for a
    household in hardship, its temporary aid, instead of nothing."""
    answer = kb.ask(text, CHENGXIANG)
    assert "暂未公布推荐就业岗位" in answer.text and "临时救助" in answer.text, answer.text


def test_round15_losing_work_where_jobs_are_published(kb: KnowledgeBase) -> None:
    """Where the place publishes its jobs help (正安县), that is still the answer."""
    answer = kb.ask("两口子都失业了，孩子还小", ZHENGAN)
    assert answer.answered and "推荐就业岗位" in answer.text, answer.text
