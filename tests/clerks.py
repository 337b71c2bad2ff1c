"""Ledgers as clerks make them: ``formgen init --profile …`` writes the workbook, rows are
typed into it under its headers (after the example row, which stays), then it is saved —
no writer of ours in between. Values are typed the way the seeds word them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import openpyxl
from click.testing import CliRunner, Result

from generator.app.cli import main

Rows = dict[str, list[dict[str, Any]]]


def formgen(*args: str) -> Result:
    """``formgen ARGS`` as a clerk types it -> click's result (exit code, output)."""
    return CliRunner().invoke(main, list(args))


def init_workbook(folder: Path, profile: str) -> Path:
    """``formgen init --profile PROFILE FOLDER`` -> the workbook's path."""
    result = formgen("init", "--profile", profile, str(folder))
    assert result.exit_code == 0, result.output
    return folder / "ledger.xlsx"


def fill(path: Path, rows: Rows, drop_examples: bool = False) -> Path:
    """Type rows (header -> value) into the init workbook's sheets, as a clerk would;
    ``drop_examples`` deletes the example rows first (some clerks do)."""
    wb = openpyxl.load_workbook(path)
    for sheet, records in rows.items():
        ws = wb[sheet]
        headers = [c.value for c in ws[1]]
        if drop_examples:
            ws.delete_rows(2)
        for rec in records:
            unknown = set(rec) - set(headers)
            assert not unknown, (sheet, unknown)
            ws.append([rec.get(h) for h in headers])
    wb.save(path)
    return path


def clerk_ledger(folder: Path, profile: str, rows: Rows, drop_examples: bool = False) -> Path:
    """A profile's init workbook filled with rows."""
    folder.mkdir(parents=True, exist_ok=True)
    return fill(init_workbook(folder, profile), rows, drop_examples)


# The names the Wuhan and Xuancheng tests use.
init, ledger = init_workbook, clerk_ledger


def export_all(ledger: Path, period: str, date: str) -> Path:
    """Every form of the ledger's profile in every format, exported as a clerk runs it,
    into ``out`` beside the ledger -> that folder."""
    target = ledger.parent / "out"
    result = formgen("export", str(ledger), "--forms", "all", "--period", period, "--date", date,
                     "--jobs", "1", "--out", str(target))  # fmt: skip
    assert result.exit_code == 0, result.output
    return target


# ---------------------------------------------------------------------------- Hubei
HB_UNIT, HB_UNIT2, HB_UNIT3 = "黄冈市住房和城乡建设局", "黄冈市民政局", "黄冈师范学院"
HB_C1, HB_C2, HB_C3 = "东门社区", "赤壁社区", "八一路社区"


