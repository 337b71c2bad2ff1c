"""A city is one profile folder, a form is one folder: listing, a clerk's own copy, the
profile recorded by init, a new form added as a folder, each concept declared once."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import yaml

from generator.policy.profile import PROFILES_DIR
from tests.clerks import formgen
from tests.conftest import write_ledger
from tests.helpers import docx_cells, docx_paragraphs, manifest, pdf_pages, pdf_text, squash

ROOT = Path(__file__).resolve().parent.parent
SHIYAN = PROFILES_DIR / "shiyan-2023"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def my_city(tmp_path: Path) -> Path:
    """A clerk's own copy of the Shiyan profile, renamed."""
    folder = tmp_path / "my-city"
    shutil.copytree(SHIYAN, folder)
    prof = folder / "profile.yaml"
    prof.write_text(
        prof.read_text("utf-8").replace("id: shiyan-2023", "id: my-city"), encoding="utf-8"
    )
    return folder


def test_forms_lists_what_a_profile_offers():
    result = formgen("forms")
    assert result.exit_code == 0, result.output
    for line in ("a1  附件1 党员干部基本情况公示表", "a5  附件5", "n1  党员干部亮身份公示"):
        assert line in result.output
    assert "每楼栋一份" in result.output and "每人每年一份" in result.output


