"""The forms, declared once as data: id, title, scope, formats, context builders, table.

Backends read ``columns`` (XLSX) or the template files named after the id; nothing
else in the code knows a particular form.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from generator.errors import UserError
from generator.forms import context as cx
from generator.forms import notices as nt

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

BUILDING, COMPOUND, UNIT_PERIOD, MEMBER_YEAR = "building", "compound", "unit_period", "member_year"


@dataclass(frozen=True)
class Column:
    """One column of a tabular form: context key, header, optional group header, width."""

    key: str
    label: str
    group: str = ""
    width: float = 12


@dataclass(frozen=True)
class FormSpec:
    id: str
    label: str  # 附件1
    name: str  # short name used in file names
    scope: str
    formats: tuple[str, ...]
    landscape: bool
    build: Callable[..., cx.Context]
    blank: Callable[[cx.Options], cx.Context]
    columns: tuple[Column, ...] = ()
    kind: str = "forms"  # template folder: forms | notices
    alt_scope: str = ""  # a second grouping the run may ask for (n3: per compound)

    def template(self, ext: str, folder: Path | None = None, variant: str = "") -> Path:
        """Path of this form's template for a format ('docx' or 'typ'); a variant such as
        'a3' picks ``<id>.a3.<ext>`` where one exists. A user folder wins over ours."""
        names = ([f"{self.id}.{variant}.{ext}"] if variant else []) + [f"{self.id}.{ext}"]
        for base in (folder, TEMPLATES / self.kind):
            for name in names:
                if base is not None and (base / name).is_file():
                    return base / name
        return TEMPLATES / self.kind / names[-1]


FORMS: dict[str, FormSpec] = {
    f.id: f
    for f in (
        FormSpec("a1", "附件1", "党员干部基本情况公示表", BUILDING, ("docx", "pdf", "xlsx"), True,
                 cx.a1, cx.a1_blank, columns=(
                     Column("no", "序号", width=6), Column("name", "姓名", width=10),
                     Column("unit_title", "所在单位及职务", width=34),
                     Column("phone", "联系方式", width=15), Column("address", "家庭住址", width=26),
                     Column("speciality", "个人特长或熟悉领域", width=20),
                     Column("party", "是否为党员", width=11))),
        FormSpec("a2", "附件2", "决策共谋活动情况统计表", UNIT_PERIOD, ("xlsx", "docx", "pdf"),
                 True,
                 cx.a2, cx.a2_blank, columns=(
                     Column("no", "序号", width=6), Column("name", "姓名", width=10),
                     Column("job", "职务", width=16),
                     Column("community", "社区", "居住地社区（小区）", 14),
                     Column("compound", "小区", "居住地社区（小区）", 14),
                     Column("count", "次数", "参加决策共谋情况", 7),
                     Column("matters", "参与事项", "参加决策共谋情况", 44),
                     Column("note", "备注", width=14))),
        FormSpec("a3", "附件3", "发展共建活动承诺书", MEMBER_YEAR, ("docx", "pdf"), False,
                 cx.a3, cx.a3_blank),
        FormSpec("a4", "附件4", "在所在小区任职情况统计表", UNIT_PERIOD, ("xlsx", "docx", "pdf"),
                 True,
                 cx.a4, cx.a4_blank, columns=(
                     Column("no", "序号", width=6), Column("name", "姓名", width=10),
                     Column("job", "职务", width=16),
                     Column("community", "社区", "居住地社区（小区）", 14),
                     Column("compound", "小区", "居住地社区（小区）", 14),
                     Column("post", "任职岗位", width=18), Column("since", "任职时间", width=14),
                     Column("note", "备注", width=18))),
        FormSpec("a5", "附件5", "“五亮五共”活动情况评价表", MEMBER_YEAR, ("docx", "pdf"), False,
                 cx.a5, cx.a5_blank),
        FormSpec("n1", "亮身份公示", "亮身份公示", BUILDING, ("docx", "pdf"), True, nt.n1,
                 nt.n1_blank, kind="notices"),
        FormSpec("n2", "承诺事项公示", "承诺事项公示", COMPOUND, ("docx", "pdf"), False, nt.n2,
                 nt.n2_blank, kind="notices"),
        FormSpec("n3", "评价结果公示", "评价结果公示", UNIT_PERIOD, ("docx", "pdf"), False,
                 nt.n3, nt.n3_blank, kind="notices", alt_scope=COMPOUND),
    )
}  # fmt: skip


def select(spec: str) -> list[FormSpec]:
    """'all' or 'a1,a3' -> the form specs, in declaration order; unknown ids are an error."""
    if spec.strip().lower() in {"", "all"}:
        return list(FORMS.values())
    ids = [s.strip().lower() for s in spec.split(",") if s.strip()]
    unknown = [i for i in ids if i not in FORMS]
    if unknown:
        raise UserError(f"未知的表单：{'、'.join(unknown)}。", f"可用：{', '.join(FORMS)}、all")
    return [FORMS[i] for i in FORMS if i in ids]