def hubei_rows(year: int = 2023) -> Rows:
    """Three units, three communities (one without members), ten members in the first
    unit — four of them 优秀 — and activity rows typed every way the seed's clerks write
    them. Member 0003 has no activity at all; 0012 a long name and a very long title."""
    y = year
    members = []
    for i in range(1, 11):
        members.append(
            {
                "编号": f"{i:04d}",
                "姓名": [
                    "张建国",
                    "李秀英",
                    "王磊",
                    "刘洋",
                    "陈静",
                    "杨帆",
                    "赵敏",
                    "黄勇",
                    "周婷",
                    "吴刚",
                ][i - 1],
                "性别": "男" if i % 2 else "女",
                "所在单位": HB_UNIT,
                "职务": [
                    "科长",
                    "副科长",
                    "科员",
                    "四级调研员",
                    "办公室主任",
                    "科员",
                    "主任科员",
                    "副局长",
                    "科员",
                    "科长",
                ][i - 1],
                "联系方式": f"1387135{i:04d}",
                "社区": HB_C1 if i <= 6 else HB_C2,
                "小区": "遗爱湖小区" if i <= 6 else "江山府",
                "楼栋": f"{i}栋",
                "单元": "1单元",
                "门牌号": f"{i}01室",
                "个人特长或熟悉领域": "法律咨询" if i == 1 else "",
                "是否为党员": "是",
                "报到日期": f"{y}-03-{i:02d}" if i != 10 else None,
                "出生日期": f"1980/5/{i}",
                "报到方式": [
                    "组织派遣报到",
                    "个人自主报到",
                    "派驻",
                    "自主报到",
                    "志愿服务报到",
                    "自主报到",
                    "派驻",
                    "自主报到",
                    "自主报到",
                    "",
                ][i - 1],
                "减免情况": "哺乳期，经单位党组织同意暂不安排下沉" if i == 9 else "",
            }
        )
    members += [
        {"编号": "0011", "姓名": "郑伟", "性别": "男", "所在单位": HB_UNIT2, "职务": "科长",
         "联系方式": "13971350011", "社区": HB_C1, "小区": "遗爱湖小区", "楼栋": "11栋",
         "报到日期": f"{y}年3月5日", "报到方式": "派驻"},
        {"编号": "0012", "姓名": "欧阳" + "慕容" * 4, "性别": "女", "所在单位": HB_UNIT2,
         "职务": "黄冈市民政局社会事务科四级主任科员兼社区治理工作专班联络员",
         "联系方式": "0713-8356789", "社区": HB_C2, "小区": "江山府", "楼栋": "2栋",
         "报到日期": f"{y}.4.1", "报到方式": "自主报到"},
    ]  # fmt: skip
    acts = []
    # 0001: 12 activities, one a month, 2.5 h each = 30 h.
    for m in range(1, 13):
        acts.append(
            {"编号": "0001", "日期": f"{y}-{m:02d}-1{m % 9}", "活动类型": "志愿服务",
             "内容": f"第{m}次：清理楼道杂物、宣传垃圾分类", "时长(小时)": 2.5, "确认人": "刘洋",
             "地点": "遗爱湖小区3栋", "服务对象评价": "满意" if m % 3 else "很满意"}
        )  # fmt: skip
    # 0002: 5 activities, 20 hours exactly; ratings in other words.
    for k, m in enumerate((2, 4, 6, 8, 10)):
        acts.append(
            {"编号": "0002", "日期": f"{y}年{m}月5日", "活动类型": "文明创建",
             "内容": "文明劝导", "时长(小时)": "4小时", "确认人": "社区张书记",
             "地点": "东门社区广场", "服务对象评价": ["满意", "比较满意", "基本满意", "一般",
                                                  "不满意"][k]}
        )  # fmt: skip
    # 0004..0008 a few; the previous year's rows never count.
    for mid in ("0004", "0005", "0006", "0007", "0008", "0011", "0012"):
        acts.append(
            {
                "编号": mid,
                "日期": f"{y}/5/20",
                "活动类型": "治安巡逻",
                "内容": "夜间巡逻",
                "时长(小时)": 3,
                "确认人": "李平",
                "地点": "小区门岗",
            }
        )
    acts.append(
        {"编号": "0001", "日期": f"{y - 1}-12-30", "内容": "上一年度的服务", "时长(小时)": 8}
    )
    acts.append(
        {
            "姓名": "李秀英",
            "所在单位": HB_UNIT,
            "日期": f"{y}.11.20",
            "内容": "走访独居老人",
            "时长(小时)": "2",
            "地点": "东门社区",
        }
    )
    grades = ["优秀", "优秀等次", "优秀", "优秀", "合格", "合格", "合格", "合格", "合格", "不合格"]
    assess = [
        {"编号": f"{i:04d}", "年度": y, "考核等次": g,
         "社区意见": "服务积极，群众满意" if g.startswith("优秀") else "",
         "单位意见": "同意社区意见"}
        for i, g in enumerate(grades, start=1)
    ] + [{"编号": "0011", "年度": f"{y}年", "考核等次": "优秀"},
         {"编号": "0012", "年度": y, "考核等次": "合格"}]  # fmt: skip
    return {
        "单位": [
            {
                "单位名称": HB_UNIT,
                "党组织名称": "中共黄冈市住房和城乡建设局党组",
                "党组织类型": "党组",
                "党组织书记": "胡志明",
                "填报人": "程琳",
                "联系电话": "0713-8621234",
            },
            {
                "单位名称": HB_UNIT2,
                "党组织名称": "中共黄冈市民政局党组",
                "党组织类型": "党组",
                "党组织书记": "汪涛",
                "填报人": "",
                "联系电话": "",
            },
            {"单位名称": HB_UNIT3, "党组织名称": "中共黄冈师范学院委员会", "党组织类型": "党委"},
        ],
        "社区": [
            {
                "街道": "东湖街道",
                "社区名称": HB_C1,
                "社区党组织名称": "中共东门社区委员会",
                "社区书记": "张红",
                "联系电话": "0713-8351111",
            },
            {
                "街道": "赤壁街道",
                "社区名称": HB_C2,
                "社区党组织名称": "中共赤壁社区委员会",
                "社区书记": "李华",
                "联系电话": "0713-8352222",
            },
            {"街道": "东湖街道", "社区名称": HB_C3, "社区党组织名称": "中共八一路社区支部委员会"},
        ],
        "小区": [
            {
                "社区名称": HB_C1,
                "小区名称": "遗爱湖小区",
                "小区党支部名称": "遗爱湖小区党支部",
                "党支部书记": "刘洋",
                "联系电话": "13971351234",
            },
            {"社区名称": HB_C2, "小区名称": "江山府", "小区党支部名称": "江山府小区党支部"},
        ],
        "党员干部": members,
        "决策共谋": [
            {
                "编号": "0001",
                "日期": f"{y}-02-10",
                "会议类型": "居民会议",
                "参与事项": "小区停车规划",
            },
            {"编号": "0001", "日期": f"{y}-09-10", "会议类型": "业主会议", "参与事项": "加装电梯"},
        ],
        "承诺事项": [
            {
                "编号": "0001",
                "年度": y,
                "承诺事项": "为居民开展法律讲座2次",
                "完成时限": f"{y}年6月底",
                "状态": "已完成",
            },
            {
                "编号": "0001",
                "年度": y,
                "承诺事项": "协调解决3栋楼道照明",
                "完成时限": f"{y}年9月底",
                "状态": "进行中",
            },
            {"编号": "0002", "年度": y, "承诺事项": "结对帮扶1户困难家庭", "状态": "未开始"},
        ],
        "小区任职": [
            {"编号": "0001", "任职岗位": "楼栋长", "任职时间": f"{y}-04-01"},
            {"编号": "0002", "任职岗位": "志愿者"},
        ],
        "共建活动": acts,
        "考核": assess,
        "半年报告": [
            {
                "编号": "0001",
                "年度": y,
                "半年": "上半年",
                "报告日期": f"{y}-06-28",
                "思想工作情况": "认真学习下沉社区有关文件，按时参加小区治理、服务活动。",
                "下步打算": "继续参加志愿服务，兑现公开承诺。",
            },
            {
                "编号": "0001",
                "年度": y,
                "半年": "下半年度",
                "报告日期": f"{y}-12-28",
                "思想工作情况": "全年参加服务12次。",
                "下步打算": "来年继续。",
            },
            {"编号": "0002", "年度": y, "半年": "1-6月", "思想工作情况": "按要求参加活动。"},
        ],
        "清单": [
            {
                "单位": HB_UNIT,
                "社区": HB_C1,
                "清单类型": "项目清单",
                "事项": "遗爱湖小区雨污分流改造",
                "责任人": "张建国",
                "完成时限": f"{y}年10月底",
                "状态": "已完成",
                "进展": "已竣工验收",
            },
            {
                "单位": HB_UNIT,
                "社区": HB_C1,
                "清单类型": "民生实事",
                "事项": "增设充电桩",
                "状态": "进行中",
            },
            {"单位": HB_UNIT, "社区": HB_C1, "清单类型": "需求清单", "事项": "老人助餐"},
        ],
        "共建协议": [
            {
                "单位": HB_UNIT,
                "社区": HB_C1,
                "签订日期": f"{y}-03-01",
                "共建内容": "党建联建、环境整治",
            },
        ],
    }


