"""Issue 9, round 6: where a story says someone is (在西宁找到活了, 只能去贵阳省里的医院) or where home is
(我家那边), losing 低保 told in everyday words, and a hardship next to a topic the place has not published."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.text import compact

ZHENGAN, CHENGXIANG, TONGREN, TONGFU, LINXIA = "520324", "350302", "632301", "640221203", "6229"
XIALIN = "350302003"  # 霞林街道, 城厢区
CHANGTAI = "350302102"  # 常太镇, 城厢区
JUJI = "622927103"  # 居集镇, 积石山县


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # Places said in passing leave the question at home.
        # Where the resident works now is background; 我家那边 is home, not "over there".
        ("我现在在福州打工，户口在霞林街道，我家那边低保一个月多少", XIALIN, "低保"),
        # A hospital in an unserved city is where the patient goes, not the place asked about.
        ("县里看不好，只能去贵阳省里的医院看，慢性病药钱报完自己还掏不少，能补吗", ZHENGAN, "慢性病"),
        # Someone found work in another city: the question is about losing 低保 at home.
        ("我家吃低保几年了，今年老二在西宁找到活了，收入一下超过了，低保是不是马上就停？", TONGREN, "渐退"),
        # 积石山乡下 is rural 积石山县, not a township called 石山乡.
        ("我家在积石山乡下，卫生院拍不了片子也做不了心电图，县里的中心能帮上吗", JUJI, "心电"),

        # English questions in everyday words.
        ("Our daughter boards at a rural school. Is there a living subsidy?", ZHENGAN, "1000"),
        ("Do big hospitals help the county hospitals here?", LINXIA, "对口支援"),
        ("My wife gets unemployment insurance. Do we get a price subsidy?", CHENGXIANG, "失业保险金"),
        ("What is the housing-repair subsidy for a dibao family?", TONGFU, "3万"),

        # How it works in everyday words.
        ("通伏乡低保救助有多少户", TONGFU, "854"),  # how many households, not the 救助 rules in general
        ("政策到底落没落实，上面咋检查", CHENGXIANG, "四不两直"),
        ("救助是不是光给钱", TONGREN, "服务"),
        ("娃下岗了想做点小买卖，没本钱咋办", TONGFU, "15万"),

        # Rarely asked rules in residents' words.
        ("How long does the dibao phase-out last here?", TONGREN, "1年"),
        ("How many people get dibao in our township?", TONGFU, "953"),
        ("My son boards at a junior high school. What living allowance is there?", ZHENGAN, "1250"),
        ("保民生这个事是谁牵头", CHENGXIANG, "领导小组"),
        ("区里怎么检查下面的民生工作", CHENGXIANG, "四不两直"),
        ("一个人住，心里憋屈，连个说话的人都没有", TONGREN, "心理疏导"),

        # Short messages from elderly residents.
        ("家里有人瘫了，收入刚超过低保一点", TONGREN, "单人户"),
        ("领失业金的，物价补贴有加吗", CHENGXIANG, "1倍"),
        ("我家有的收入能不算吗", CHENGXIANG, "豁免"),
        ("急得很，多久能给救助", TONGREN, "24"),
        ("村上干部多久来家里看一趟", TONGREN, "季度"),
        ("屋头遭水淹了", ZHENGAN, "灾"),
        ("政府救了还是过不下去，咋办", TONGFU, "慈善"),
        ("乡上多久查一回帮扶", TONGFU, "季度"),

        # Everyday wording found in tuning.
        ("家里老人留在村里一个人住，生活有困难", CHENGXIANG, "临时救助"),
        ("外地来打工的，房子租不起", CHENGXIANG, "公共租赁住房"),
        ("低收入家庭要教育医疗救助去找谁", TONGREN, "转介"),
        ("临时就助的钱镇里有没有，还是要等区里批", CHENGXIANG, "预拨"),
        ("区里普惠园多不多", CHENGXIANG, "90%"),
        ("想贷点款搞养殖，有门路没", TONGFU, "15万"),
        ("How much of the cost of getting a job is deducted from income?", TONGREN, "30%"),

        # A person alone, and a collapsing house of a covered household.
        ("能不能只给我弟弟一个人办低保", TONGREN, "单人户"),
        ("屋里房子塌了半边，俺家是低保户", TONGFU, "3万"),
        ("我是特困户，房子快塌了", TONGFU, "3.9万"),

        # Funds, and children without parents.
        ("救助的钱是怎么拨到镇里的", CHENGXIANG, "预拨"),
        ("娃他爹走了，娘也改嫁了，娃跟着我过，有补贴没", LINXIA, "事实无人抚养"),
        ("孩子爸妈都不在了，奶奶带着", LINXIA, "孤儿"),

        # Building without money, and where to complain.
        ("五保户自己没钱修房，政府咋弄", LINXIA, "多种方式"), ("告状到哪里去", LINXIA, "信访")
    ],
)
def test_answered_with_the_place_s_rule(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and answer.sources, answer.text
    assert wanted in answer.text


def test_countryside_of_a_county_is_no_township(kb: KnowledgeBase) -> None:
    names = [m.text for m in kb.places.read("我住在积石山乡下")]
    assert names == ["积石山"]


@pytest.mark.parametrize(
    ("text", "concept"),
    [
        ("去外地打工的路费能给报吗", "travel_aid"),  # the transport subsidy, not a cost taken off income
        ("儿子儿媳在外面打工，孙女也没人照顾", "orphan"),
        ("存款都花得差不多了", "money_gone"),
        ("干活把腰伤了", "injured"),
        ("一个人过，生活没着落", "hard_times"),
        ("救助的钱是县里给还是乡里就有", "funds_source"),
    ],
)
def test_a_situation_is_read_in_the_words_it_is_told(kb: KnowledgeBase, text: str, concept: str) -> None:
    assert concept in kb.index.matcher.find(compact(text))


def test_a_cost_taken_off_income_is_still_read_as_one(kb: KnowledgeBase) -> None:
    found = kb.index.matcher.find(compact("打工的路费算收入时能扣吗"))
    assert "employment_cost" in found and "travel_aid" not in found


def test_left_behind_grandchildren_are_the_question_not_the_parents_work(kb: KnowledgeBase) -> None:
    found = kb.index.matcher.find(compact("儿子媳妇在外打工，孙子没人管"))
    assert "orphan" in found and "migrant_work" not in found


@pytest.mark.parametrize(
    "text",
    ["孩子出去打工挣了些钱，担心低保就没了", "低保是不是说停了就停了", "赚了点钱以后低保还给不给"],
)
def test_losing_dibao_in_everyday_words_is_the_gradual_exit(kb: KnowledgeBase, text: str) -> None:
    assert "gradual_exit" in kb.index.matcher.find(compact(text))


def test_hardship_beside_an_unpublished_topic_gets_the_place_s_temporary_assistance(kb: KnowledgeBase) -> None:
    """城厢区 has published nothing on migrant workers; a family left at home and struggling is what its
    临时救助 is for."""
    answer = kb.ask("男人去外地打工了，我在家带两个娃还有老人，家里很困难，有人管不", CHANGTAI)
    assert "临时救助" in answer.text and answer.sources


def test_claiming_unemployment_insurance_is_still_declined(kb: KnowledgeBase) -> None:
    assert not kb.ask("How do I claim unemployment benefits?", CHENGXIANG).answered


def test_a_sentence_that_tells_is_no_second_question(kb: KnowledgeBase) -> None:
    """我们家收入不高，也够不上低保。 tells; the question is the yes-or-no one after it (单人户)."""
    answer = kb.ask("我妹妹重度残疾，一直跟着我们过。我们家收入不高但也不够低保条件。"
                    "她自己单独能吃低保吗？要咋办手续？", TONGFU)
    assert answer.answered and "单人户" in answer.text, answer.text


def test_a_clause_ending_in_de_says_whom_the_question_is_about(kb: KnowledgeBase) -> None:
    """需要住房救助的，… is who is meant, not a question about 住房救助 of its own."""
    assert kb._questions_in("需要医疗住房救助的，民政能转给别的部门吗") == ["需要医疗住房救助的，民政能转给别的部门吗"]
    answer = kb.ask("需要医疗住房救助的，民政能转给别的部门吗", TONGREN)
    assert "转介" in answer.text and "暂未公布" not in answer.text


@pytest.mark.parametrize(
    ("text", "common"),
    [("娃娃爹妈都莫有了", "没有"), ("阮翁瘫在床", "我老公"), ("厝里无收入", "家里"), ("囝都去外地", "孩子"),
     ("屋头莫得人", "家里没得人"), ("啷个申请", "怎么申请")],
)
def test_dialect_words_are_read_as_their_common_ones(text: str, common: str) -> None:
    assert common in compact(text)


def test_a_dialect_question_is_answered(kb: KnowledgeBase) -> None:
    answer = kb.ask("想养牛莫本钱，能贷款不", TONGFU)
    assert answer.answered and "15万" in answer.text


def test_the_money_for_looking_after_a_disabled_son_is_the_care_subsidy(kb: KnowledgeBase) -> None:
    answer = kb.ask("儿子瘫在床上评了一级残疾，照顾他一个月能领多少钱", ZHENGAN)
    assert answer.answered and "50" in answer.text


@pytest.mark.parametrize("text", ["失业保险金每个月能领多少", "失业金能领几个月"])
def test_how_much_unemployment_benefit_pays_is_still_declined(kb: KnowledgeBase, text: str) -> None:
    assert not kb.ask(text, CHENGXIANG).answered


def test_income_that_is_not_low_is_no_question_about_exempt_income(kb: KnowledgeBase) -> None:
    assert "exempt_income" not in kb.index.matcher.find(compact("收入不算低但日子过不下去"))


def test_the_prefecture_s_short_name_turns_back_to_the_resident(kb: KnowledgeBase) -> None:
    """临夏 from 东乡族自治县 (the prefecture, 临夏市 or 临夏县: one document) after another served place is
    the resident's own: the answer is 临夏州's, not 正安县's."""
    answer = kb.ask("正安县搬迁的每人给1500，临夏出去打工有补助吗", "622926")
    assert answer.answered and "临夏州" in answer.text and "正安县" not in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [("老伴透析一个月花好几千，算家里收入的时候这钱能扣掉吗", XIALIN),
     ("闺女在读大学，学费住宿一年一万出头。家里想申请低保。算家庭收入的时候学费能不能扣掉？", TONGFU)],
)
def test_a_cost_taken_off_when_income_is_counted_is_a_deduction_not_an_exemption(kb: KnowledgeBase, text: str,
                                                                                  region: str) -> None:
    found = kb.index.matcher.find(compact(text))
    assert "rigid_expense" in found and "exempt_income" not in found
    assert kb.ask(text, region).article_id == "dibao.rigid_expenses"


