"""The ledger's shape (DESIGN §2), declared once: sheets, columns, kinds, closed sets.

``load`` uses it to find headers, ``validate`` to convert cells, ``initbook`` to write
the blank workbook. Nothing here reads files.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

# Column kinds understood by validate.convert_cell.
TEXT, CODE, DATE, YEAR, PHONE, NUMBER, YESNO, CHOICE = (
    "text", "code", "date", "year", "phone", "number", "yesno", "choice",
)  # fmt: skip


@dataclass(frozen=True)
class Column:
    """One ledger column: its Chinese header, internal key, kind and rules."""

    header: str
    key: str
    kind: str = TEXT
    required: bool = False
    choices: str = ""  # name of a Profile attribute holding the closed set
    width: int = 14
    example: str = ""
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
    TEXT: 500, CODE: 20, DATE: 30, YEAR: 10, PHONE: 30, NUMBER: 20, YESNO: 10, CHOICE: 30,
}  # fmt: skip


@dataclass(frozen=True)
class Sheet:
    """One ledger sheet: name, internal key and columns."""

    name: str
    key: str
    columns: tuple[Column, ...]
    member_ref: bool = False  # rows point at a member by 编号 or 姓名 (+所在单位)

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)


REF = (
    Column("编号", "member_id", CODE, width=10, example="0001"),
    Column("姓名", "member_name", width=10, example="张建国"),
    Column("所在单位", "member_unit", width=22, example="十堰市住房和城乡建设局"),
)

PARTIES = (
    ("self", "自我评价"),
    ("committee", "业委会评价"),
    ("branch", "小区党支部意见"),
    ("community", "社区党组织评价"),
    ("unit", "单位党组织评价"),
)

SHEETS: tuple[Sheet, ...] = (
    Sheet("单位", "units", (
        Column("单位名称", "name", required=True, width=24, example="十堰市住房和城乡建设局"),
        Column("党组织名称", "org", required=True, width=24, example="十堰市住建局党组"),
        Column("党组织类型", "org_type", CHOICE, choices="org_types", width=12, example="党组"),
        Column("党组织书记", "secretary", width=12, example="王志强"),
        Column("填报人", "filler", width=10, example="李静"),
        Column("联系电话", "phone", PHONE, width=16, example="0719-8652545"),
    )),
    Sheet("社区", "communities", (
        Column("街道", "street", width=14, example="五堰街道"),
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
        Column("职务", "title", required=True, width=14, example="科长"),
        Column("联系方式", "phone", PHONE, width=15, example="13812345678"),
        Column("社区", "community", required=True, width=14, example="北京路社区"),
        Column("小区", "compound", required=True, width=14, example="阳光花园"),
        Column("楼栋", "building", width=8, example="3栋"),
        Column("单元", "entrance", width=8, example="2单元"),
        Column("门牌号", "door", width=8, example="501室"),
        Column("个人特长或熟悉领域", "speciality", width=20, example="法律咨询"),
        Column("是否为党员", "is_party", YESNO, width=10, example="是"),
        Column("报到日期", "reg_date", DATE, width=12, example="2023-02-20"),
    )),
    Sheet("决策共谋", "decisions", (
        *REF,
        Column("日期", "date", DATE, required=True, width=12, example="2023-03-15"),
        Column("会议类型", "meeting_type", CHOICE, choices="meeting_types", width=14,
               example="三方联动会议"),
        Column("参与事项", "matter", required=True, width=30, example="小区停车位规划"),
    ), member_ref=True),
    Sheet("承诺事项", "pledges", (
        *REF,
        Column("年度", "year", YEAR, required=True, width=8, example="2023"),
        Column("承诺事项", "item", required=True, width=30, example="协调解决3栋楼道照明"),
        Column("主要举措", "measures", width=30, example="联系物业更换声控灯"),
        Column("完成时限", "deadline", width=14, example="2023年6月底"),
        Column("承诺时间", "pledge_date", DATE, width=12, example="2023-03-01"),
        Column("状态", "status", CHOICE, choices="pledge_status", width=10, example="进行中"),
    ), member_ref=True),
    Sheet("小区任职", "posts", (
        *REF,
        Column("任职岗位", "post", CHOICE, required=True, choices="posts", width=18,
               example="楼栋长"),
        Column("任职时间", "since", DATE, width=12, example="2023-04-01"),
        Column("备注", "note", width=20, example=""),
    ), member_ref=True),
    Sheet("共建活动", "activities", (
        *REF,
        Column("日期", "date", DATE, required=True, width=12, example="2023-04-08"),
        Column("活动类型", "kind", width=14, example="环境整治"),
        Column("内容", "content", width=30, example="清理楼道杂物"),
        Column("时长(小时)", "hours", NUMBER, width=10, example="2"),
        Column("确认人", "confirmer", width=10, example="刘洋"),
    ), member_ref=True),
    Sheet("评价", "evaluations", (
        *REF,
        Column("年度", "year", YEAR, required=True, width=8, example="2023"),
        Column("活动情况", "activity_text", width=30, example="全年参加决策共谋3次、共建活动5次"),
        Column("履职情况评价", "duty_text", width=24, example="认真履行楼栋长职责"),
        *(
            col
            for key, header in PARTIES
            for col in (
                Column(header, f"grade_{key}", CHOICE, choices="grades", width=10,
                       example="好"),
                Column(f"{header}说明", f"comment_{key}", width=20, example=""),
            )
        ),
    ), member_ref=True),
)  # fmt: skip

SHEET_BY_NAME = {s.name: s for s in SHEETS}
SHEET_BY_KEY = {s.key: s for s in SHEETS}
EXAMPLE_MARK = "（示例）"


def canon_header(text: str) -> str:
    """A header as typed ('时长（小时）', ' 姓 名 ') -> canonical ('时长(小时)', '姓名')."""
    return "".join(unicodedata.normalize("NFKC", text).split())
