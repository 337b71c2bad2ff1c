"""Table forms and notices drawn straight into PDF pages (generator/render/tables.py)
against Typst's layout of the same template: 附件1, 2 and 4 and the notices n1–n3 put
every character on the page where Typst puts it, in the same font and size, on every
page — the sample ledger's documents, the blank forms, and tables typed as clerks type
them: long and punctuated names, unit titles split by 　, many rows over several pages,
rows Typst splits over two pages, long issuers and place names in a justified lead."""

from __future__ import annotations

import copy
import random

import pytest

from generator.forms.registry import blank
from generator.render.renderers import Renderers
from tests.conftest import FORMS, context, layout
from tests.test_stamp import STAMP, WORDS, _creator, _differences, _text, _typst
from tests.test_typography import chars

SCOPES = {"a1": {"community": "北京路社区", "compound": "阳光花园", "building": "1栋"},
          "a2": {"unit": "十堰市民政局"}, "a4": {"unit": "十堰市住房和城乡建设局"},
          "n1": {"community": "北京路社区", "compound": "阳光花园", "building": "1栋"},
          "n2": {"community": "北京路社区", "compound": "阳光花园"},
          "n3": {"unit": "十堰市住房和城乡建设局"}}  # fmt: skip
UNITS = ["十堰市住房和城乡建设局", "十堰市民政局（2）", "中共十堰市委组织部", "十堰市第一中学"]
JOBS = ["科员", "一级主任科员", "办公室主任", "副局长（主持工作）", "四级调研员"]


def _row(rng: random.Random, form_id: str, no: int) -> dict[str, str]:
    name = rng.choice(["王芳", "欧阳建国", "李", "阿卜杜拉·买买提", "张三丰", "刘䶮"])
    job = rng.choice(JOBS)
    items = [_text(rng, rng.choice([1, 2])) for _ in range(rng.choice([1, 2, 4, 6]))]
    # (kit.table sets `words` where every item fits the column: short ones here)
    return {
        "no": str(no), "name": name, "job": job, "note": rng.choice(["", "", "未达全年2次"]),
        "unit_title": f"{rng.choice(UNITS)}　{job}",
        "phone": rng.choice(["139****1234", "0719-****545", ""]),
        "address": f"{_text(rng, rng.choice([1, 2, 4]))}{rng.randint(1, 30)}栋***室",
        "speciality": _text(rng, rng.choice([0, 1, 3])), "party": "是",
        "community": rng.choice(["北京路社区", "车城路社区"]),
        "compound": rng.choice(["阳光花园", "人民路一号院6期", "A座小区"]),
        "count": str(len(items)), "matters": "；".join(items),
        "post": rng.choice(["楼栋长", "业委会委员（副主任）", "志愿者"]),
        "since": f"2026年{rng.randint(1, 12)}月{rng.randint(1, 28)}日",
        "pledged": "；".join(items[:3]), "deadlines": rng.choice(["2026年6月底", "长期"]),
        "grade": rng.choice(["好", "良好", "一般"]),
    }  # fmt: skip


def _variants(base: dict, form_id: str, n: int) -> list[dict]:
    rng = random.Random(f"{form_id}-tables")
    docs = []
    for i in range(n):
        d = copy.deepcopy(base)
        d["rows"] = [_row(rng, form_id, k) for k in range(1, rng.choice([1, 3, 9, 16, 30]) + 1)]
        for c in d["columns"]:
            c["words"] = c["key"] in ("unit_title", "matters") and i % 3 != 2
        if i % 4 == 1 and "head_left" in d:
            d["head_left"] += "（" + rng.choice(WORDS) + "）"
        if "lead" in d:  # a notice: its place names, issuer and lead as clerks type them
            place = rng.choice(["阳光花园", "人民路一号院（东区）6期", "A座小区", "汉江名都"])
            d["lead"] = d["lead"].replace("柳林小区", place).replace("十堰市", place)
            d["issuer"] = rng.choice([f"{place}小区党支部", "中共十堰市住房和城乡建设局党组"])
            if i % 5 == 2:
                d["closing"] = d["closing"] * 2
        docs.append(d)
    return docs