@pytest.mark.parametrize(
    "text",
    ["娃娃跟我在城里，能进学校吗", "我们从和政搬到临夏市打工。随迁的娃能在这边上学吗？",
     "学校说要看户口，外地来的娃咋上学"],
)
def test_children_who_came_with_working_parents_are_the_migrant_children_rule(kb: KnowledgeBase,
                                                                              text: str) -> None:
    answer = kb.ask(text, "622901")
    assert answer.answered and "随迁子女" in answer.text, answer.text


def test_a_child_already_at_school_here_is_told_not_asked(kb: KnowledgeBase) -> None:
    assert "migrant_children" not in kb.index.matcher.find(compact("孩子也在这边上学，我们能申请公租房吗"))


def test_a_hardship_settles_a_tie_for_temporary_assistance(kb: KnowledgeBase) -> None:
    """Relocation's jobs and its 临时救助 match 搬到安置点 alike; 搬家困难 asks for the 临时救助 (1500)."""
    answer = kb.ask("从山上搬到安置点，搬家困难，有钱补没", ZHENGAN)
    assert answer.answered and "1500" in answer.text, answer.text


def test_how_to_claim_insurance_is_no_hardship(kb: KnowledgeBase) -> None:
    assert not kb.ask("医保报销要带什么材料", "632301").answered


