"""Who may see what, and what the server refuses: no answer without a login, no POST
without the CSRF token, no upload over the limit, no file name that leaves the data
folder, no other unit's document, export or preview, and no password stored in clear."""

from __future__ import annotations

import io
import sqlite3
import zipfile
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.conftest import ledger_rows
from tests.web.conftest import PASSWORD, login, wait_export

OTHER_UNIT = "十堰市住房和城乡建设局"
OTHER_NAMES = ("刘䶮", "吉𠮷祥")  # the members of OTHER_UNIT in the conftest ledger


def upload(client: TestClient, headers: dict[str, str], path: Path, name: str = "") -> dict:
    r = client.post("/api/ledgers", files={"file": (name or path.name, path.read_bytes())},
                    headers=headers)  # fmt: skip
    assert r.status_code == 200, r.text
    return r.json()


def files_under(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def test_nothing_answers_without_login(app_client: TestClient) -> None:
    from generator.app.web import api, pages

    routes = [*api.router.routes, *pages.router.routes, *app_client.app.routes]  # type: ignore[attr-defined]
    routes = [r for r in routes if getattr(r, "methods", None)]
    checked = 0
    for route in routes:
        path = route.path.replace("{", "").replace("}", "")  # placeholders as literal ids
        if path in ("/login", "/api/login") or path.startswith("/static"):
            continue
        for method in route.methods - {"HEAD"}:
            r = app_client.request(method, path, follow_redirects=False)
            checked += 1
            if path.startswith("/api/") or path == "/openapi.json":
                assert r.status_code == 401, (method, path, r.status_code)
                assert r.json()["error"] == "请先登录。"
            else:
                assert r.status_code in (303, 401), (method, path, r.status_code)
                assert r.headers.get("location", "/login").startswith("/login")
    assert checked >= 30
    page = app_client.get("/ledgers")  # a page leads to the login form
    assert page.status_code == 200 and "登录" in page.text and "用户名" in page.text


def test_post_without_csrf_token_is_refused(app_client: TestClient, ledger_path: Path) -> None:
    headers = login(app_client, "admin")
    lid = upload(app_client, headers, ledger_path)["id"]
    body = {"ledger": lid, "forms": ["a5"], "formats": ["pdf"]}
    for sent in ({}, {"X-CSRF-Token": "forged"}):
        r = app_client.post("/api/exports", json=body, headers=sent)
        assert r.status_code == 403 and "CSRF" in r.json()["error"]
    r = app_client.post("/ledgers", files={"file": ("x.xlsx", ledger_path.read_bytes())},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403 and "安全令牌" in r.text
    r = app_client.post("/logout", follow_redirects=False)
    assert r.status_code == 403
    assert app_client.get("/api/me").status_code == 200  # still logged in
    assert app_client.get("/api/exports").json() == []  # nothing was queued
    # the login form has its own token (a cookie and a hidden field that must agree)
    app_client.cookies.clear()
    r = app_client.post("/login", data={"username": "admin", "password": PASSWORD},
                        follow_redirects=False)  # fmt: skip
    assert r.status_code == 403


def test_upload_over_the_limit_is_413(app_client: TestClient, settings, tmp_path: Path) -> None:
    headers = login(app_client, "admin")
    big = b"PK" + b"\0" * (settings.max_ledger + 10)
    before = files_under(settings.data)
    r = app_client.post("/api/ledgers", files={"file": ("big.xlsx", big)}, headers=headers)
    assert r.status_code == 413
    assert r.json()["error"] == "上传的文件太大（超过 195 KB），未接收。"
    page = app_client.post("/ledgers", files={"file": ("big.xlsx", big)},
                           data={"csrf_token": headers["X-CSRF-Token"]})  # fmt: skip
    assert page.status_code == 413 and "上传的文件太大" in page.text
    assert files_under(settings.data) == before  # nothing kept


def test_file_names_never_leave_the_data_folder(
    app_client: TestClient, settings, tmp_path: Path, ledger_path: Path
) -> None:
    headers = login(app_client, "admin")
    outside = tmp_path / "evil"
    # a ledger named to climb out, a CSV zip whose members climb out, scans likewise
    led = upload(app_client, headers, ledger_path, name="../../../evil/ledger.xlsx")
    assert led["errors"] == []
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for sheet, rows in ledger_rows().items():
            text = "\n".join(",".join(str(c) for c in row) for row in rows)
            z.writestr(f"../../../evil/{sheet}.csv", text)
    r = app_client.post("/api/ledgers", files={"file": ("..\\..\\evil.zip", buf.getvalue())},
                        headers=headers)  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["members"] == 5
    r = app_client.post("/api/scans", files=[("files", ("../../evil/scan.pdf", b"%PDF-1.4\n"))],
                        headers=headers)  # fmt: skip
    assert r.status_code in (200, 400)
    data = settings.data.resolve()
    assert not outside.exists()
    for p in tmp_path.rglob("*"):
        if p.is_file() and "evil" in p.name:
            pytest.fail(f"a client's name reached the disk: {p}")
    for p in data.rglob("*"):
        assert p.resolve().is_relative_to(data)
    # an id that is a path is no id
    for probe in ("..%2F..%2Fetc", "../../etc/passwd", "%2e%2e"):
        assert app_client.get(f"/api/ledgers/{probe}").status_code in (403, 404)
        assert app_client.get(f"/api/exports/{probe}/download").status_code in (403, 404)
        assert app_client.get(f"/api/archive/packages/{probe}").status_code in (403, 404)


def test_a_unit_clerk_sees_nothing_of_another_unit(
    app_client: TestClient, ledger_path: Path
) -> None:
    admin = login(app_client, "admin")
    lid = upload(app_client, admin, ledger_path)["id"]
    # the other unit's clerk exports their packet
    other = login(app_client, "zhujian")
    r = app_client.post("/api/exports", json={"ledger": lid, "forms": "a5", "formats": "pdf"},
                        headers=other)  # fmt: skip
    assert r.status_code == 202, r.text
    theirs = r.json()["id"]
    assert wait_export(app_client, theirs)["state"] == "done"
    own = upload(app_client, other, ledger_path)["id"]  # an upload of their own

    login(app_client, "minzheng")
    refused = [
        f"/api/exports/{theirs}",
        f"/api/exports/{theirs}/download",
        f"/api/exports/{theirs}/print/a5",
        f"/api/preview?ledger={lid}&form=a5&member=0001",
        f"/api/preview?ledger={lid}&form=a2&unit={OTHER_UNIT}",
        f"/api/preview?ledger={lid}&form=a1&community=北京路社区&compound=阳光花园&building=3",
        f"/api/document?ledger={lid}&form=a3&member=0002&format=docx",
        f"/api/ledgers/{own}",
        f"/api/ledgers/{own}/marked.xlsx",
        f"/ledgers/{own}",
    ]
    for url in refused:
        r = app_client.get(url)
        assert r.status_code == 403, (url, r.status_code)
        assert not any(n in r.text for n in (*OTHER_NAMES, OTHER_UNIT)), url
        assert r.headers["content-type"].startswith(("application/json", "text/html"))
    # their own member previews; the other unit's jobs are not listed
    r = app_client.get(f"/api/preview?ledger={lid}&form=a5&member=0003")
    assert r.status_code == 200 and r.content[:4] == b"\x89PNG"
    assert r.headers["x-page-count"] == "1"
    assert app_client.get("/api/exports").json() == []
    # asking to export the other unit exports their own
    me = login(app_client, "minzheng")
    r = app_client.post("/api/exports", headers=me, json={
        "ledger": lid, "forms": "a5", "formats": "pdf", "unit": OTHER_UNIT})  # fmt: skip
    state = wait_export(app_client, r.json()["id"])
    assert state["scope"] == "十堰市民政局" and state["total"] == 2
    # a unit clerk may not make a community's forms
    r = app_client.post("/api/exports", headers=me, json={"ledger": lid, "forms": "a1"})
    assert r.status_code == 403
    # the shared ledger's page shows only their own members, phones in full
    page = app_client.get(f"/ledgers/{lid}")
    assert page.status_code == 200 and "张伟" in page.text and "13712345678" in page.text
    assert not any(n in page.text for n in OTHER_NAMES)


def test_one_export_per_scope_at_a_time(settings, ledger_path: Path) -> None:
    from generator.app.web.app import create_app

    with TestClient(create_app(settings, run_jobs=False)) as client:  # jobs stay queued
        headers = login(client, "minzheng")
        lid = upload(client, headers, ledger_path)["id"]
        body = {"ledger": lid, "forms": "a5", "formats": "pdf"}
        first = client.post("/api/exports", json=body, headers=headers)
        assert first.status_code == 202
        again = client.post("/api/exports", json=body, headers=headers)
        assert again.status_code == 409
        assert again.json()["id"] == first.json()["id"] and "请等它完成" in again.json()["error"]
        other = login(client, "zhujian")  # another unit, with a ledger of its own
        assert client.post("/api/exports", json=body, headers=other).status_code == 403
        body["ledger"] = upload(client, other, ledger_path)["id"]
        assert client.post("/api/exports", json=body, headers=other).status_code == 202


def test_passwords_are_stored_hashed_and_logout_ends_the_session(
    app_client: TestClient, settings
) -> None:
    db = sqlite3.connect(settings.archive / "registry.sqlite")
    rows = db.execute("SELECT name, password FROM web_users").fetchall()
    db.close()
    assert len(rows) == 4
    for _, stored in rows:
        assert stored.startswith("$argon2id$") and PASSWORD not in stored
    headers = login(app_client, "minzheng")
    token = app_client.cookies.get("formgen_session")
    assert app_client.post("/api/logout", headers=headers).status_code == 200
    app_client.cookies.set("formgen_session", token or "")
    assert app_client.get("/api/me").status_code == 401
    for _ in range(5):
        r = app_client.post("/api/login", json={"username": "minzheng", "password": "wrong"})
        assert r.status_code == 401 and r.json()["error"] == "用户名或密码不正确。"
    r = app_client.post("/api/login", json={"username": "minzheng", "password": PASSWORD})
    assert r.status_code == 401 and "次数过多" in r.json()["error"]


def test_pages_send_security_headers(app_client: TestClient) -> None:
    r = app_client.get("/login")
    assert "default-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    login(app_client, "admin")
    cookie = app_client.cookies.jar
    assert any(c.name == "formgen_session" and c.has_nonstandard_attr("HttpOnly") for c in cookie)