@pytest.mark.parametrize("form_id", ["a1", "a2", "a4", "n1", "n2", "n3"])
def test_the_drawn_table_stands_where_typst_puts_it(ledger, opts, form_id):
    stamped, typst = _typst(form_id)
    r = Renderers()
    base = context(form_id, ledger, opts, **SCOPES[form_id])
    docs = [base, *_variants(base, form_id, 14)]
    docs += [blank(FORMS[form_id], opts)] if form_id.startswith("a") else []  # notices: none
    drawn_here = pages = 0
    for d in docs:
        ours = r.render(stamped, "pdf", d, STAMP)
        theirs = r.render(typst, "pdf", d, STAMP)
        if _creator(ours) == "formgen":
            drawn_here += 1
            pages += len(chars(ours))
        assert _differences(ours, theirs) == [], [row.get("name") for row in d["rows"]]
    # Most documents are drawn here, several pages long among them (a stamp that gave up
    # on everything, or on every long table, would pass the comparison above).
    assert drawn_here >= 0.75 * len(docs), (drawn_here, len(docs))
    assert pages >= drawn_here + 6, pages


def test_a_row_split_over_two_pages_as_typst_splits_it(ledger, opts):
    """A row of many matters at a page's foot: its first lines on this page, the rest under
    the header of the next — never one line alone on either page."""
    stamped, typst = _typst("a2")
    d = context("a2", ledger, opts, **SCOPES["a2"])
    rng = random.Random("split")
    d["rows"] = [_row(rng, "a2", k) for k in range(1, 9)]
    for k, row in enumerate(d["rows"]):
        row["matters"] = "；".join(["楼道照明改造", "电梯加装方案", "小区绿化提升"] * (2 + k % 2))
    ours = Renderers().render(stamped, "pdf", d, STAMP)
    assert _creator(ours) == "formgen"
    assert len(chars(ours)) >= 2
    assert _differences(ours, Renderers().render(typst, "pdf", d, STAMP)) == []


def test_the_blank_table_forms_are_drawn_here(opts):
    for form_id in ("a1", "a2", "a4"):
        stamped, _ = _typst(form_id)
        pdf = Renderers().render(stamped, "pdf", blank(FORMS[form_id], opts), STAMP)
        assert _creator(pdf) == "formgen", form_id


def test_a_recipe_that_breaks_on_a_value_hands_the_document_to_typst(ledger, opts, monkeypatch):
    """A value the recipe did not foresee never costs the clerk a document: Typst lays
    it out instead."""
    from generator.render import tables

    def broken(doc, d, label):
        raise KeyError("a key the recipe did not expect")

    monkeypatch.setattr(tables, "table_form", broken)
    stamped, _ = _typst("a1")
    pdf = Renderers().render(stamped, "pdf", context("a1", ledger, opts, **SCOPES["a1"]), STAMP)
    assert _creator(pdf).startswith("Typst")
    assert "党员干部基本情况公示表" in "".join(c.ch for page in chars(pdf) for c in page)


def test_ageing_typst_cache_costs_nothing_after_drawn_documents(ledger, opts, monkeypatch):
    """After each chunk of long documents a worker ages Typst's layout cache with empty
    compilations (11 ms a chunk); where the chunk was drawn, Typst laid out nothing and
    there is nothing to age."""
    from generator.render import pdf

    calls: list[dict[str, object]] = []

    class Counting:
        def compile(self, **kw: object) -> bytes:
            calls.append(kw)
            return b""

    monkeypatch.setattr(pdf, "_COMPILERS", {"root": Counting()})
    monkeypatch.setattr(pdf, "_UNAGED", 0, raising=False)
    docs = _variants(context("n1", ledger, opts, **SCOPES["n1"]), "n1", 2)
    pdfs = Renderers().render_many(layout("n1"), docs, STAMP, ["A" * 32, "B" * 32])
    assert [_creator(p) for p in pdfs] == ["formgen", "formgen"]  # drawn, not laid out
    pdf.age_cache(10)
    assert calls == []
    monkeypatch.setattr(pdf, "_UNAGED", 1)  # a document Typst laid out
    pdf.age_cache(10)
    assert len(calls) == 10