def test_a_family_that_cannot_find_the_money_for_college_gets_the_college_aid(kb: KnowledgeBase) -> None:
    """上学的钱凑不齐 is money the family lacks, not a cost taken off income (刚性支出)."""
    text = "闺女考上了二本。家里收入不高，老人还常年吃药。上学的钱实在凑不齐，咋办？"
    assert "rigid_expense" not in kb.index.matcher.find(compact(text))
    answer = kb.ask(text, TONGFU)
    assert answer.answered and "助学贷款" in answer.text, answer.text


def test_a_situation_told_beside_an_unpublished_topic_gets_the_place_s_rules_for_it(kb: KnowledgeBase) -> None:
    """城厢区 has published no 失能老人 subsidy; 家里无收入 stands for 低保, whose rules it has published."""
    answer = kb.ask("我老公瘫在床上，家里没有收入", XIALIN)
    assert "暂未公布" in answer.text and "7920" in answer.text and answer.sources, answer.text


@pytest.mark.parametrize(("text", "asks"), [("一年学费一万多", False), ("每月工资两千多块", False),
                                            ("低保一年多少", True), ("一年能领几个月", True)])
def test_a_period_with_a_figure_told_asks_nothing(kb: KnowledgeBase, text: str, asks: bool) -> None:
    assert kb.index.matcher.asks(text) is asks


def test_a_figure_asked_comes_from_a_close_match_that_prints_one(kb: KnowledgeBase) -> None:
    """The services rules (no figure) and the 失能老人 subsidy (300/400/500) both match; 一年多少 is the subsidy."""
    answer = kb.ask("我在家照顾婆婆。婆婆七十五了，中度失能，家里是低保。她那个失能补贴一年多少？", TONGFU)
    assert answer.answered and "400" in answer.text, answer.text


def test_a_figure_asked_of_a_named_program_after_a_story(kb: KnowledgeBase) -> None:
    """高中 told in the story is not what 低保现在一个人一年多少钱 asks about."""
    answer = kb.ask("我是霞林街道的，家里三口人。老公去年中风瘫了，我在家照顾走不开，儿子在读高中。"
                    "低保现在一个人一年多少钱？", XIALIN)
    assert answer.answered and "7920" in answer.text, answer.text


def test_who_approves_dibao_is_the_application_rule(kb: KnowledgeBase) -> None:
    answer = kb.ask("低保是谁审批，要报到县里吗", TONGFU)
    assert answer.answered and "下放" in answer.text, answer.text
