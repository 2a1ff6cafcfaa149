"""Issue 9, round 11: what residents asked in the eleventh round's tuning sets, read the way they meant it —
a place written in pinyin asked about as it is in Chinese."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from tests.kb.regions import CHENGXIANG, LINXIA, TONGFU, TONGREN, ZHENGAN


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # 上海 in pinyin is the place asked about (shanghai de dibao: 上海的低保), not 正安县's labour cooperation
        # with Shanghai, as in Chinese.
        ("shanghai de dibao biaozhun shi duoshao", ZHENGAN),
        ("shanghai dibao biaozhun duoshao", ZHENGAN),
        ("shanghai de dibao biaozhun shi duoshao", TONGREN),
    ],
)
def test_round11_unserved_place_in_pinyin_is_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    answer = kb.ask(text, region)
    assert not answer.answered and "上海" in answer.text and "我们只有" in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # Where the resident works, in pinyin (wo zai … dagong), is background: the question is about home.
        ("wo zai shanghai dagong, laojia dibao duoshao qian", ZHENGAN, "3876"),
        ("wo zai xining dagong, laojia dibao duoshao qian", ZHENGAN, "3876"),
        # Shanghai as the labour cooperation the resident's county runs is still that.
        ("My cousin in Zhengan wants to work in shanghai thru the east west labour cooperation, job fairs how often",
         ZHENGAN, "招聘会"),
        # …while what the seeds say of the pension and the minimum wage is still answered.
        ("养老金算不算低保收入", TONGREN, "不计入"),
        ("低保标准和最低工资有啥关系", CHENGXIANG, "最低工资"),
        # Whether aid comes before the costs or after them (出事就给还是看完病再给, 住院要先交钱) is the
        # seed's 事前 / 事后 aid, not how to apply or how fast the township answers.
        ("家里突然有人住院，乡镇临时救助是出事就给还是看完病再给", TONGREN, "先期垫付"),
        ("老阿爸冬天摔断了腿，住院要先交钱，家里拿不出来咋办？", TONGREN, "先期垫付"),
        ("My dad fell seriously ill and we can't pay the hospital deposit. Can temporary aid be paid before the costs?",
         TONGREN, "先期垫付"),
        # Where the seed says only what follows a hospital stay, that is the answer.
        ("老阿爸冬天摔断了腿，住院要先交钱，家里拿不出来咋办？", ZHENGAN, "生活性临时救助"),
        # "Do we lose 低保 at once now that a child earns?" asks about the gradual exit.
        ("孩子刚参加工作有了工资，家里是不是马上不能吃低保了", TONGREN, "渐退期"),
        ("闺女在城里上班了，家里是不是立马不能吃低保了", CHENGXIANG, "延保渐退"),
        # An old person who can no longer do half of what living needs is the seed's 半失能 elder.
        ("我70多了，吃低保，腿脚不便一半事情自己做不了", TONGFU, "300"),
        ("我爹80了吃低保，吃饭穿衣要人帮，有啥补贴", TONGFU, "400"),
        # Wages earned, and what may be taken off when they are counted as income: the cost of working.
        ("俺娃在外头打工挣了点，算低保收入的时候能扣掉些不？", TONGREN, "30%"),
        ("俺家娃打工挣了点钱，算收入时能扣掉点不", TONGREN, "30%"),
        # "Who gives final approval" asks who decides: the levels of review, not advance payment.
        ("Who gives final approval when a family is added as a poverty-monitoring household in Tongren?", TONGREN,
         "市级"),
        ("Who gives final approval for a household to become a monitoring target?", LINXIA, "州"),
        # Whether 低保 is checked again every year (再查一遍, 年年查) is the review, not the standard.
        ("咱家的低保是不是每年都要再查一遍", TONGFU, "复核"),
        # Whether the township holds the money already (钱镇里手上有没有) is the money sent down in advance.
        ("城厢区临时救助的钱镇里手上有没有", CHENGXIANG, "预拨"),
        ("临时救助的钱是区里批了才有，还是镇里提前就有", CHENGXIANG, "预拨"),
        # Hit by a car (被车撞了) is the traffic accident the seeds name among emergencies.
        ("我哥被车撞了，家里一下子垮了", ZHENGAN, "急难救助金"),
        ("种地时被车撞了，医药费花光了家里没钱", TONGREN, "临时救助"),
        # A rented home and a question whether housing can be sorted out (房子是租的…能帮他解决住房吗): public rental
        # housing, not a topic Minsheng does not cover.
        ("我哥离婚了一个人带俩孩子，住凤凰山街道。工作不稳定，房子是租的，贵得很。区里能帮他解决住房吗？", CHENGXIANG,
         "公共租赁住房"),
        # Whether village cadres find households in need (驻村干部管不管发现困难户) is the seeds' 主动发现; whether
        # all of the wages are counted (打工的收入全算进去吗) the cost of working taken off them. (Lines of
        # blind_h63, read after its last measurement.)
        ("村里的驻村干部管不管发现困难户的事", TONGREN, "驻村"),
        ("低保户家里有人出去打工，打工的收入全算进去吗", TONGREN, "30%"),
    ],
)
def test_round11_answered_with(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    """Answered, and with what the seed says of what was asked."""
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # Near misses no seed speaks to: the pension's yearly check and its rise, the minimum wage, an employee's
        # medical insurance account, a graduate's papers, checking a certificate.
        ("老人在外地住，养老金资格认证怎么在手机上做", CHENGXIANG),
        ("退休人员养老金今年涨了百分之几", TONGFU),
        ("城厢区最低工资标准一个月多少钱", CHENGXIANG),
        ("职工医保个人账户能给外地父母用吗", LINXIA),
        ("大学毕业了档案放哪里，报到证怎么办", ZHENGAN),
        ("职业技能等级证书怎么查真伪", ZHENGAN),
        ("助学贷款毕业以后怎么还，什么时候开始还", ZHENGAN),
    ],
)
def test_round11_near_misses_are_declined(kb: KnowledgeBase, text: str, region: str) -> None:
    assert not kb.ask(text, region).answered


@pytest.mark.parametrize(
    ("text", "region", "wanted", "not_wanted"),
    [
        # A long word written with homophones (残急人生活补帖) weighs as written right: the disability living
        # subsidy's share of the 低保 standard, not the 低保 supplement.
        ("残急人生活补帖按低保标准的百分之几增发", ZHENGAN, "10%", "按标施保"),
        ("残急人生活补贴按低保标准几成增发", ZHENGAN, "30%", "按标施保"),
        # Pinyin is read as the words it sounds (pin kun cun: 贫困村), their characters counted too.
        ("lin xia zhou pin kun cun you ji ge", LINXIA, "贫困村", "两户见面会"),
    ],
)
def test_round11_words_read_through_a_typo_count_as_written_right(kb: KnowledgeBase, text: str, region: str,
                                                                   wanted: str, not_wanted: str) -> None:
    answer = kb.ask(text, region)
    assert wanted in answer.text and not_wanted not in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted", "not_wanted"),
    [
        # "There they give 特困户 X for renovation; what do ours get?" asks the renovation grant for 特困户 at home,
        # not the 特困 standard; and never the other place's figure.
        ("姚伏镇的人说危房改造特困户给3万 俺们通伏特困户给多少", TONGFU, "39000", "特困供养标准"),
        ("隔壁姚伏镇有人说危房改造补了钱，我们通伏乡特困户补多少", TONGFU, "39000", "特困供养标准"),
        ("我姐在通伏乡，她说危房改造特困户给3.9万，咱临夏特困户给多少", LINXIA, "危房", "39000"),
        # A question after the turn with its own topic keeps it (…正安县对贫困户创业有啥扶持).
        ("通伏乡创业担保贷款最高15万，正安县对贫困户创业有啥扶持？", ZHENGAN, "创业", "15万"),
    ],
)
def test_round11_a_group_asked_after_another_place_takes_its_topic(kb: KnowledgeBase, text: str, region: str,
                                                                   wanted: str, not_wanted: str) -> None:
    answer = kb.ask(text, region)
    assert wanted in answer.text and not_wanted not in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # A situation told with 救助 beside a clause that asks (…啥时候能给个准话) is the story: the question is
        # how soon the township answers, where the seed says, and that it does not say where it does not.
        ("遇到急事找乡里要救助，啥时候能给个准话？", TONGREN, "12小时"),
        ("遇到急事找乡里要救助，啥时候能给个准话？", ZHENGAN, "暂未公布临时救助时限"),
        ("家里急事找乡上要临时救助，啥时候能给个回话", TONGREN, "12小时"),
    ],
)
def test_round11_a_situation_told_with_aid_is_no_question(kb: KnowledgeBase, text: str, region: str,
                                                         wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.text.startswith(("同仁市", "正安县")) and wanted in answer.text.split("\n")[0], answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # A place that takes in someone with a severe disability is the seed's 集中托养…
        ("弟弟是重度残疾，我妈年纪大了照顾不动。市里有没有能把重残人员集中照顾的地方？", TONGREN, "托养"),
        # …and for a 特困 person who is old, its 集中供养.
        ("我哥是特困人员，一个人住乡下，现在走路都困难了。家里人都在外地顾不上。市里有没有地方能集中照顾他？", TONGREN,
         "集中供养"),
        # How often officials visit (季度 is how often): the visits, not what counts as a low-income family.
        ("How often do officials visit low-income and dibao households in Tongren?", TONGREN, "季度"),
        ("Tongren: how often do officials go door to door to check on low-income households?", TONGREN, "季度"),
        ("How often do officials visit low-income and dibao households?", TONGFU, "走访"),
        # Nobody from the village has come to ask (村里也没人来问): the visits officials owe households.
        ("家里收入突然断了 村里也没人来问", TONGREN, "季度"),
        ("男人去世了家里没收入，村上也没人来问过", TONGREN, "季度"),
        # English: advancing aid before the paperwork, an allowance counted "as family income", the disabled's
        # living allowance (not 低保).
        ("My mum got hurt in an accident and we can't pay the bills yet. Can the township advance emergency aid money "
         "before the paperwork?", TONGREN, "先期垫付"),
        ("Does Tongfu township count disability allowances as family income when checking dibao eligibility?", TONGFU,
         "不计入"),
        ("How much is the living allowance for poor disabled people in Zheng'an?", ZHENGAN, "10%"),
    ],
)
def test_round11_answered_first_with(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    """Answered, and the first article given is the one asked about."""
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text.split("\n")[0], answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # 检测 written for 监测 (the same sound) in the name of the monitoring platform.
        ("低收入人口检测平台都录了哪些人", TONGREN, "监测"),
        ("低收入人口检测平台是干啥的", TONGREN, "监测"),
    ],
)
def test_round11_the_monitoring_platform_misspelt(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.article_id == "monitoring.database" and wanted in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # A natural disaster named by its kind (冰冻灾, 旱灾, 凝冻) is disaster relief; a house fire is not one.
        ("我们村遭了冰冻灾，房子垮了，吃住都成问题咋办？", ZHENGAN, "救灾"),
        ("今年闹了旱灾，庄稼都旱死了，有啥救助", LINXIA, "灾"),
    ],
)
def test_round11_a_disaster_named_by_its_kind(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.article_id == "disaster_relief.victims" and wanted in answer.text, answer.text


def test_round11_a_house_fire_is_temporary_aid(kb: KnowledgeBase) -> None:
    assert kb.ask("家里着火了，东西都烧没了", ZHENGAN).article_id != "disaster_relief.victims"


@pytest.mark.parametrize(
    ("text", "region", "article"),
    [
        # A child whose parents work away and who lives with grandparents is a 留守儿童, whatever the parents do.
        ("孙子爸妈在外打工，娃跟着俺过，家里困难，娃能得到啥救助？", LINXIA, "child_welfare.orphans"),
        ("娃他爹没了，我改嫁了，娃跟着爷爷奶奶留在家里，有没有救助", LINXIA, "child_welfare.orphans"),
        ("孩子爸妈都去外地打工了，孙子跟着我过，有啥救助", TONGREN, "child_welfare.orphans"),
        # Income gone for a family member who worked away: monitoring, not the subsidy for organised migrant work.
        ("我哥在外打工疫情后没活了 家里收入一下没了 咋办", LINXIA, "monitoring.procedure"),
        ("疫情这段时间在外打工回不来，家里收入一下子断了，会有人管吗", LINXIA, "monitoring.procedure"),
        ("我哥在外打工疫情后没活了 家里收入一下没了 咋办", TONGREN, "monitoring.procedure"),
        # A grave illness told beside the household's group (贫困户) is the serious-illness treatment, not the
        # group's insurance subsidy.
        ("得了尿毒症 贫困户 能不能治", ZHENGAN, "medical_assistance.serious_disease"),
        # Building a house one cannot pay for (出不起钱盖房) is the dangerous-house renovation, for 特困户 too.
        ("特困户自己出不起钱盖房咋弄", LINXIA, "housing_renovation.amounts"),
        ("特困户自己没钱也没劳力盖房子，政府咋解决", LINXIA, "housing_renovation.amounts"),
    ],
)
def test_round11_answered_from(kb: KnowledgeBase, text: str, region: str, article: str) -> None:
    """Answered from the article on what was asked."""
    assert kb.ask(text, region).article_id == article


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # A child studying in a place we do not serve: the place is where the child is, the question is the
        # college fees at home (not "we have no policy for 银川", nor the 低保 count the rest of it names).
        ("孩子在银川上本科，家里是低保户，学费咋办", TONGFU, "助学"),
        ("女儿在贵阳读大学，家里是贫困户，学费交不起咋办", ZHENGAN, "助学贷款"),
    ],
)
def test_round11_studying_elsewhere_keeps_the_question(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.article_id == "education_aid.college" and wanted in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # Whether the government does something about rising prices (菜价涨得厉害，州上管不管) asks about keeping
        # supply and prices steady, not the price subsidy for households.
        ("最近老家粮油菜价涨得厉害，州上管不管", LINXIA),
        ("菜价肉价涨得凶，州上管不管嘛", LINXIA),
    ],
)
def test_round11_does_the_government_act_on_prices(kb: KnowledgeBase, text: str, region: str) -> None:
    assert kb.ask(text, region).article_id in {"price_stability.reserve", "price_stability.meat_reserve"}


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # 个人给多少 after a question about a programme asks its amount per person, not an individual's own share
        # of medical insurance.
        ("我弟在平罗县城打工，户口在通伏。他腰伤了干不了活，一个人过。想问能给临时救助吗，个人给多少？", TONGFU, "900"),
    ],
)
def test_round11_how_much_each_person_gets(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.answered and wanted in answer.text and "医保" not in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted"),
    [
        # A graduate back home who wants to open an online shop asks about starting a business, not college aid.
        ("我妹大学毕业回通伏想开网店。家里是低保户，手头没钱。乡里有啥扶持？", TONGFU, "创业"),
        ("我家娃大学毕业了想回村开网店，家里是边缘户，能贷款不", LINXIA, "贷"),
    ],
)
def test_round11_an_online_shop_is_a_business(kb: KnowledgeBase, text: str, region: str, wanted: str) -> None:
    answer = kb.ask(text, region)
    assert answer.article_id is not None and answer.article_id.startswith("entrepreneurship.") and wanted in answer.text


def test_round11_pinyin_with_tone_marks_is_read_whole() -> None:
    """A tone mark (falü, tuōpín) does not split a pinyin word into pieces the English layer drops."""
    from knowledge_base.english import read_english

    assert "falv" in read_english("Tongfu xiang dibao jiating you mei you mianfei falü yuanzhu")


def test_round11_legal_aid_in_pinyin_with_u_umlaut(kb: KnowledgeBase) -> None:
    answer = kb.ask("Tongfu xiang dibao jiating you mei you mianfei falü yuanzhu", TONGFU)
    assert answer.answered and "法律援助" in answer.text, answer.text


@pytest.mark.parametrize(
    ("text", "region", "wanted", "answered"),
    [
        # A relative who is somewhere, in a story that goes on (我弟在贵阳，也顾不上。…), is where they are…
        ("我弟在贵阳，也顾不上。我妈一个人在家，今年七十五了，特困供养金一个月多少？", ZHENGAN, "741", True),
        # …but a place asked about right after it, or pointed back to, is still the place asked about.
        ("我姐在北京，低保多少", ZHENGAN, "我们只有", False),
        ("我姐在北京，她说那边低保高，我们这低保多少", ZHENGAN, "3876", True),
    ],
)
def test_round11_a_relative_somewhere(kb: KnowledgeBase, text: str, region: str, wanted: str, answered: bool) -> None:
    answer = kb.ask(text, region)
    assert answer.answered is answered and wanted in answer.text, answer.text


def test_round11_an_old_person_left_alone(kb: KnowledgeBase) -> None:
    # 就剩我一个人 after a spouse's death is an old person left alone (特困's no supporter), and the 低保 rise
    # asked about is still said: not the public-welfare jobs 没人上班 once found.
    answer = kb.ask("老伴走了，就剩我一个人过，低保今年给涨了没有", LINXIA)
    assert answer.answered and "10%" in answer.text and "公益" not in answer.text, answer.text
