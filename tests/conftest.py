"""Fixtures built in the test: a small ledger written in a few lines, and its export."""

from __future__ import annotations

import copy
import datetime as dt
import os
from pathlib import Path
from typing import Any

import pytest

from generator.forms.registry import build, forms_of, select
from generator.ledger.sample import write_xlsx
from generator.ledger.schema import schema_for
from generator.policy.period import Period
from generator.policy.profile import load_profile
from generator.run.layouts import layout_of
from generator.run.pipeline import export, read_ledger
from generator.types import Options, Scope

SHIYAN = load_profile()
FORMS = forms_of(SHIYAN)
H = {s.name: [c.header for c in s.columns] for s in schema_for(SHIYAN).sheets}


def context(form_id: str, ledger, opts, **scope):
    """One document's context, as the run builds it."""
    period = scope.pop("period", Period(2026))
    return build(FORMS[form_id], ledger, Scope(period=period, **scope), opts)


def layout(form_id: str):
    return layout_of(FORMS[form_id])


TODAY = dt.date(2026, 3, 1)

# Three units, two communities, three compounds; 䶮 and 𠮷 among the names; one pledge
# with XML/formula-like text.
BASE: dict[str, list[list[Any]]] = {
    "单位": [H["单位"],
           ["十堰市住房和城乡建设局", "中共十堰市住房和城乡建设局党组", "党组", "王志强", "李静",
            "0719-8652545"],
           ["十堰市民政局", "中共十堰市民政局党组", "党组", "赵刚", "陈洁", "0719 8652546"],
           ["十堰市人民医院", "中共十堰市人民医院委员会", "党委", "钱进", "", ""]],
    "社区": [H["社区"], ["五堰街道", "北京路社区", "中共北京路社区委员会", "陈红", "0719-8123456"],
           ["张湾街道", "车城路社区", "中共车城路社区委员会", "周建华", "07198234567"]],
    "小区": [H["小区"],
           ["北京路社区", "阳光花园", "阳光花园小区党支部", "刘洋", "赵敏", "139 0719 1234",
            "阳光花园业主委员会", "孙立"],
           ["北京路社区", "柳林小区", "柳林小区党支部", "吴军", "吴军", "13907192222",
            "柳林小区自管委员会", "郑明"],
           ["车城路社区", "东风家园", "东风家园小区党支部", "冯涛", "", "", "", ""]],
    "党员干部": [H["党员干部"],
             ["0001", "刘䶮", "男", "十堰市住房和城乡建设局", "科长", "+86 138 1234 5678",
              "北京路社区", "阳光花园", "3", "2", "501", "法律咨询", "是", "2026/2/20"],
             ["0002", "吉𠮷祥", "女", "十堰市住房和城乡建设局", "科员", "13912345678",
              "北京路社区", "阳光花园", "3栋", "1单元", "302室", "", "是", "2026年2月21日"],
             ["0003", "张　伟", "男", "十堰市民政局", "主任", "137-1234-5678", "北京路社区",
              "阳光花园", "5栋", "1单元", "101室", "矛盾调解", "否", dt.date(2026, 2, 22)],
             ["0004", "王芳", "女", "十堰市民政局", "副主任", "13612345678", "北京路社区",
              "柳林小区", "1栋", "2单元", "202室", '@SUM(A1) <b>&"x"', "是", "2026.2.23"],
             ["0005", "李强", "男", "十堰市人民医院", "医师", "13512345678", "车城路社区",
              "东风家园", "2栋", "1单元", "601室", "=1+1 医疗保健", "", "２０２６-２-２４"]],
    "决策共谋": [H["决策共谋"],
             ["0001", "", "", "2026-01-15", "三方联动会议", "小区停车位规划"],
             ["0001", "", "", "2026/4/2", "业主会议", "电梯加装方案"],
             ["", "刘䶮", "", "2026年7月3日", "", "楼道照明改造"],
             ["0003", "", "", "2026.2.10", "居民会议", "垃圾分类点设置"],
             ["", "王芳", "十堰市民政局", dt.date(2026, 3, 5), "", "充电桩建设"]],
    "承诺事项": [H["承诺事项"],
             ["0001", "", "", 2026, "协调解决3栋楼道照明问题", "联系物业更换声控灯",
              "2026年6月底", "2026-03-01", "进行中"],
             ["0001", "", "", "2026年", "为居民开展法律讲座2次", "结合民法典宣讲", "2026年9月底",
              "2026-03-02", ""],
             ["0002", "", "", 2026, "清理A&B栋<杂物> \"堆放\"", "=1+1 组织清理", "2026年5月底",
              "", ""]],
    "小区任职": [H["小区任职"], ["0001", "", "", "楼栋长", "2026-04-01", ""],
             ["0001", "", "", "党小组长", "2026-05-01", "兼"],
             ["0004", "", "", "志愿者", "", ""]],
    "共建活动": [H["共建活动"],
             ["0001", "", "", "2026-04-08", "环境整治", "清理楼道", "2小时", "刘洋"],
             ["0005", "", "", "2026-05-08", "志愿服务", "义诊", 1.5, ""]],
    "评价": [H["评价"],
           ["0001", "", "", 2026, "全年参加决策共谋3次", "认真履行楼栋长职责", "好", "", "良好",
            "", "好", "积极参与", "一般", "", "好", ""]],
}  # fmt: skip


def ledger_rows() -> dict[str, list[list[Any]]]:
    """A fresh deep copy of the base ledger, for a test to add defects to."""
    return copy.deepcopy(BASE)


def write_ledger(path: Path, sheets: dict[str, list[list[Any]]] | None = None) -> Path:
    write_xlsx(sheets or ledger_rows(), path)
    return path


@pytest.fixture(scope="session")
def profile():
    return load_profile()


@pytest.fixture(scope="session")
def opts(profile) -> Options:
    return Options(profile=profile, date=TODAY)


@pytest.fixture
def ledger_path(tmp_path: Path) -> Path:
    return write_ledger(tmp_path / "ledger.xlsx")


@pytest.fixture(scope="session")
def ledger(tmp_path_factory, profile):
    path = write_ledger(tmp_path_factory.mktemp("led") / "ledger.xlsx")
    led, _ = read_ledger(path, profile)
    return led


@pytest.fixture(scope="session")
def exported(tmp_path_factory, ledger, opts) -> Path:
    """The whole packet of the small ledger, every form and format, exported once."""
    out = tmp_path_factory.mktemp("out")
    export(ledger, out, select(SHIYAN, "all"), ("docx", "pdf", "xlsx"), Period(2026), opts)
    return out


@pytest.fixture(scope="session", autouse=True)
def _ledger_cache(tmp_path_factory):
    """Validated ledgers are cached in a folder of the test session's own (the CLI's
    subprocesses inherit it), never in the user's ~/.cache."""
    old = os.environ.get("FORMGEN_CACHE")
    os.environ["FORMGEN_CACHE"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if old is None:
        del os.environ["FORMGEN_CACHE"]
    else:
        os.environ["FORMGEN_CACHE"] = old


@pytest.fixture(autouse=True)
def _in_tmp_dir(tmp_path, monkeypatch):
    """Commands that default to ./output and ./archive write into the test's folder."""
    monkeypatch.chdir(tmp_path)
