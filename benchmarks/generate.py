"""Generate a synthetic province (合成省级数据): flat goal tables, quarterly actuals and spending.

The province is made of budget units (预算单位) of a few projects each; every project
takes its indicator tree from one of the ten real goal tables of the seed disclosure
(2021, 昌吉州市场监督管理局), varies the numbers of its targets and keeps their written
forms (``≧485``, ``≥90%``, ``=4次``, ``12月``, ``2021年1-12月``, ``逐年提高``, ``持续`` …).
It writes, into ``--out``:

- ``goals-2021.csv``: the flat goal table of every project (one row per indicator, the
  project's money and release plan on its first row), the layout of ``kpitrack.io.flat``;
- ``goals-2020.csv``: last year's table of the projects whose trend indicators
  (逐年提高) are measured, so that a trend compares with last year;
- ``actuals-2021.csv``: four quarters of actuals in the ``kpitrack import`` format
  (``project,indicator,period,value,note``): most projects on track, some behind, some
  values missing, grades for qualitative targets, 不适用 now and then;
- ``actuals-2021-corrections.csv``: re-recorded values that supersede some of the above;
- ``actuals-2020.csv``: last year's year-end values of the measured trend indicators;
- ``spending-2021.csv``: money spent per quarter (``project,period,amount,note``).

Everything is streamed, project by project, and the output depends only on
``--projects`` and ``--seed``::

    python benchmarks/generate.py --projects 100000 --seed 1 --out bench-data/province-100000
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import attrs

from kpitrack import thresholds
from kpitrack.model import LEVEL2, Aggregate, Indicator
from kpitrack.thresholds import Kind

# The ten goal tables of the seed (level 2, indicator name, target as written), copied as data.
SEED_TABLES: tuple[tuple[tuple[str, str, str], ...], ...] = (
    (
        ("数量指标", "聘请法律顾问人数", "1人"),
        ("数量指标", "印制法律法规宣传资料", "10000份"),
        ("数量指标", "全年开展法律法规宣传", "4次"),
        ("数量指标", "组织执法人员、信息宣传培训", "4次"),
        ("数量指标", "组织开展法治讲座", "2次"),
        ("数量指标", "与主流媒体签订合作协议", "4家"),
        ("数量指标", "购云台相机数量", "2台"),
        ("质量指标", "组织全局职工参加无纸化法律学习合格率", "100%"),
        ("质量指标", "组织机关干部撰写信息，投稿率达到比例", "≥80%"),
        ("时效指标", "项目所需时间", "12月"),
        ("成本指标", "普法工作成本", "5万"),
        ("成本指标", "聘请法律顾问成本", "5万"),
        ("成本指标", "宣传、培训活动经费", "25万元"),
        ("社会效益指标", "提高全局干部职工法治意识及社会公众对我局业务知晓比率", "逐年提高"),
        ("社会效益指标", "引导各行各业重视发展质量意识，提升企业质量管理水平", "逐年提高"),
        ("可持续影响指标", "持续推动社会公众通过媒介了解相关政策并运用到生活中的影响力。", "长期"),
        ("满意度指标", "社会公众满意度", "≥90%"),
    ),
    (
        ("数量指标", "开展食品生产、经营企业监督检查（家）", "≧485"),
        ("数量指标", "完成检查报告数量（个）", "≧4"),
        ("数量指标", "检查频次（次）", "≧15"),
        ("数量指标", "开展药品、医疗器械、化妆品经营企业和疫苗接种单位安全检查（家）", "≧400"),
        ("数量指标", "组织开展食品、药品、医疗器械、化妆品宣传活动（次）", "≧11"),
        ("数量指标", "开展药品专项整治（次）", "≧4"),
        ("数量指标", "组织开展食安员考试（次）", "≧1"),
        ("数量指标", "组织开展全州食品经营者食品安全知识培训（次）", "≧1"),
        ("数量指标", "印制药品安全知识宣传资料（份）", "≧35000"),
        ("质量指标", "违法企业处理率（%）", "100%"),
        ("质量指标", "食品安全知识宣传覆盖率（%）", "≥90%"),
        ("质量指标", "昌吉州药品、医疗器械生产企业监督检查覆盖率（%）", "100%"),
        ("时效指标", "年度检查任务按时完成率（%）", "100%"),
        ("时效指标", "项目开展时间", "2021年1-12月"),
        ("成本指标", "食品生产、经营安全监管成本（万元）", "≦12"),
        ("成本指标", "药品安全监管成本（万元）", "≦10"),
        ("成本指标", "临聘人员工资及社保（万元）", "≦8"),
        ("社会效益指标", "检查结果公开率（%）", "≧100%"),
        ("社会效益指标", "加强全州食品、药品市场监管，促进产业健康发展。", "逐年加强"),
        ("可持续影响指标", "问题整改落实率（%）", "≧100%"),
        ("可持续影响指标", "通过监督检查，提高生产经营企业风险监控能力，落实主体责任，保障食品药品质量安全。", "持续"),
        ("满意度指标", "社会公众满意度（%）", "≥95%"),
        ("满意度指标", "检查人员被投诉次数（次）", "≦0"),
    ),
    (
        ("数量指标", "保障大楼内水电暖正常运转，开展日常维修维护次数。", "=4次"),
        ("数量指标", "大楼内三部电梯维保检查次数", "=12次"),
        ("数量指标", "空调消防设施维保安全检查次数", "=12次"),
        ("质量指标", "环境卫生质量良好率", "≥95%"),
        ("时效指标", "项目所需时间", "=12月"),
        ("成本指标", "大楼水电暖、空调、电梯、消防、监控系统等维保费用", "10万元"),
        ("成本指标", "大楼物业管理成本", "75万元"),
        ("社会效益指标", "不发生安全事故", "100%"),
        ("可持续影响指标", "保障大楼正常运转情况良好", "持续提高"),
        ("满意度指标", "干部职工满意度", "≥95%"),
    ),
    (
        ("数量指标", "组织工作人员食品安全应急管理指导等培训（次）", "≧8"),
        ("数量指标", "印制宣传材料（份）", "≧10000"),
        ("数量指标", "开展打击传销、市场专项监督检查（次）", "≧2"),
        ("数量指标", "开展食品安全应急演练（次）", "≧1"),
        ("数量指标", "查办案件（件）", "≧20"),
        ("数量指标", "完成“双随机、一公开”联合抽查任务（次）", "≧2"),
        ("数量指标", "委托第三方随机抽查企业数量（家）", "≧20"),
        ("数量指标", "通过监测形成综合定向监测报告（份）", "≧1"),
        ("数量指标", "每周对中心机房消防系统、机柜、UPS、空调等设备的维护管理（次）", "≧52"),
        ("质量指标", "案件处理率（%）", "100%"),
        ("质量指标", "12315平台受理投诉举报办结率（%）", "≥90%"),
        ("质量指标", "市场监管业务相关知识宣传覆盖率（%）", "≥90%"),
        ("质量指标", "注册登记的企业年报率（%）", "≥85%"),
        ("质量指标", "系统故障率（%）", "≦5%"),
        ("时效指标", "年度检查任务按时完成率（%）", "100%"),
        ("时效指标", "各项工作开展时间", "2021年1-12月"),
        ("成本指标", "市场监管业务成本", "113万元"),
        ("成本指标", "临聘人员工资及社保", "2万元"),
        ("社会效益指标", "提高消费者维权意识", "逐年提高"),
        ("社会效益指标", "检查结果公开率（%）", "≧100%"),
        ("可持续影响指标", "震慑市场违法犯罪行为", "长期"),
        ("可持续影响指标", "问题整改落实率（%）", "≧100%"),
        ("可持续影响指标", "促进企业诚信自律，规范企业信息公示，强化企业信用约束，提高政府监管效能", "持续"),
        ("满意度指标", "企业满意度", "≥90%"),
        ("满意度指标", "检查人员被投诉次数（次）", "≦1"),
    ),
    (
        ("数量指标", "开展认证认可、标准化监督检查（次）", "≥4"),
        ("数量指标", "完成采标工作产品获得采标证书（次）", "≥1"),
        ("数量指标", "举办标准化人员的培训（次）", "≥1"),
        ("数量指标", "完成检查报告数量（个）", "≥2"),
        ("数量指标", "开展《标准化法》的宣传（次）", "≥5"),
        ("质量指标", "强制性产品认证活动检查覆盖率（%）", "≥30%"),
        ("质量指标", "声明公开标准的监督抽查率（%）", "≥5%"),
        ("时效指标", "年度检查任务按时完成率（%）", "100%"),
        ("时效指标", "项目开展时间", "2021年1-12月"),
        ("成本指标", "计量、认证认可、标准化工作成本（万元）", "≦5"),
        ("成本指标", "聘请第三方开展公开标准的监督检查及标准制定成本（万元）", "≦20"),
        ("成本指标", "临聘人员工资及社保（万元）", "≦30"),
        ("社会效益指标", "检查结果公开率（%）", "=100%"),
        ("社会效益指标", "提高产品和服务质量，推动高质量发展", "逐年提高"),
        ("可持续影响指标", "问题整改落实率", "≥90%"),
        ("可持续影响指标", "持续加强检验检测机构管理，严格检测程序，保证检测质量", "持续"),
        ("满意度指标", "企业满意度（%）", "≥90%"),
        ("满意度指标", "检查人员被投诉次数（次）", "≦1"),
    ),
    (
        ("数量指标", "全年完成监督检验批次数（次）", "≧100批次"),
        ("数量指标", "完成检查报告数量（个）", "≧3"),
        ("数量指标", "全年开展专项监督抽检（次）", "≧1次"),
        ("质量指标", "对抽检不合格产品的后处理率", "100%"),
        ("质量指标", "危化品生产企业（工业产品许可证）检查覆盖率（%）", "≧50%"),
        ("时效指标", "年度检查任务按时完成率（%）", "100%"),
        ("时效指标", "项目所需时间", "2021年1-12月"),
        ("成本指标", "抽检产品的检验业务成本（万元）", "≦43"),
        ("成本指标", "其他专项整治检验费（万元）", "≦7"),
        ("社会效益指标", "检查结果公开率（%）", "=100%"),
        ("社会效益指标", "公开监督抽检结果（次）", "≦1"),
        ("可持续影响指标", "问题整改落实率（%）", "=100%"),
        ("可持续影响指标", "提升全州流通领域产品质量", "持续提升"),
        ("满意度指标", "群众满意度（%）", "≥95%"),
        ("满意度指标", "检查人员被投诉次数（次）", "≦10"),
    ),
    (
        ("数量指标", "委托第三方机构对电梯维保单位进行维保质量抽查（家）", "≧30"),
        ("数量指标", "检查频次（次）", "≧9"),
        ("数量指标", "委托第三方机构开展危险化学品生产企业特种设备隐患排查（家）", "≧20"),
        ("质量指标", "万台特种设备死亡率（%）", "≤0.52%"),
        ("质量指标", "在用电梯抽查覆盖率（%）", "≧5%"),
        ("质量指标", "电梯维保抽查合格率（%）", "≥85%"),
        ("时效指标", "年度检查任务按时完成率（%）", "100%"),
        ("时效指标", "项目开展时间", "2021年1-12月"),
        ("成本指标", "聘请第三方开展危险化学品生产企业特种设备隐患排查服务成本（万元）", "≦7"),
        ("成本指标", "委托第三方开展电梯维保质量抽查服务成本（万元）", "≦3"),
        ("社会效益指标", "检查结果公开率（%）", "≧100%"),
        ("社会效益指标", "不发生特种设备安全事故", "100%"),
        ("可持续影响指标", "问题整改落实率（%）", "≧100%"),
        ("可持续影响指标", "持续提高全州特种设备安全监管能力", "持续"),
        ("满意度指标", "公众满意度", "≥95%"),
        ("满意度指标", "检查人员被投诉次数（次）", "≦5"),
    ),
    (
        ("数量指标", "验收完成监控建设安装的企业数量", "1500家"),
        ("质量指标", "企业覆盖率", "≥70%"),
        ("质量指标", "不合格产品及企业曝光率", "100%"),
        ("时效指标", "项目所需时间", "12月"),
        ("成本指标", "“阳光食品”PPP项目成本", "182万元"),
        ("社会效益指标", "提升食品行业安全、健康、有序发展", "逐年提升"),
        ("可持续影响指标", "持续提高食品安全信息化监管能力", "持续提高"),
        ("满意度指标", "社会公众满意度", "≥90%"),
    ),
    (
        ("数量指标", "组织宣传培训", "3次"),
        ("数量指标", "专利授权", "800件"),
        ("质量指标", "万人有效发明专利拥有量", "1.8件/万人"),
        ("质量指标", "案件办结率", "≥85%"),
        ("时效指标", "项目所需时间", "12月"),
        ("成本指标", "知识产权管理、宣传、培训、保护等成本", "10万元"),
        ("成本指标", "临聘人员工资及社保", "20万元"),
        ("社会效益指标", "知识产权管理域保护监管能力", "逐步提高"),
        ("可持续影响指标", "持续促进知识产权行业健康有序发展", "持续"),
        ("满意度指标", "专利权人满意度", "≥90%"),
    ),
    (
        ("数量指标", "开展执法检查行动次数", "100人次"),
        ("数量指标", "定向监测次数", "4次"),
        ("数量指标", "食品安全示范城市创建培训", "1次"),
        ("质量指标", "案件办结率", "≥90%"),
        ("质量指标", "市场监管业务相关知识宣传覆盖率", "≥90%"),
        ("时效指标", "项目所需时间", "12个月"),
        ("成本指标", "执法办案经费", "10万元"),
        ("成本指标", "市场监管业务成本", "20万元"),
        ("社会效益指标", "营造公平有序的市场经济环境", "逐年增强"),
        ("可持续影响指标", "持续提升综合监管执法能力、水平", "持续"),
        ("满意度指标", "社会公众满意度", "≥90%"),
    ),
)

PREFECTURES = (
    "乌鲁木齐市 克拉玛依市 吐鲁番市 哈密市 昌吉州 博州 巴州 阿克苏地区 克州 "
    "喀什地区 和田地区 伊犁州 塔城地区 阿勒泰地区"
).split()
BUREAUS = (
    "市场监督管理局 财政局 教育局 卫生健康委员会 农业农村局 水利局 交通运输局 文化体育广电和旅游局 "
    "生态环境局 住房和城乡建设局 民政局 人力资源和社会保障局 应急管理局 统计局 林业和草原局 司法局"
).split()
LEVEL2_PREFIX = {
    "数量指标": "qty",
    "质量指标": "qual",
    "时效指标": "time",
    "成本指标": "cost",
    "经济效益指标": "eco",
    "社会效益指标": "soc",
    "生态效益指标": "env",
    "可持续影响指标": "sus",
    "满意度指标": "sat",
    "服务对象满意度指标": "sat",
}
GOAL_HEADER = (
    "项目编码 项目名称 单位 年度 年度资金总额 财政拨款 其他资金 Q1 Q2 Q3 Q4 H1 H2 "
    "一级指标 二级指标 三级指标 指标编码 指标值 分值 汇总方式"
).split()
ACTUALS_HEADER = ["project", "indicator", "period", "value", "note"]
SPENDING_HEADER = ["project", "period", "amount", "note"]
_NUMBER_RE = re.compile(r"\d+(?:\.\d+)?")
CENT = Decimal("0.01")


@attrs.frozen
class Shape:
    """One seed indicator: what it is and how its target is written."""

    level2: str
    name: str
    target: str
    kind: Kind
    aggregate: Aggregate
    unit: str
    reverse: bool
    value: Decimal | None


def shapes() -> list[list[Shape]]:
    tables = []
    for table in SEED_TABLES:
        rows = []
        for level2, name, target in table:
            parsed = thresholds.parse(target, level2)
            indicator = Indicator.create(id="x", name=name, level2=level2, target=parsed)
            rows.append(
                Shape(
                    level2,
                    name,
                    target,
                    parsed.kind,
                    indicator.aggregate,
                    indicator.unit,
                    parsed.is_reverse,
                    parsed.value,
                )
            )
        tables.append(rows)
    return tables


@attrs.frozen
class Goal:
    """A generated indicator of one project: its id, shape and target number."""

    id: str
    shape: Shape
    target: str
    value: Decimal | None


def _vary_target(rng: random.Random, shape: Shape) -> tuple[str, Decimal | None]:
    """Another number in the same written form: ``≧485`` → ``≧730``; rates and words stay."""
    value = shape.value
    if value is None or shape.kind not in (Kind.COMPARE, Kind.EXACT) or shape.unit == "%" or value == 0:
        if shape.unit == "%" and shape.kind is Kind.COMPARE and value is not None and value < 100:
            roll = rng.random()
            if roll < 0.04:
                return f"不低于{value}%", value
            if roll < 0.06:
                return f"{value}%-{min(value + 5, Decimal(100))}%", value
        return shape.target, value
    new = max(Decimal(1), (value * Decimal(rng.uniform(0.5, 3))).quantize(Decimal(1)))
    return _NUMBER_RE.sub(str(new), shape.target, count=1), new


def project_goals(rng: random.Random, table: list[Shape], pool: dict[str, list[Shape]]) -> list[Goal]:
    chosen = [s for s in table if rng.random() > 0.08]
    for _ in range(rng.choice((0, 0, 1, 2))):
        level2 = rng.choice(("数量指标", "质量指标", "社会效益指标"))
        chosen.append(rng.choice(pool[level2]))
    chosen.sort(key=lambda s: list(LEVEL2).index(s.level2) if s.level2 in LEVEL2 else 99)
    counts: dict[str, int] = {}
    goals = []
    for shape in chosen:
        prefix = LEVEL2_PREFIX[shape.level2]
        counts[prefix] = counts.get(prefix, 0) + 1
        target, value = _vary_target(rng, shape)
        goals.append(Goal(f"{prefix}{counts[prefix]}", shape, target, value))
    return goals


def _split(rng: random.Random, total: Decimal, parts: int, places: Decimal) -> list[Decimal]:
    """Split ``total`` into ``parts`` non-negative amounts (rounded to ``places``) that add up to it."""
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    scale = sum(weights)
    amounts = [(total * Decimal(w / scale)).quantize(places, rounding=ROUND_HALF_UP) for w in weights[:-1]]
    last = total - sum(amounts, Decimal(0))
    if last < 0:
        amounts = [Decimal(0)] * (parts - 1)
        last = total
    return [*amounts, last]


def _text(number: Decimal) -> str:
    return thresholds.format_decimal(number)


def quarter_values(rng: random.Random, goal: Goal, behind: bool, year: int) -> list[str | None]:
    """The four quarters' recorded texts of one indicator (None: not reported)."""
    shape, value = goal.shape, goal.value
    kind = shape.kind
    grade = "未达成" if behind and rng.random() < 0.6 else rng.choice(("达成", "达成", "达成 90", "部分达成 70"))
    if kind is Kind.QUALITATIVE:
        return ["部分达成", "部分达成", grade, grade]
    if kind is Kind.DEADLINE:
        done = f"{year}-12-{rng.randint(1, 28):02d}" if not behind else f"{year + 1}-01-15"
        return ["部分达成", "部分达成", "部分达成", done if rng.random() < 0.8 else grade]
    if kind is Kind.DURATION:
        months = 12 if not behind else 13
        return ["部分达成", "部分达成", "部分达成", f"{months}个月" if rng.random() < 0.5 else str(months)]
    if kind is Kind.TREND:
        if rng.random() < 0.5:
            return [grade] * 4
        base = Decimal(rng.randint(70, 95))
        final = base + (Decimal(-2) if behind else Decimal(rng.randint(1, 4)))
        return [_text(base), _text(base), _text(final), _text(final)]
    assert value is not None
    if shape.aggregate is Aggregate.SUM:
        money = shape.unit == "万元"
        places = CENT if money else Decimal(1)
        if value == 0:  # ≦0 complaints
            return ["0", "0", "1" if behind else "0", "0"]
        if shape.reverse:
            factor = rng.uniform(1.02, 1.3) if behind else rng.uniform(0.8, 1.0)
        elif kind is Kind.EXACT:
            factor = 0.75 if behind else 1.0
        else:
            factor = rng.uniform(0.5, 0.95) if behind else rng.uniform(1.0, 1.15)
        total = (value * Decimal(factor)).quantize(places, rounding=ROUND_HALF_UP)
        unit = shape.unit if rng.random() < 0.3 else ""
        return [_text(a) + unit for a in _split(rng, total, 4, places)]
    # A level (rate, ratio): each quarter's value stands; the last one counts.
    factor = rng.uniform(0.8, 0.97) if behind else rng.uniform(1.0, 1.05)
    if shape.reverse:
        factor = 2 - factor
    final = value * Decimal(factor)
    if shape.unit == "%" and value <= 100:
        final = min(final, Decimal(100))
    final = final.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    steps = [final * Decimal(f) for f in (0.9, 0.95, 0.98)]
    unit = "%" if shape.unit == "%" and rng.random() < 0.5 else ""
    return [_text(s.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)) + unit for s in steps] + [_text(final) + unit]


