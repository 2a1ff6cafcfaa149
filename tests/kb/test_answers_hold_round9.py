"""Issue 9, round 9: what residents told and asked in the ninth round's tuning sets, read the way they meant it —
the clause that asks, a sudden illness, a relative who works away, nobody (没人) to look after someone, and the
English and everyday words for provisions the seeds print."""

from __future__ import annotations

import pytest

from knowledge_base import KnowledgeBase
from knowledge_base.articles import Concept
from knowledge_base.retrieval import Matcher
from tests.kb.regions import (
    CHANGTAI,
    CHENGXIANG,
    DONGXIANG,
    GUANGHE,
    HEZHENG,
    JISHISHAN,
    KANGLE,
    LINXIA,
    LINXIA_COUNTY,
    TONGFU,
    TONGREN,
    YONGJING,
    ZHENGAN,
)


@pytest.mark.parametrize(
    ("text", "region", "wanted", "not_wanted"),
    [
        # Asking clause names the topic the place published.
        ("家里老人得了慢性病 天天吃药 会不会被盯着帮", JISHISHAN, "监测", "这个问题不在"),
        # Asking clause.
        ("我妈有糖尿病 天天吃药 会不会被盯着帮", CHENGXIANG, "监测", "这个问题不在"),
        ("老汉慢性病 常年吃药 能不能纳入监测", TONGREN, "监测", "这个问题不在"),
        # Sudden illness, alone: the individual's temporary aid.
        ("一个人过日子 突然病了手头紧 能给多少", TONGFU, "900", "这个问题不在"),
        # Sudden illness.
        ("我一个人过，突然生了病急需钱", TONGFU, "900", "这个问题不在"),
        ("老伴突然得了重病，手里没钱，能先救个急不", ZHENGAN, "临时救助", "这个问题不在"),
        # Where the money sits: 预拨.
        ("临时救助的钱是放在区里还是先拨到镇上啊", CHENGXIANG, "预拨", "一事一议"),
        # A mental illness told plainly.
        ("俺老汉脑子有病，犯起来打人，村上有人管没", DONGXIANG, "精神", "这个问题不在"),
        # 有老有小 is 一老一小.
        ("厝里有老有小，社区有没有人帮忙顾", CHENGXIANG, "一老一小", "这个问题不在"),
        # A crowded class.
        ("学校一个班塞那么多人，有人管无", CHENGXIANG, "大班额", "这个问题不在"),
        # English: local workers.
        ("On village road and irrigation projects, what share of local workers should be hired locally?",
         LINXIA, "35%", "这个问题不在"),
        # English: how fast.
        ("In an emergency, how fast can I get help?", TONGREN, "24", "先期垫付"),
        # Parents gone to work elsewhere: left-behind child, not residence.
        ("爹妈都去外地打工了，娃一个人在家没人管，政府管不管", LINXIA, "留守儿童", "居住地"),
        # The job's social insurance is in the article.
        ("低保户安排的公益岗位交不交社保", TONGFU, "社会保险", "这个问题不在"),
        # The seed's linkage to prices, printed.
        ("物价补贴是跟着什么涨的", LINXIA, "挂钩联动", "这个问题不在"),
        # Linkage.
        ("价格临时补贴跟啥挂钩", CHENGXIANG, "挂钩联动", "这个问题不在"),
        # 贷多少款 is a loan; a farm to start.
        ("俺想整个养殖 能贷多少款 利息咋算", TONGFU, "15万", "这个问题不在"),
        # Loan.
        ("想搞个养殖场 能贷多少钱", KANGLE, "贷款", "这个问题不在"),
        # Drinking water.
        ("村里没干净水喝 井水发黄", CHENGXIANG, "供水", "这个问题不在"),
        # A refusal explained.
        ("俺不符合救助条件 会告诉俺为啥不", TONGREN, "注明原因", "这个问题不在"),
        # A grievance.
        ("对救助有意见想反映 找哪", YONGJING, "信访", "这个问题不在"),
        ("对低保评定不满意 想投诉去哪", LINXIA, "信访", "这个问题不在"),
        # English: extreme hardship is 特困.
        ("In Linxia, the support standard for people in extreme hardship is how many times the dibao standard?",
         LINXIA, "1.3", "10%"),
        # English: extreme hardship.
        ("What do people in extreme hardship get each month in Zheng'an?", ZHENGAN, "741", "3876"),
        # English: leading group.
        ("Who heads the township's leading group for hardship relief?", TONGFU, "蔡少峰", "这个问题不在"),
        # English: director.
        ("Who is the director of the livelihood service center in Tongfu township?",
         TONGFU, "王永平", "这个问题不在"),
        # English: count as family income.
        ("do disability allowances count as family income when applying for dibao", TONGFU, "不计入", "审批权限"),
        # English: job costs.
        ("max deduction of job costs when counting dibao income", TONGREN, "30%", "公益性岗位"),
        # English: dangerous housing.
        ("which kinds of households get priority attention for dangerous housing", LINXIA, "低保户", "这个问题不在"),
        # English: rehab.
        ("Is rehab free for disabled kids from poor families? What ages?", ZHENGAN, "0-6", "护理补贴"),
        # A question part with no topic leans on the place clause before it.
        ("娃跟我们到临夏市打工 在那上学咋办", KANGLE, "随迁子女", "这个问题不在"),
        # A child's schooling where the parents work: 随迁子女, not residence.
        ("我们从山里搬到刘家峡打工，娃能在这边上小学吗？户口不在这", YONGJING, "随迁子女", "居住地"),
        # 没人 is nobody, not 每人 by sound nor 娃没人管 with one wrong character.
        ("邻居老两口没儿没女，年纪大了没人管，政府能帮啥", DONGXIANG, "特困", "孤儿"),
        # An old person left alone.
        ("家里老人一个人留守在村里，没人管", CHENGXIANG, "留守老人", "这个问题不在"),
        # A son away at work is the story; the old person alone.
        ("儿子在外地上班，我一个人在村里，病了都没人知道", TONGREN, "走访", "居住地"),
        # Whether anyone visits.
        ("我妈今年70了，一个人在村里住，我在外地打工。她眼睛不好，平时没人管。村里会有人定期去看她吗？",
         TONGREN, "季度", "居住地"),
        # Spending told, then deducting it from income asked: the deduction, not which incomes are exempt.
        ("我家吃低保，女儿今年考上大学，学费一年五千多，这笔钱算家庭收入的时候能不能扣掉？",
         TONGREN, "刚性支出", "基础养老金"),
        ("娃在读大学 一年学费一万多 这些钱申请低保算收入的时候能扣掉吗", CHENGXIANG, "刚性支出", "收入豁免"),
        ("我是低保户，今年住院花了不少，扣掉医保报销后剩下的还能补多少比例？一年最多补多少？", TONGFU, "70%", "1800"),
        # A single mother's own programme where the place prints one, the safety net where it does not.
        ("我丈夫前年走了，我一个人带两个娃。在村里打点零工，日子很紧。有没有帮单亲妈妈的项目？",
         TONGFU, "单亲母亲", "这个问题不在"),
        ("我是单亲妈妈 带两个娃 有啥帮扶", CHENGXIANG, "兜底", "这个问题不在"),
        # A ditch gone black and foul.
        ("村边的沟又黑又臭，夏天没法开窗", CHENGXIANG, "黑臭水体", "这个问题不在"),
        ("我家门口那条溪以前能洗衣服，现在有味道。区里有没有在治水？", CHANGTAI, "黑臭水体", "这个问题不在"),
        # Whether the offices share their data.
        ("民政的数据会给乡村振兴那边吗", TONGREN, "共享", "这个问题不在"),
        ("低保和扶贫的数据是不是联网的", ZHENGAN, "共享", "入户核查"),
        # Who got it made known: the public notice.
        ("低保批下来谁家吃了，村里人能知道吗？", ZHENGAN, "公示", "应保尽保"),
        # Found without applying.
        ("低保户是等人申请，还是上面会主动查出来纳入", LINXIA, "入户排查", "这个问题不在"),
        # Someone who cannot apply herself.
        ("阿妈一个人在家，没法自己去申请，谁能帮她报个监测", TONGREN, "村委会", "这个问题不在"),
        # English: per-person.
        ("What is the per-person temporary assistance for a family in sudden emergency in Tongfu?",
         TONGFU, "1200", "联席会议"),
        # A year's spending told with a rough figure (一年…好几万) asks nothing.
        ("我在常太镇，家里孩子看病一年医药费好几万，申请低保算收入时能扣掉吗？",
         CHENGXIANG, "刚性支出", "医保村村通"),
        ("儿子上大学一年好几万开销，算低保收入时这些能扣吗", TONGFU, "12个月", "燕宝"),
        # How a household's means are checked.
        ("低收入家庭的收入财产是怎么核实的", TONGREN, "核对", "这个问题不在"),
        ("家里收入是咋查的，要上门来看不", ZHENGAN, "入户核查", "这个问题不在"),
        # How soon help comes.
        ("家里遭了急事，啥时候能拿到救助啊，快不快", TONGREN, "24小时", "先期垫付"),
        # Nowhere to live after a fire: the sudden hardship first.
        ("家里着火，房子烧了一半，一家四口没地方住", TONGFU, "1200", "公共租赁住房"),
        ("房子着火烧了，一家人没地方住", ZHENGAN, "急难救助金", "这个问题不在"),
        # Nowhere to live, nothing else told: housing.
        ("没地方住 咋办", TONGFU, "公共租赁住房", "这个问题不在"),
        # English: rent subsidies, a house rated unsafe.
        ("Are there rent subsidies for low-income families who have no housing?", LINXIA, "租赁补贴", "1.5倍"),
        ("My dad's old mud-brick house in Hezheng has been rated unsafe. What help can a poor family get?",
         HEZHENG, "危房", "这个问题不在"),
        # 家门口 alone is where something is, not work near home.
        ("俺家门口那条河又黑又臭，区里管不管", CHENGXIANG, "黑臭水体", "以工代赈"),
        ("家门口能打工吗", LINXIA, "以工代赈", "这个问题不在"),
        # A divorce case without money for a lawyer.
        ("闺女要离婚，想打官司没钱请律师", TONGFU, "法律援助", "这个问题不在"),
        # Someone whose mind is unwell.
        ("村里有个精神不好的人到处乱跑，家里管不住", GUANGHE, "精神障碍", "这个问题不在"),
        # Under twice the 低保 line: the low-income band.
        ("俺家一个月人均收入不到低保的两倍，这算啥户", TONGREN, "低收入", "暂未公布"),
        # Who makes the visits (同仁市's seed names them).
        ("俺们村里谁来走访困难户", TONGREN, "驻村干部", "这个问题不在"),
        # Where reports are entered.
        ("救助申请的信息录到哪里", TONGREN, "一门受理", "这个问题不在"),
        # Found without applying.
        ("不去申请的话，政府能自己发现我家困难吗", TONGREN, "数据比对", "这个问题不在"),
        # An unsafe house with no money to repair it.
        ("俺们这房子住着不安全，又没钱自己修，咋办", LINXIA, "危房", "这个问题不在"),
        # Bad news spread about assistance: the public response.
        ("网上有人传低保的负面消息，区里会不会出来回应", CHENGXIANG, "第一时间", "7920"),
        # What a plan sets out to do overall.
        ("这个兜底保障方案总的要做到啥", TONGREN, "应兜尽兜", "暂未公布"),
        # A wrongful award: who checks.
        ("低保有人吃错了，谁来查", TONGREN, "督查", "不漏保"),
        # A sudden trouble (碰上难事).
        ("突然碰上难事，去哪里求助", ZHENGAN, "一门受理", "这个问题不在"),
        # A public kindergarten's aid, not its places.
        ("娃在村里公办幼儿园读，贫困户有补助不", ZHENGAN, "幼儿园", "参合"),
        # How the village keeps track of households in difficulty.
        ("村里咋掌握困难户的情况", TONGFU, "调查摸底", "这个问题不在"),
        # A left-behind child (留守娃娃).
        ("我妹妹家两口子都在新疆打工，孩子留给我们带。这种留守娃娃有没有救助？", DONGXIANG, "留守儿童", "备用金"),
        # A household named by its program is the group another program's amount is set for.
        ("我们家是特困户。房子是几十年的土坯房，一下雨就漏。乡里说能危房改造。特困户能补多少？",
         TONGFU, "39000", "请咨询"),
        ("我家是低保户，房子是老土坯房，墙也裂了。村里说能危房改造。低保户能补多少？", TONGFU, "30000", "暂未公布"),
        # Something taken off the income counted is a deduction, not which incomes are exempt.
        ("出去打工花的路费吃住钱，算收入时能扣不", TONGREN, "30%", "基础养老金"),
        ("算家庭收入的时候哪些花销能扣掉", TONGFU, "12个月", "不计入"),
        # The costs of going out to work, deducted: the employment costs, whichever pattern the lexicon lists first.
        ("娃出去打工的路费房租 算收入的时候能扣不 能扣多少", TONGREN, "30%", "刚性支出扣减"),
        # A list of groups (老人孩子残疾人) is no disabled child.
        ("听说老人孩子残疾人能多给点低保金，多给多少", TONGFU, "10%", "康复"),
        # One member on his own (单给他办低保).
        ("娃他爸病得很重，家里收入比低保高一点，能不能单给他办低保", TONGREN, "单人户", "不漏保"),
        # Asked from afar about family at home: the resident's own place.
        ("我在上海，爸爸刚找到份保安工作，低保会不会马上被取消？", CHENGXIANG, "渐退", "我们只有"),
        ("我在浙江，我爸一级残疾瘫在床上，护理补贴一月多少？", ZHENGAN, "50元", "我们只有"),
        ("我在上海，上海低保多少", CHENGXIANG, "我们只有", "7920"),
        # Treated in another city: where the patient goes, not what is asked.
        ("村医：建档立卡户有高血压，去贵阳省级公立医院看，一年自付最多多少？", ZHENGAN, "5000", "我们只有"),
        ("去兰州看病医保能报莫", LINXIA, "我们只有", "1.5倍"),
        # A program asked of a place the resident works in (俺在那打工: there, not home).
        ("上海低保标准多少 俺在那打工", ZHENGAN, "我们只有", "劳务协作"),
        # Where a patient had to go (往兰州跑), not what is asked.
        ("俺家老汉心脏不好，以前犯病都得往兰州跑，来回折腾好几回。听说县医院要建胸痛中心啥的，是真的吗",
         HEZHENG, "胸痛", "我们只有"),
        # Money kept at the township for emergencies.
        ("咱乡上有救急的钱没", TONGREN, "备用金", "这个问题不在"),
        # No money for the fare to go to work.
        ("想跟着去外地打工 没路费", LINXIA, "交通补助", "暂未公布"),
        # English: travel costs, on my own, flour and oil.
        ("Is there help with travel costs if I go out to work with an organized labour group?",
         LINXIA, "交通补助", "培训"),
        ("I'm seriously ill and my family is low-income. Can I get dibao on my own?", TONGREN, "单人户", "2倍"),
        ("Will there be enough flour and oil in Linxia? how many days of reserves", LINXIA, "10天", "这个问题不在"),
        # Papers first or help first.
        ("急难型临时救助要先把材料交齐才给钱吗", TONGFU, "先行救助", "1200"),
        # Part of an income not counted.
        ("低保家里有人上班了，收入有部分不算吗？", CHENGXIANG, "收入豁免", "延保渐退"),
        # The one asking is away: no question about residence.
        ("我在外地，能委托别人替我爸申请返贫监测吗？", TONGREN, "委托他人", "居住地"),
        # The office's director.
        ("帮扶解困办公室主任是谁，找谁办？", TONGFU, "王永平", "这个问题不在"),
        # What day money arrives: no seed says.
        ("我爸的高龄津贴每月几号到账？", TONGFU, "这个问题不在", "300元"),
        # A part that finds no topic is dropped beside an answered one (no 'not covered' line next to the answer).
        ("挣的钱有一部分花在坐车吃饭上，低保标准一年多少", CHENGXIANG, "7920", "这个问题不在"),
        # A deduction asked.
        ("核算收入时看病自己掏的钱扣不扣，算多长时间的", TONGFU, "12个月", "不计入"),
        # A child found to have cerebral palsy (生下来查出 is no inspection).
        ("娃儿生下来查出脑瘫，才两岁", ZHENGAN, "抢救性康复", "领导小组"),
        ("孙子两岁，查出脑瘫，家里穷", ZHENGAN, "抢救性康复", "护理补贴"),
        # A typhoon's damage is a disaster; whether one comes is the weather.
        ("台风把屋顶掀了，一家人没地方住", CHENGXIANG, "临时救助", "公共租赁住房"),
        ("莆田明天台风来不来", CHENGXIANG, "这个问题不在", "急难"),
        # A mind unwell.
        ("我爸精神上有病，时好时坏，家里看不住", YONGJING, "精神障碍", "这个问题不在"),
        # The grid worker who visits.
        ("村里有网格员没？遇到难处找谁啊", CHANGTAI, "网格员", "这个问题不在"),
        # Problems found put right and struck off (城厢区's seed, now in its article).
        ("督查查出的问题，整改完怎么算结束？", CHENGXIANG, "销号", "这个问题不在"),
        # How the work is inspected.
        ("上面用什么方式检查乡镇落实情况", TONGREN, "暗访督查", "这个问题不在"),
        # Before and after (事前 / 事后).
        ("linshi jiuzhu shiqian shihou you shenme qubie", TONGREN, "事前", "12小时"),
        # English: rumours, restarting after COVID.
        ("How does the district respond to negative online rumours about social assistance?",
         CHENGXIANG, "第一时间", "这个问题不在"),
        ("Our farm cooperative wants to restart after COVID. Does the district support that?",
         CHENGXIANG, "复工复产", "这个问题不在"),
        # What monitoring leads to, as 临夏州's seed says: 低保, 特困, 两项补贴 and 临时救助.
        ("疫情厂子停了，家里收入一下子没了", YONGJING, "临时救助", "这个问题不在"),
        ("俺家去年才脱贫，今年男人病倒了，收入一下没了，怕又返贫，政府管不管", LINXIA_COUNTY, "低保", "这个问题不在"),
        # School fees that cannot be raised: a hardship, so 同仁市's 临时救助 for schooling.
        ("孩子考上大学了学费凑不上", TONGREN, "先期垫付", "这个问题不在"),
        # How to pay into insurance is no question the seeds answer.
        ("灵活就业的咋交职工医保", CHENGXIANG, "这个问题不在", "医保村村通"),
        # English: extreme-poverty.
        ("How much per month does someone in the extreme-poverty support scheme get in Zheng'an",
         ZHENGAN, "741", "这个问题不在"),
        # Work that could not be reached (打工出不去) is a hardship, not the labour programmes.
        ("疫情打工出不去 屋里没收入了 咋半", JISHISHAN, "临时救助", "厦门"),
        # How the work is inspected.
        ("区里查民生工作用啥方式", CHENGXIANG, "四不两直", "这个问题不在"),
        # Aid not enough, can it be raised.
        ("救助额度不够 能往上提么", TONGFU, "一事一议", "这个问题不在"),
        # Articles say what their seed paragraph says (临夏州's work relief projects, edge households into 低保).
        ("以工代赈主要在哪些项目里安排本地人务工", YONGJING, "村组道路", "这个问题不在"),
        ("边缘易致贫户能进低保不，是咋个程序", LINXIA_COUNTY, "农村低保", "这个问题不在"),
        # Housing hard to find (住房难).
        ("俺是外地来打工的，住房难咋办？", CHENGXIANG, "公共租赁住房", "居住地"),
    ],
)
def test_round9_patterns(kb: KnowledgeBase, text: str, region: str, wanted: str, not_wanted: str) -> None:
    answer = kb.ask(text, region)
    assert wanted in answer.text, answer.text
    assert not_wanted not in answer.text, answer.text


def test_a_concept_a_pattern_found_can_be_taken_in_by_another_pattern() -> None:
    # 去外地打工 found by a pattern only, inside a longer pattern that takes it in: read as the longer one.
    away = Concept("away", (), patterns=("去外地打工",), overlaps=True)
    story = Concept("story", (), patterns=("儿子去外地打工了",), absorbs=("away",))
    assert Matcher([away, story], []).find("儿子去外地打工了") == {"story"}
    # The longer one listed first: it still takes in the shorter one read after it.
    assert Matcher([story, away], []).find("儿子去外地打工了") == {"story"}
