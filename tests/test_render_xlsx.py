"""The compile-once XLSX writer gives the cells, merges and styles openpyxl's layout gives."""

from __future__ import annotations

import io

import openpyxl
import pytest

from generator.forms.registry import blank
from generator.render.xlsx import CompiledXlsx, layout_workbook
from tests.conftest import FORMS


@pytest.mark.parametrize("form_id", ["a1", "a2", "a4"])
def test_compiled_xlsx_equals_the_openpyxl_layout(form_id, opts):
    form = FORMS[form_id]
    ctx = blank(form, opts)
    ctx["rows"][0]["name"] = '=1+1 <b>&"x"'
    ctx["rows"][1]["name"] = "两行\n文字"
    fast = CompiledXlsx(form.columns, form.label, form.landscape, summary="summary" in ctx)
    a = openpyxl.load_workbook(io.BytesIO(fast.render(ctx))).active
    b = openpyxl.load_workbook(io.BytesIO(layout_workbook(form.columns, ctx, form.label))).active
    assert [[c.value for c in r] for r in a.iter_rows()] == [
        [c.value for c in r] for r in b.iter_rows()
    ]
    assert sorted(map(str, a.merged_cells.ranges)) == sorted(map(str, b.merged_cells.ranges))
    for ra, rb in zip(a.iter_rows(), b.iter_rows(), strict=True):
        for ca, cb in zip(ra, rb, strict=True):
            assert (ca.font.name, ca.font.sz, ca.font.b, ca.alignment.horizontal) == (
                cb.font.name,
                cb.font.sz,
                cb.font.b,
                cb.alignment.horizontal,
            )
            assert ca.border.left.style == cb.border.left.style
            assert ca.quotePrefix == cb.quotePrefix
    assert a.print_title_rows == b.print_title_rows
    assert a.page_setup.orientation == "landscape"