def _corrected(text: str) -> str:
    """A re-recorded value: the number one higher (a recount), or the grade confirmed."""
    match = _NUMBER_RE.match(text)
    if match is None or "-" in text:
        return "达成" if "达成" in text else text
    return _text(Decimal(match.group()) + 1) + text[match.end() :]


def _unit_names() -> Iterator[str]:
    number = 0
    while True:
        for prefecture in PREFECTURES:
            for bureau in BUREAUS:
                yield f"{prefecture}{bureau}" if number == 0 else f"{prefecture}{bureau}（{number + 1}）"
        number += 1


def generate(projects: int, seed: int, out: Path) -> dict[str, int]:
    rng = random.Random(seed)
    tables = shapes()
    pool: dict[str, list[Shape]] = {}
    for table in tables:
        for shape in table:
            pool.setdefault(shape.level2, []).append(shape)
    out.mkdir(parents=True, exist_ok=True)
    counts = dict.fromkeys(("indicators", "indicators_2020", "actuals", "corrections", "actuals_2020", "spending"), 0)
    units = _unit_names()
    unit, left_in_unit = "", 0
    with ExitStack() as stack:

        def writer(name: str, header: list[str]) -> Any:
            handle = stack.enter_context((out / name).open("w", encoding="utf-8", newline=""))
            w = csv.writer(handle)
            w.writerow(header)
            return w

        goals21 = writer("goals-2021.csv", GOAL_HEADER)
        goals20 = writer("goals-2020.csv", GOAL_HEADER)
        actuals21 = writer("actuals-2021.csv", ACTUALS_HEADER)
        corrections = writer("actuals-2021-corrections.csv", ACTUALS_HEADER)
        actuals20 = writer("actuals-2020.csv", ACTUALS_HEADER)
        spending = writer("spending-2021.csv", SPENDING_HEADER)
        for number in range(1, projects + 1):
            if left_in_unit == 0:
                unit, left_in_unit = next(units), rng.randint(2, 8)
            left_in_unit -= 1
            code = f"P{number:06d}"
            table = tables[rng.randrange(len(tables))]
            name = f"{table[0].name[:6]}项目{number}"
            goals = project_goals(rng, table, pool)
            budget = Decimal(rng.randint(5, 300)) + (Decimal(rng.randint(0, 99)) / 100 if rng.random() < 0.3 else 0)
            by_half = rng.random() < 0.1
            plan = _split(rng, budget, 2 if by_half else 3, CENT)
            plan_cells = ["", "", "", "", *map(_text, plan)] if by_half else ["", *map(_text, plan), "", ""]
            money = [_text(budget), _text(budget), "0"]
            behind = rng.random() < 0.2
            measured_trend = False
            rows = []
            for position, goal in enumerate(goals):
                head = [code, name, unit, "2021", *money, *plan_cells] if position == 0 else [code, *[""] * 12]
                level1 = LEVEL2[goal.shape.level2]
                rows.append([*head, level1, goal.shape.level2, goal.shape.name, goal.id, goal.target, "", ""])
            for row in rows:
                goals21.writerow(row)
            counts["indicators"] += len(rows)
            for goal in goals:
                if rng.random() < 0.01:
                    continue  # nothing reported all year: missing data
                late = behind and rng.random() < 0.3
                texts = quarter_values(rng, goal, late, 2021)
                if rng.random() < 0.01:
                    texts = [*texts[:3], "不适用"]
                if goal.shape.kind is Kind.TREND and texts[0] is not None and texts[0][0].isdigit():
                    measured_trend = True
                    before = Decimal(texts[0]) - rng.randint(1, 5)
                    actuals20.writerow([code, goal.id, "2020Q4", _text(before), ""])
                    counts["actuals_2020"] += 1
                for quarter, text in enumerate(texts, start=1):
                    if text is None or rng.random() < 0.02:
                        continue  # a quarter not reported
                    actuals21.writerow([code, goal.id, f"2021Q{quarter}", text, ""])
                    counts["actuals"] += 1
                    if rng.random() < 0.005:
                        corrections.writerow([code, goal.id, f"2021Q{quarter}", _corrected(text), "更正：复核后重报"])
                        counts["corrections"] += 1
            if measured_trend:
                for row in rows:
                    goals20.writerow([*row[:3], "2020", *row[4:]])
                counts["indicators_2020"] += len(rows)
            spent = budget * Decimal(rng.uniform(0.5, 0.85) if behind else rng.uniform(0.92, 1.0))
            for quarter, amount in enumerate(_split(rng, spent.quantize(CENT), 4, CENT), start=1):
                spending.writerow([code, f"2021Q{quarter}", _text(amount), ""])
                counts["spending"] += 1
    return counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    counts = generate(args.projects, args.seed, args.out)
    elapsed = time.perf_counter() - started
    for key, value in counts.items():
        print(f"{key:>16}: {value:,}")
    print(f"generated {args.projects:,} projects into {args.out} in {elapsed:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
