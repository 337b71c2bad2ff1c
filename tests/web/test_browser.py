"""A unit's clerk in a real browser (Debian's Chromium driven by Playwright) against
``formgen serve``: logs in, uploads a ledger with errors and sees them by row and
column, uploads it fixed, previews an a5, exports the unit's packet watching the bar
reach 100 %, downloads the zip and checks its manifest, files a scan and types the
number of a page the scanner could not read. A screenshot of each page is saved in
``tests/web/screenshots/`` (git-ignored) for a person to look at."""

from __future__ import annotations

import json
import random
import re
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from tests.conftest import ledger_rows, write_ledger
from tests.test_archive import scan
from tests.web.conftest import PASSWORD, Server

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip
SHOTS = Path(__file__).parent / "screenshots"
UNIT = "十堰市民政局"

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="Debian's Chromium is not installed (apt-get install chromium): browser tests skipped",
)


@pytest.fixture(scope="module")
def page(server: Server) -> Iterator[Any]:
    """One browser for the module (Playwright cannot download its own here)."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        context = browser.new_context(base_url=server.url, locale="zh-CN",
                                      viewport={"width": 1280, "height": 900})  # fmt: skip
        tab = context.new_page()
        tab.set_default_timeout(60_000)
        yield tab
        context.close()
        browser.close()


def shot(page: Any, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def cells(page: Any, selector: str) -> list[list[str]]:
    rows = page.locator(f"{selector} tbody tr")
    return [[c.strip() for c in rows.nth(i).locator("td").all_inner_texts()]
            for i in range(rows.count())]  # fmt: skip


def test_a_unit_clerk_from_login_to_a_filed_scan(page: Any, tmp_path: Path) -> None:
    # log in (every page leads to the login first)
    page.goto("/ledgers")
    assert "/login" in page.url
    shot(page, "01_login")
    page.fill("input[name=username]", "minzheng")
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('登录')")
    page.wait_for_url("**/ledgers")
    assert "单位党务干事（十堰市民政局）" in page.inner_text("header")

    # a ledger with errors: every one listed with its sheet, row and column
    bad = ledger_rows()
    bad["党员干部"][3][4] = ""  # 张伟's 职务 (row 4)
    bad["党员干部"][4][5] = "12345"  # 王芳's phone (row 5)
    page.set_input_files("input[name=file]", str(write_ledger(tmp_path / "台账.xlsx", bad)))
    page.click("button:has-text('上传并检查')")
    page.wait_for_url(re.compile(r"/ledgers/[0-9a-f]+$"))
    rows = cells(page, "#issues")
    assert ["错误", "党员干部", "4", "职务", "", "必填项为空"] in rows
    assert any(r[:5] == ["错误", "党员干部", "5", "联系方式", "12345"] for r in rows)
    assert "发现 " in page.inner_text(".summary")
    shot(page, "02_ledger_errors")

    # fixed and uploaded again: it passes
    page.goto("/ledgers")
    page.set_input_files("input[name=file]", str(write_ledger(tmp_path / "台账.xlsx")))
    page.click("button:has-text('上传并检查')")
    page.wait_for_url(re.compile(r"/ledgers/[0-9a-f]+$"))
    assert "检查通过" in page.inner_text(".summary")
    shot(page, "03_ledger_ok")

    # preview one a5 (the pickers apply at once)
    page.click("text=用此台账生成文件")
    page.wait_for_url("**/documents?ledger=*")
    with page.expect_navigation():
        page.select_option("select[name=form]", "a5")
    with page.expect_navigation():
        page.select_option("select[name=target]", "member:0004")
    image = page.locator("#preview-image")
    image.wait_for()
    page.wait_for_function("() => { const i = document.getElementById('preview-image');"
                           " return i.complete && i.naturalWidth > 0; }")  # fmt: skip
    assert page.evaluate("document.getElementById('preview-image').naturalWidth") > 700
    assert "第 1 页，共 1 页" in page.inner_text(".pager")
    shot(page, "04_preview_a5")

    # export the unit's packet and watch the bar reach 100 %
    page.click("button:has-text('开始导出')")
    page.wait_for_url("**/documents?ledger=*#job-*")
    job = page.locator("[data-export-id]").first
    job_id = job.get_attribute("data-export-id")
    page.wait_for_selector(f"#job-{job_id}[data-state=done]")
    card = page.locator(f"#job-{job_id}")
    assert card.locator("progress").get_attribute("value") == "100"
    count = card.locator("[data-field=count]").inner_text()
    done, total = (int(x) for x in re.match(r"(\d+)/(\d+)（100%）", count).groups())  # type: ignore[union-attr]
    assert done == total > 0 and "已完成" in card.inner_text()
    shot(page, "05_export_done")

    # the zip: every document of the unit, and none of another
    with page.expect_download() as info:
        card.locator("text=全部文件（zip）").click()
    zip_path = tmp_path / "packet.zip"
    info.value.save_as(zip_path)
    with zipfile.ZipFile(zip_path) as z:
        manifest = json.loads(z.read("manifest.json"))
        names = set(z.namelist())
        docs = manifest["documents"]
        assert len(docs) == total
        assert {d["path"] for d in docs} <= names
        assert {d.get("unit", UNIT) for d in docs} == {UNIT}
        assert {d["form"] for d in docs} == {"a2", "a3", "a4", "a5", "n3"}
        a5 = {d["member_id"]: d for d in docs if d["form"] == "a5" and d["format"] == "pdf"}
        assert set(a5) == {"0003", "0004"}
        pdf = z.read(a5["0003"]["path"])

    # the deadlines, each task with its button
    page.goto("/deadlines")
    assert "（附件5）" in page.inner_text("table.tasks")
    assert page.locator("table.tasks button:has-text('导出 a5')").count() >= 1
    shot(page, "06_deadlines")

    # a scan of 0003's signed sheet and a page the scanner made unreadable
    (tmp_path / "a5.pdf").write_bytes(pdf)
    photo = tmp_path / "签字件.jpg"
    scan(tmp_path / "a5.pdf", random.Random(3)).convert("RGB").save(photo, quality=85)
    blank = tmp_path / "扫描.pdf"
    Image.new("L", (1654, 2339), 250).save(blank, "PDF", resolution=200)
    page.goto("/archive")
    page.set_input_files("input[name=files]", [str(photo), str(blank)])
    page.click("button:has-text('上传并归档')")
    report = page.locator("#scan-report")
    report.locator("text=已归档 1 份").wait_for()
    assert f"已归档 {a5['0003']['doc_no']}" in report.inner_text()
    assert "待复核：扫描.pdf 第1页" in report.inner_text()
    page.wait_for_function(  # the page's status table refreshes after the upload
        "() => document.querySelector('#status tbody td:nth-child(3)')?.textContent === '1'"
    )
    status = cells(page, "#status")
    assert status[0][:4] == [UNIT, "2", "1", "1"] and "0004" in status[0][4]

    # the unreadable page: a mistyped number is refused, the right one files it
    item = page.locator(".review-item").first
    number = a5["0004"]["doc_no"]
    item.locator("input[name=doc_no]").fill(number[:-1] + ("A" if number[-1] != "A" else "B"))
    item.locator("button").click()
    assert "校验位不对" in page.inner_text("p.error")
    page.locator(".review-item input[name=doc_no]").fill(number.lower())
    page.locator(".review-item button").click()
    assert f"已归档：{number}" in page.inner_text("main")
    assert cells(page, "#status")[0][:4] == [UNIT, "2", "2", "0"]
    shot(page, "07_archive")


def test_the_api_docs_and_logout(page: Any) -> None:
    page.goto("/docs")  # Swagger UI when set-up installed it, else a plain list
    page.get_by_text("/api/exports/{export_id}/download").first.wait_for()
    shot(page, "08_api_docs")
    page.goto("/ledgers")
    page.click("button:has-text('退出')")
    page.wait_for_url("**/login")
    page.goto("/documents")
    assert "/login" in page.url