def hubei_ledger(folder: Path, year: int = 2023, **kw: Any) -> Path:
    return clerk_ledger(folder, "hubei-2020", hubei_rows(year), **kw)


TODAY = dt.date(2024, 1, 10)


# ---------------------------------------------------------------------------- Changji
CJ_UNIT, CJ_UNIT2 = "昌吉州住房和城乡建设局", "昌吉州住房和城乡建设综合行政执法支队"
CJ_C1, CJ_C2, CJ_C3 = "北京南路社区", "建国西路社区", "绿洲路社区"

# Points per member of 北京南路社区 in the year: ties at 80 and at 60; 0007 has no row.
CJ_POINTS = {
    "0001": [40, 30, 25],  # 95 好
    "0002": [50, 30],  # 80 较好
    "0003": [60, 20],  # 80 较好 (tie)
    "0004": [70, -10],  # 60 一般
    "0005": [30, 30],  # 60 一般 (tie)
    "0006": [20, 10],  # 30 差
}


def changji_rows(year: int = 2023) -> Rows:
    """Two units, three communities — 绿洲路社区 has no members but an agreement and lists —,
    points with ties and a negative item, lists typed with the seed's own names."""
    y = year
    names = ["马建新", "阿依古丽·买买提", "王晓东", "李娜", "赵磊", "古丽米拉", "张伟", "刘芳"]
    members = [
        {
            "编号": f"{i:04d}",
            "姓名": name,
            "性别": "女" if i in (2, 4, 6, 8) else "男",
            "所在单位": CJ_UNIT,
            "职务": "科员" if i > 2 else "科长",
            "联系方式": f"1399940{i:04d}",
            "社区": CJ_C1 if i <= 7 else CJ_C2,
            "小区": "天山花园" if i <= 7 else "建国小区",
            "楼栋": f"{i}号楼",
            "报到日期": f"{y}-03-{i:02d}",
            "报到方式": "居住地报到",
        }
        for i, name in enumerate(names, start=1)
    ]
    members += [
        {
            "编号": f"{i:04d}",
            "姓名": name,
            "所在单位": CJ_UNIT2,
            "职务": "执法队员",
            "社区": CJ_C2,
            "小区": "建国小区",
        }
        for i, name in ((9, "周强"), (10, "努尔兰·托合提"), (11, "陈静"))
    ]
    points = [
        {
            "编号": mid,
            "日期": f"{y}-{k + 3}-15",
            "积分事项": "参加志愿服务" if s > 0 else "无故缺席社区活动",
            "分值": s,
            "确认人": "社区王书记",
        }
        for mid, scores in CJ_POINTS.items()
        for k, s in enumerate(scores)
    ]
    points += [
        {"编号": "0008", "日期": f"{y}年6月1日", "积分事项": "完成微心愿", "分值": "10"},
        {"编号": "0001", "日期": f"{y - 1}-12-01", "积分事项": "上一年度", "分值": 50},
    ]
    acts = [
        {"编号": mid, "日期": f"{y}-{m}-10", "活动类型": "志愿服务", "内容": "入户走访",
         "时长(小时)": 2}
        for mid, months in (("0001", (3, 5, 7, 9)), ("0002", (4, 6, 8, 10)), ("0003", (5,)),
                            ("0004", (6,)), ("0005", (7,)), ("0006", (8,)), ("0007", (9,)),
                            ("0009", (4, 5, 6, 7)))
        for m in months
    ]  # fmt: skip
    lists = [
        (CJ_UNIT, CJ_C1, "服务资源", "提供房屋安全鉴定咨询", "马建新", "长期", "进行中", ""),
        (
            CJ_UNIT,
            CJ_C1,
            "居民需求清单",
            "老旧小区加装电梯",
            "王晓东",
            f"{y}年10月",
            "进行中",
            "已完成意见征集",
        ),
        (
            CJ_UNIT,
            CJ_C1,
            "民生项目",
            "天山花园雨污管网改造",
            "李娜",
            f"{y}年9月",
            "已完成",
            "已验收",
        ),
        (CJ_UNIT, CJ_C1, "项目清单", "楼道照明更换", "赵磊", f"{y}年6月", "已完成", ""),
        (CJ_UNIT, CJ_C1, "责任落实", "小区停车秩序整治", "马建新", f"{y}年12月", "未开始", ""),
        (CJ_UNIT2, CJ_C3, "需求清单", "违建拆除政策宣讲", "周强", f"{y}年5月", "已完成", ""),
    ]
    return {
        "单位": [
            {"单位名称": CJ_UNIT, "党组织名称": "中共昌吉州住房和城乡建设局机关委员会",
             "党组织类型": "党委", "党组织书记": "马明", "填报人": "王芳",
             "联系电话": "0994-2345678"},
            {"单位名称": CJ_UNIT2,
             "党组织名称": "中共昌吉州住房和城乡建设综合行政执法支队支部委员会",
             "党组织类型": "党支部", "党组织书记": "李军"},
        ],
        "社区": [
            {"街道": "宁边路街道", "社区名称": CJ_C1, "社区党组织名称": "中共北京南路社区委员会",
             "社区书记": "王红", "联系电话": "0994-2211111"},
            {"街道": "宁边路街道", "社区名称": CJ_C2, "社区党组织名称": "中共建国西路社区委员会"},
            {"街道": "延安北路街道", "社区名称": CJ_C3,
             "社区党组织名称": "中共绿洲路社区支部委员会", "社区书记": "阿不都"},
        ],
        "小区": [
            {"社区名称": CJ_C1, "小区名称": "天山花园", "小区党支部名称": "天山花园小区党支部"},
            {"社区名称": CJ_C2, "小区名称": "建国小区", "小区党支部名称": "建国小区党支部"},
        ],
        "党员干部": members,
        "共建活动": acts,
        "积分": points,
        "清单": [
            dict(zip(("单位", "社区", "清单类型", "事项", "责任人", "完成时限", "状态", "进展"),
                     row, strict=True))
            for row in lists
        ],
        "共建协议": [
            {"单位": CJ_UNIT, "社区": CJ_C1, "签订日期": f"{y}年3月15日",
             "共建内容": "党建联建、结对共建、联合开展主题党日和民族团结联谊活动",
             "单位联系人": "王芳", "社区联系人": "王红", "有效期": f"{y}年3月至{y + 2}年3月"},
            {"单位": CJ_UNIT2, "社区": CJ_C3, "签订日期": f"{y}/4/1",
             "共建内容": "违法建设治理宣传"},
        ],
    }  # fmt: skip


def changji_ledger(folder: Path, year: int = 2023, **kw: Any) -> Path:
    return clerk_ledger(folder, "changji-2023", changji_rows(year), **kw)
