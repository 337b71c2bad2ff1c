"""The ledger's shape (DESIGN §2), declared once: sheets, columns, kinds, closed sets.

The common core is declared here; a profile adds its own sheets and columns
(``sheets:`` in its profile.yaml) and names the evaluating parties, whose grade columns
make the 评价 sheet. ``schema_for(profile)`` puts the two together; ``load`` uses it to
find headers, ``validate`` to convert cells, ``initbook`` to write the blank workbook.
Nothing here reads files.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any

from generator.errors import UserError

if TYPE_CHECKING:
    from generator.policy.profile import Profile

# Column kinds understood by validate.convert_cell.
TEXT, CODE, DATE, YEAR, PHONE, NUMBER, SIGNED, YESNO, CHOICE = (
    "text",
    "code",
    "date",
    "year",
    "phone",
    "number",
    "signed",
    "yesno",
    "choice",
)
KINDS = (TEXT, CODE, DATE, YEAR, PHONE, NUMBER, SIGNED, YESNO, CHOICE)


@dataclass(frozen=True)
class Column:
    """One ledger column: its Chinese header, internal key, kind and rules. ``choices``
    names a closed set of the profile; ``ref`` names what a value must exist in
    ("members" for a member's 编号, "units", "communities", or "sheet.column")."""

    header: str
    key: str
    kind: str = TEXT
    required: bool = False
    choices: str = ""
    width: int = 14
    example: str = ""
    ref: str = ""
    max_len: int = 0  # the longest value taken, in characters; 0: MAX_LEN's for the column

    @property
    def limit(self) -> int:
        """The longest value this column takes (``max_len``, else its header's or its
        kind's default in MAX_LEN)."""
        return self.max_len or MAX_LEN.get(self.header) or MAX_LEN[self.kind]


# The longest value a column takes, by header (names, units, places, titles), else by kind
# (free text 500). A 349,542-character name made a 3,884-page a1 and an XLSX cell beyond
# Excel's 32,767; a 300-character one covered a whole a5 page.
_PERSON, _ORG, _PLACE = 30, 60, 40
MAX_LEN: dict[str, int] = {
    **dict.fromkeys(("姓名", "党组织书记", "填报人", "社区书记", "党支部书记", "党支部联系人",
                     "业委会主任", "确认人"), _PERSON),
    **dict.fromkeys(("单位名称", "所在单位", "党组织名称", "社区党组织名称", "小区党支部名称",
                     "业委会名称"), _ORG),
    **dict.fromkeys(("街道", "社区名称", "社区", "小区名称", "小区"), _PLACE),
    **dict.fromkeys(("楼栋", "单元", "门牌号"), 20),
    "职务": 40, "个人特长或熟悉领域": 100, "活动类型": 30, "完成时限": 30,
    TEXT: 500, CODE: 20, DATE: 30, YEAR: 10, PHONE: 30, NUMBER: 20, SIGNED: 20, YESNO: 10,
    CHOICE: 30,
}  # fmt: skip


@dataclass(frozen=True)
class Sheet:
    """One ledger sheet: name, internal key and columns. ``member_ref``: rows point at a
    member by 编号 or 姓名 (+所在单位). ``optional``: a core sheet a profile may use,
    written into its blank workbook only when the profile lists it."""

    name: str
    key: str
    columns: tuple[Column, ...]
    member_ref: bool = False
    optional: bool = False

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


REF = (
    Column("编号", "member_id", CODE, width=10, example="0001"),
    Column("姓名", "member_name", width=10, example="张建国"),
    Column("所在单位", "member_unit", width=22, example="十堰市住房和城乡建设局"),
)  # fmt: skip

# A row of a unit and a community (清单, 共建协议).
UNIT_COMMUNITY = (
    Column("单位", "unit", required=True, width=24, example="十堰市住房和城乡建设局", ref="units"),
    Column("社区", "community", required=True, width=14, example="北京路社区", ref="communities"),
)

CORE: tuple[Sheet, ...] = (
    Sheet("单位", "units", (
        Column("单位名称", "name", required=True, width=24, example="十堰市住房和城乡建设局"),
        Column("党组织名称", "org", required=True, width=24, example="十堰市住建局党组"),
        Column("党组织类型", "org_type", CHOICE, choices="org_types", width=12, example="党组"),
        Column("党组织书记", "secretary", width=12, example="王志强"),
        Column("填报人", "filler", width=10, example="李静"),
        Column("联系电话", "phone", PHONE, width=16, example="0719-8652545"),
    )),
    Sheet("社区", "communities", (
        Column("街道", "street", example="五堰街道"),
        Column("社区名称", "name", required=True, width=16, example="北京路社区"),
        Column("社区党组织名称", "org", required=True, width=24, example="北京路社区党委"),
        Column("社区书记", "secretary", width=10, example="陈红"),
        Column("联系电话", "phone", PHONE, width=16, example="0719-8123456"),
    )),
    Sheet("小区", "compounds", (
        Column("社区名称", "community", required=True, width=16, example="北京路社区"),
        Column("小区名称", "name", required=True, width=16, example="阳光花园"),
        Column("小区党支部名称", "branch", required=True, width=24, example="阳光花园小区党支部"),
        Column("党支部书记", "secretary", width=10, example="刘洋"),
        Column("党支部联系人", "contact", width=12, example="赵敏"),
        Column("联系电话", "phone", PHONE, width=16, example="13907191234"),
        Column("业委会名称", "committee", width=22, example="阳光花园业主委员会"),
        Column("业委会主任", "committee_head", width=10, example="孙立"),
    )),
    Sheet("党员干部", "members", (
        Column("编号", "id", CODE, width=8, example="0001"),
        Column("姓名", "name", required=True, width=10, example="张建国"),
        Column("性别", "gender", CHOICE, choices="genders", width=6, example="男"),
        Column("所在单位", "unit", required=True, width=24, example="十堰市住房和城乡建设局"),
        Column("职务", "title", required=True, example="科长"),
        Column("联系方式", "phone", PHONE, width=15, example="13812345678"),
        Column("社区", "community", required=True, example="北京路社区"),
        Column("小区", "compound", required=True, example="阳光花园"),
        Column("楼栋", "building", width=8, example="3栋"),
        Column("单元", "entrance", width=8, example="2单元"),
        Column("门牌号", "door", width=8, example="501室"),
        Column("个人特长或熟悉领域", "speciality", width=20, example="法律咨询"),
        Column("是否为党员", "is_party", YESNO, width=10, example="是"),
        Column("报到日期", "reg_date", DATE, width=12, example="2023-02-20"),
        Column("出生日期", "birth_date", DATE, width=12, example="1980-05-01"),
        Column("报到方式", "report_mode", CHOICE, choices="report_modes",
               width=10, example="自主报到"),
        Column("减免情况", "relief", width=16),
    )),
    Sheet("决策共谋", "decisions", (
        *REF,
        Column("日期", "date", DATE, required=True, width=12, example="2023-03-15"),
        Column("会议类型", "meeting_type", CHOICE, choices="meeting_types", example="三方联动会议"),
        Column("参与事项", "matter", required=True, width=30, example="小区停车位规划"),
    ), member_ref=True),
    Sheet("承诺事项", "pledges", (
        *REF,
        Column("年度", "year", YEAR, required=True, width=8, example="2023"),
        Column("承诺事项", "item", required=True, width=30, example="协调解决3栋楼道照明"),
        Column("主要举措", "measures", width=30, example="联系物业更换声控灯"),
        Column("完成时限", "deadline", example="2023年6月底"),
        Column("承诺时间", "pledge_date", DATE, width=12, example="2023-03-01"),
        Column("状态", "status", CHOICE, choices="pledge_status", width=10, example="进行中"),
    ), member_ref=True),
    Sheet("小区任职", "posts", (
        *REF,
        Column("任职岗位", "post", CHOICE, required=True, choices="posts",
               width=18, example="楼栋长"),
        Column("任职时间", "since", DATE, width=12, example="2023-04-01"),
        Column("备注", "note", width=20),
    ), member_ref=True),
    Sheet("共建活动", "activities", (
        *REF,
        Column("日期", "date", DATE, required=True, width=12, example="2023-04-08"),
        Column("活动类型", "kind", example="环境整治"),
        Column("内容", "content", width=30, example="清理楼道杂物"),
        Column("时长(小时)", "hours", NUMBER, width=10, example="2"),
        Column("确认人", "confirmer", width=10, example="刘洋"),
        Column("地点", "place", width=16, example="阳光花园3栋"),
        Column("服务对象评价", "rating", CHOICE, choices="ratings", width=12, example="满意"),
    ), member_ref=True),
    Sheet("评价", "evaluations", (
        *REF,
        Column("年度", "year", YEAR, required=True, width=8, example="2023"),
        Column("活动情况", "activity_text", width=30, example="全年参加决策共谋3次、共建活动5次"),
        Column("履职情况评价", "duty_text", width=24, example="认真履行楼栋长职责"),
        # then a grade column and a 说明 column per evaluating party of the profile
    ), member_ref=True),
    Sheet("考核", "assessments", (
        *REF,
        Column("年度", "year", YEAR, required=True, width=8, example="2023"),
        Column("考核等次", "grade", CHOICE, required=True, choices="assessment_grades",
               width=10, example="合格"),
        Column("社区意见", "community_opinion", width=24, example="积极参加社区活动"),
        Column("单位意见", "unit_opinion", width=24, example="同意社区意见"),
    ), member_ref=True, optional=True),
    Sheet("半年报告", "half_reports", (
        *REF,
        Column("年度", "year", YEAR, required=True, width=8, example="2023"),
        Column("半年", "half", CHOICE, required=True, choices="halves", width=8, example="上半年"),
        Column("报告日期", "report_date", DATE, width=12, example="2023-06-28"),
        Column("思想工作情况", "thoughts", width=30, example="认真学习，积极参加社区活动"),
        Column("下步打算", "plans", width=30, example="继续参加志愿服务"),
    ), member_ref=True, optional=True),
    Sheet("积分", "points", (
        *REF,
        Column("日期", "date", DATE, required=True, width=12, example="2023-04-08"),
        Column("积分事项", "item", required=True, width=24, example="参加环境整治志愿服务"),
        Column("分值", "score", SIGNED, required=True, width=8, example="5"),
        Column("确认人", "confirmer", width=10, example="刘洋"),
    ), member_ref=True, optional=True),
    Sheet("清单", "lists", (
        *UNIT_COMMUNITY,
        Column("清单类型", "list_type", CHOICE, required=True, choices="list_types",
               width=12, example="需求清单"),
        Column("事项", "item", required=True, width=30, example="老旧小区雨污分流改造"),
        Column("责任人", "owner", width=10, example="张建国"),
        Column("完成时限", "deadline", example="2023年10月底"),
        Column("状态", "status", CHOICE, choices="list_status", width=10, example="进行中"),
        Column("进展", "progress", width=30, example="已完成方案设计"),
    ), optional=True),
    Sheet("共建协议", "agreements", (
        *UNIT_COMMUNITY,
        Column("签订日期", "signed", DATE, required=True, width=12, example="2023-03-01"),
        Column("共建内容", "content", width=40, example="共同开展环境整治、志愿服务"),
        Column("单位联系人", "unit_contact", width=10, example="李静"),
        Column("社区联系人", "community_contact", width=10, example="陈红"),
        Column("有效期", "valid", width=16, example="2023年3月至2025年3月"),
    ), optional=True),
)  # fmt: skip

# The sheets every ledger must have.
REQUIRED_SHEETS = ("单位", "社区", "小区", "党员干部")
EXAMPLE_MARK = "（示例）"


def canon_header(text: str) -> str:
    """A header as typed ('时长（小时）', ' 姓 名 ') -> canonical ('时长(小时)', '姓名')."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def party_columns(parties: Iterable[Any]) -> tuple[Column, ...]:
    """The 评价 sheet's columns of the evaluating parties: a grade and a comment each."""
    return tuple(
        col
        for p in parties
        for col in (
            Column(p.column, f"grade_{p.key}", CHOICE, choices="grades", width=10, example="好"),
            Column(f"{p.column}说明", f"comment_{p.key}", width=20),
        )
    )


@dataclass(frozen=True)
class Schema:
    """The sheets of one profile's ledger, by Chinese name and by internal key."""

    sheets: tuple[Sheet, ...]
    used: frozenset[str] = field(default_factory=frozenset)  # optional sheets the profile uses

    @cached_property
    def by_name(self) -> dict[str, Sheet]:
        return {s.name: s for s in self.sheets}

    @cached_property
    def by_key(self) -> dict[str, Sheet]:
        return {s.key: s for s in self.sheets}

    def in_workbook(self) -> tuple[Sheet, ...]:
        """The sheets a blank workbook of the profile holds."""
        return tuple(s for s in self.sheets if not s.optional or s.name in self.used)


def _column(spec: dict[str, Any], where: str) -> Column:
    allowed = {f.name for f in Column.__dataclass_fields__.values()}
    unknown = set(spec) - allowed
    if unknown or "header" not in spec or "key" not in spec:
        raise ValueError(f"{where}：列的写法有误（{spec}）")
    col = Column(**spec)
    if col.kind not in KINDS:
        raise ValueError(f"{where}：未知的列类型「{col.kind}」，可用：{'、'.join(KINDS)}")
    return col


def build_schema(parties: Iterable[Any], added: Iterable[dict[str, Any]] = ()) -> Schema:
    """Core sheets, the parties' 评价 columns and a profile's ``sheets:`` entries -> Schema.

    An entry is either a new sheet ``{name, key, member_ref?, columns: [...]}``, an
    extension ``{extend: 党员干部, columns: [...]}``, or ``{use: 考核}`` for an optional
    core sheet. ValueError (Chinese) for a malformed entry."""
    sheets = {s.name: s for s in CORE}
    ev = sheets["评价"]
    sheets["评价"] = replace(ev, columns=ev.columns + party_columns(parties))
    used: set[str] = set()
    for entry in added:
        if "use" in entry:
            if entry["use"] not in sheets:
                raise ValueError(f"sheets：没有名为「{entry['use']}」的工作表")
            used.add(entry["use"])
            continue
        target = str(entry.get("extend") or entry.get("name") or "")
        cols = tuple(_column(c, f"工作表「{target}」") for c in entry.get("columns", []))
        if "extend" in entry:
            if target not in sheets:
                raise ValueError(f"sheets：要扩展的工作表「{target}」不存在")
            sheets[target] = replace(sheets[target], columns=sheets[target].columns + cols)
        else:
            member_ref = bool(entry.get("member_ref", False))
            sheets[target] = Sheet(
                str(target),
                str(entry["key"]),
                (*REF, *cols) if member_ref else cols,
                member_ref=member_ref,
            )
    return Schema(tuple(sheets.values()), frozenset(used))


_SCHEMAS: dict[str, Schema] = {}


def schema_for(profile: Profile) -> Schema:
    """The ledger schema of a profile (built once per profile)."""
    key = str(profile.folder)
    if key not in _SCHEMAS:
        try:
            _SCHEMAS[key] = build_schema(profile.parties, profile.sheets)
        except (ValueError, TypeError) as exc:
            raise UserError(f"政策配置「{profile.id}」的工作表声明有误：{exc}") from None
    return _SCHEMAS[key]
