"""The stamped fill (generator/render/stamp.py) against Typst's: a3 and a5 documents whose
fill is drawn straight into the page put every character where Typst's layout of the
same template puts it, in the same font and size — on the sample ledger's members and
on texts typed as clerks type them (long, punctuated, mixed with Latin and digits,
blanks to fill by hand). What the stamp cannot draw exactly goes to Typst."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import random
import shutil

import pypdfium2 as pdfium
import pytest

from generator.forms.registry import blank, code_of
from generator.render.renderers import Renderers
from generator.run.layouts import mirrors
from tests.conftest import FORMS, context, layout
from tests.test_typography import chars

SEED = ""
STAMP = dt.datetime(2026, 3, 1, tzinfo=dt.UTC)
TOLERANCE = 0.3  # pt: a character's box in the stamped page against Typst's


def _typst(form_id: str):
    lay = layout(form_id)
    assert lay.stamp, f"{form_id} has no stamp recipe"
    return lay, dataclasses.replace(lay, stamp="", key=lay.key + "#typst")


def _creator(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    try:
        return str(doc.get_metadata_dict().get("Creator", ""))
    finally:
        doc.close()


def _differences(a: bytes, b: bytes) -> list[str]:
    """Characters of one PDF not drawn by the other at the same place, font and size."""
    ca = [c for page in chars(a) for c in page]
    cb = [c for page in chars(b) for c in page]
    if len(chars(a)) != len(chars(b)):
        return ["page counts differ"]
    left = list(cb)
    out = []
    for c in ca:
        near = [d for d in left if d.ch == c.ch and abs(d.box[0] - c.box[0]) <= TOLERANCE
                and abs(d.box[1] - c.box[1]) <= TOLERANCE]  # fmt: skip
        if not near:
            out.append(f"{c.ch}@{c.box[0]:.1f},{c.box[1]:.1f}")
            continue
        d = near[0]
        if d.font.split("-")[0] != c.font.split("-")[0] or abs(d.size - c.size) > 0.01:
            out.append(f"{c.ch}: {c.font} {c.size} vs {d.font} {d.size}")
        left.remove(d)
    return out + [f"only in Typst's: {d.ch}" for d in left]


WORDS = ["积极", "参与", "小区", "治理", "楼道", "照明", "改造", "协调", "物业", "更换",
         "声控灯", "组织", "居民", "开展", "法律", "讲座", "垃圾分类", "充电桩", "建设",
         "WiFi", "A座", "B-1203室", "2026年6月底", "3次", "“五亮五共”", "（自管委员会）",
         "QQ群", "50%", "12345热线", "疫情防控", "志愿服务", "Smith"]  # fmt: skip
MARKS = ["，", "。", "、", "；", "：", "！", "？", " "]


def _text(rng: random.Random, words: int) -> str:
    out = []
    for _ in range(words):
        out.append(rng.choice(WORDS))
        if rng.random() < 0.3:
            out.append(rng.choice(MARKS))
    return "".join(out).strip()


def _variants(base: dict, form_id: str, n: int) -> list[dict]:
    rng = random.Random(f"{form_id}-stamp{SEED}")
    docs = []
    for i in range(n):
        d = copy.deepcopy(base)
        d["name"] = rng.choice(["王芳", "欧阳建国", "李", "阿卜杜拉·买买提", "张三" * (i % 7 + 1)])
        d["job"] = _text(rng, rng.choice([1, 2, 6]))
        if form_id == "a5":
            d["address"] = _text(rng, rng.choice([2, 5, 30]))
            d["posts"] = "、".join(rng.sample(["楼栋长", "党小组长", "业委会委员", "网格员"], 2))
            d["activity"] = _text(rng, rng.choice([3, 20, 60, 200]))
            d["duty"] = _text(rng, rng.choice([1, 4]))
            for b in d["blocks"]:
                b["comment"] = _text(rng, rng.choice([0, 0, 3, 8, 40]))
            seals = ["", "阳光花园业主委员会（盖章）", "很长很长的某某某某小区业主委员会（盖章）"]
            d["blocks"][1]["seal"] = rng.choice(seals)
        else:
            d["residence"] = _text(rng, rng.choice([2, 5, 25]))
            d["items"] = [f"{k}.{_text(rng, rng.choice([2, 6, 14]))}" for k in range(1, 3)]
            d["items"] += ["3.__________________"] * (i % 2)
            d["measures"] = [_text(rng, rng.choice([4, 12])) for _ in range(rng.choice([1, 2]))]
            d["measures"] = [""] if i % 11 == 5 else d["measures"]  # none given
        docs.append(d)
    return docs


@pytest.mark.parametrize("form_id", ["a3", "a5"])
def test_the_stamped_fill_stands_where_typst_puts_it(ledger, opts, form_id):
    stamped, typst = _typst(form_id)
    r = Renderers()
    base = context(form_id, ledger, opts, member_id="0003")
    docs = [context(form_id, ledger, opts, member_id=m) for m in ("0003", "0004", "0005")]
    docs += [*_variants(base, form_id, 24), blank(FORMS[form_id], opts)]  # and the blank form
    drawn_here = 0
    for d in docs:
        ours = r.render(stamped, "pdf", d, STAMP)
        theirs = r.render(typst, "pdf", d, STAMP)
        if _creator(ours) == "formgen":
            drawn_here += 1
        assert _differences(ours, theirs) == [], (d["name"], d.get("activity", d.get("items")))
    # Most documents, clerk-typed ones included, are drawn here (a stamp that gave up on
    # everything would pass the comparison above).
    assert drawn_here >= 0.75 * len(docs), (drawn_here, len(docs))


def test_rare_characters_are_drawn_from_noto_serif_where_typst_falls_back_to_it(ledger, opts):
    stamped, typst = _typst("a5")
    d = context("a5", ledger, opts, member_id="0001")  # 刘䶮: FandolFang lacks 䶮
    d["job"] = "𠮷祥社区𠮷野家"
    pdf = Renderers().render(stamped, "pdf", d, STAMP)
    assert _creator(pdf) == "formgen"
    drawn = {c.ch: c.font for page in chars(pdf) for c in page}
    assert drawn["䶮"].startswith("NotoSerifCJK")  # (PDFium gives 𠮷 as two surrogates)
    assert _differences(pdf, Renderers().render(typst, "pdf", d, STAMP)) == []


def test_a_stamped_pdf_carries_only_its_own_glyphs_and_the_same_bytes_each_time(ledger, opts):
    stamped, _ = _typst("a3")
    d = context("a3", ledger, opts, member_id="0003")
    r = Renderers()
    one, two = r.render(stamped, "pdf", d, STAMP), Renderers().render(stamped, "pdf", d, STAMP)
    assert one == two
    assert _creator(one) == "formgen"
    assert len(one) < 120_000, len(one)  # a whole FandolFang would be megabytes


def test_without_its_fonts_typst_lays_the_fill_out(ledger, opts, monkeypatch):
    from generator.render import stamp

    monkeypatch.setattr(stamp, "fonts", lambda: None)
    stamped, _ = _typst("a5")
    pdf = Renderers().render(stamped, "pdf", context("a5", ledger, opts, member_id="0003"), STAMP)
    assert _creator(pdf).startswith("Typst")


def test_an_edited_template_is_laid_out_by_typst(tmp_path):
    """A clerk's copy of a5.typ with one label changed: its recipe no longer mirrors it,
    so Typst lays the whole page out and the clerk's label reaches the PDF."""
    form = FORMS["a5"]
    typ = tmp_path / "a5.typ"
    shutil.copy(form.folder / "a5.typ", typ)
    assert mirrors(code_of(form), typ)
    typ.write_text(typ.read_text(encoding="utf-8").replace("家庭住址", "现住址"), encoding="utf-8")
    assert not mirrors(code_of(form), typ)


@pytest.mark.parametrize("form_id", ["a3", "a5"])
def test_the_blank_forms_are_stamped(opts, form_id):
    """A clerk's blank form (no name, no measures, blanks to fill by hand) is drawn here,
    not handed to Typst."""
    stamped, _ = _typst(form_id)
    assert _creator(Renderers().render(stamped, "pdf", blank(FORMS[form_id], opts))) == "formgen"
