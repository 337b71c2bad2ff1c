"""Text with & < > " and formula-like cells comes out literally in every format."""

from __future__ import annotations

import openpyxl

from tests.helpers import docx_cells, find, pdf_pages, squash

FORMULA = "=1+1 医疗保健"
MARKUP = '@SUM(A1) <b>&"x"'


def test_formula_like_text_is_literal_in_xlsx(exported):
    ws = openpyxl.load_workbook(find(exported, "a1", "xlsx", compound="东风家园")).active
    cell = ws.cell(row=5, column=6)
    assert cell.value == FORMULA and cell.data_type == "s" and cell.quotePrefix
    ws = openpyxl.load_workbook(find(exported, "a1", "xlsx", compound="柳林小区")).active
    cell = ws.cell(row=5, column=6)
    assert cell.value == MARKUP and cell.data_type == "s"


def test_markup_and_formulas_are_literal_in_docx_and_pdf(exported):
    for compound, text in (("东风家园", FORMULA), ("柳林小区", MARKUP)):
        assert text in docx_cells(find(exported, "a1", "docx", compound=compound))
        assert squash(text) in squash(pdf_pages(find(exported, "a1", "pdf", compound=compound))[0])


def test_docx_environments_escape_alike():
    """The DOCX environment that leaves plain strings to the autoescape fills a template
    exactly as the one whose finalizer escapes everything; inside ``{% autoescape false
    %}`` (where only the finalizer escapes) the latter is the one used."""
    from markupsafe import Markup

    from generator.render.docx import jinja_env

    source = "<w:t>{{ a }}|{{ r.b }}|{{ r.items }}|{% for x in xs %}{{ x }};{% endfor %}</w:t>"
    values = {
        "a": 'x < y & "z"',
        "r": {"b": "one\ntwo <3>", "items": "kept"},
        "xs": [None, 3, 2.5, Markup("<w:br/>"), "plain", "多\n行 &"],
    }
    slow, fast = jinja_env(volatile=True), jinja_env(volatile=False)
    assert fast.from_string(source).render(values) == slow.from_string(source).render(values)
    raw = "{% autoescape false %}" + source + "{% endautoescape %}"
    assert "x &lt; y &amp;" in slow.from_string(raw).render(values)