def test_a_clerks_copy_of_a_profile_works_without_touching_code(tmp_path):
    folder = my_city(tmp_path)
    a2 = folder / "forms" / "a2" / "form.yaml"
    a2.write_text(
        a2.read_text("utf-8").replace(
            "title: 党员干部参加社区和小区决策共谋活动情况统计表",
            "title: 党员干部参加社区决策共谋情况统计表（我市版）",
        ),
        encoding="utf-8",
    )
    ledger = write_ledger(tmp_path / "ledger.xlsx")
    out = tmp_path / "o"
    result = formgen("export", str(ledger), "--profile", str(folder), "--forms", "a2",
                     "--out", str(out), "--jobs", "1", "--date", "2026-03-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    entries = [e for e in manifest(out) if e["unit"] == "十堰市民政局"]
    pdf = next(out / e["path"] for e in entries if e["format"] == "pdf")
    docx = next(out / e["path"] for e in entries if e["format"] == "docx")
    assert "党员干部参加社区决策共谋情况统计表（我市版）" in squash(pdf_pages(pdf)[0])
    assert "党员干部参加社区决策共谋情况统计表（我市版）" in docx_paragraphs(docx)


def test_init_records_the_profile_and_later_commands_use_it(tmp_path):
    folder = my_city(tmp_path)
    made = formgen("init", str(tmp_path / "book"), "--profile", str(folder))
    assert made.exit_code == 0, made.output
    check = formgen("check", str(tmp_path / "book" / "ledger.xlsx"))
    assert check.exit_code == 0, check.output
    assert "政策配置 my-city" in check.output
    shipped = formgen("init", str(tmp_path / "book2"))
    assert shipped.exit_code == 0
    again = formgen("check", str(tmp_path / "book2" / "ledger.xlsx"))
    assert "政策配置 shiyan-2023" in again.output


def test_an_unknown_profile_is_a_usage_error_naming_the_known_ones(tmp_path):
    result = formgen("forms", "--profile", "nowhere-2099")
    assert result.exit_code == 2
    assert "找不到政策配置「nowhere-2099」" in result.output and "shiyan-2023" in result.output


def test_a_new_form_is_one_folder(tmp_path):
    """A one-page form with a table and signature blocks, added to a profile as one
    folder (tests/fixtures/forms/t1): listed, built, exported in every format."""
    folder = my_city(tmp_path)
    shutil.copytree(FIXTURES / "forms" / "t1", folder / "forms" / "t1")
    built = formgen("templates", "build", "--profile", str(folder), "--form", "t1")
    assert built.exit_code == 0, built.output
    listed = formgen("forms", "--profile", str(folder))
    assert "t1  楼栋党员干部签到表" in listed.output
    ledger = write_ledger(tmp_path / "ledger.xlsx")
    out = tmp_path / "o"
    result = formgen("export", str(ledger), "--profile", str(folder), "--forms", "t1",
                     "--out", str(out), "--jobs", "1", "--date", "2026-03-01")  # fmt: skip
    assert result.exit_code == 0, result.output
    files = {(e["compound"], e["format"]): out / e["path"] for e in manifest(out)}
    pdf = pdf_text(files[("阳光花园", "pdf")])
    assert "阳光花园楼栋党员干部签到表" in pdf and "刘䶮" in pdf and "张伟" in pdf
    assert pdf.count("（盖章）") == 2 and "小区党支部书记签字：" in pdf
    cells = docx_cells(files[("阳光花园", "docx")])
    assert "刘䶮" in cells and any("小区党支部书记签字：" in c for c in cells)
    assert ("阳光花园", "xlsx") in files


def _count(pattern: str, *roots: Path) -> list[str]:
    found = subprocess.run(["grep", "-rlE", pattern, *map(str, roots)], capture_output=True,
                           text=True, check=False).stdout.split()  # fmt: skip
    return sorted(found)


def test_each_concept_is_declared_once():
    # The a1/n1 columns: in a1's declaration; n1 takes them from there.
    # (generator/ledger/schema.py names the ledger's own column 个人特长或熟悉领域, the
    # data a clerk types, not a form's column.)
    forms_code = [ROOT / "generator" / d for d in ("forms", "run", "render", "app")]
    assert _count("个人特长或熟悉领域", *forms_code, ROOT / "templates") == [
        str(SHIYAN / "forms" / "a1" / "form.yaml")
    ]
    n1 = yaml.safe_load((SHIYAN / "forms" / "n1" / "form.yaml").read_text("utf-8"))
    assert n1["columns"] == {"same_as": "a1"}
    # The evaluating parties: in the profile only.
    assert _count("业委会主任签字", ROOT / "generator", ROOT / "templates") == [
        str(SHIYAN / "profile.yaml")
    ]
    # The signature block: one builder in Python, one component in Typst, one in DOCX.
    assert _count(r"def signature_block\(", ROOT / "generator") == [
        str(ROOT / "generator" / "forms" / "kit.py")
    ]
    assert _count(r"#let sig-lines\(", ROOT / "templates") == [
        str(ROOT / "templates" / "forms" / "formgen.typ")
    ]
    assert _count(r"def sig_block\(", ROOT / "generator") == [
        str(ROOT / "generator" / "render" / "docx_build.py")
    ]


def test_the_committed_docx_templates_are_what_the_declarations_build(tmp_path):
    """Changing a declaration or a component and forgetting `formgen templates build`
    would leave Word templates that disagree with the PDFs."""
    from generator.forms.docx_templates import templates_of
    from generator.forms.registry import forms_of
    from generator.policy.profile import load_profile
    from generator.render.docx_build import save

    for form in forms_of(load_profile()).values():
        for name, doc in templates_of(form).items():
            fresh = save(doc, tmp_path / name)
            committed = form.folder / name
            assert _document_xml(fresh) == _document_xml(committed), name


def _document_xml(path: Path) -> str:
    import zipfile

    with zipfile.ZipFile(path) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    return re.sub(r'\s(?:w14:paraId|w14:textId|w:rsid\w*)="[^"]*"', "", xml)


def test_every_profiles_sample_ledger_checks_clean(tmp_path):
    """`make demo` makes each city's packet from a sample of its own sheets: they read
    without an error, and hold rows for every sheet the profile uses or adds."""
    from generator.ledger.sample import generate, write_xlsx
    from generator.ledger.schema import schema_for
    from generator.policy.profile import known_profiles, load_profile
    from generator.run.pipeline import read_ledger

    assert set(known_profiles()) >= {"shiyan-2023", "hubei-2020", "changji-2023",
                                     "wuhan-2021", "xuancheng-2021"}  # fmt: skip
    for pid in known_profiles():
        path = tmp_path / f"{pid}.xlsx"
        rows = generate(40, profile=pid)
        write_xlsx(rows, path, pid)
        _, issues = read_ledger(path, load_profile(pid))
        assert not [i for i in issues if i.severity == "error"], (pid, issues[:3])
        for sheet in schema_for(load_profile(pid)).in_workbook():
            assert len(rows[sheet.name]) > 1, (pid, sheet.name)
