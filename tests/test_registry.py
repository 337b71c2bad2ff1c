"""The registry of numbered documents: writers of one SQLite file take turns, and a
registry nobody wrote to leaves no file."""

from __future__ import annotations

import sqlite3

from generator.io.registry import Registry


def entry(i: int, form: str) -> dict:
    no = f"SY2026-{form.upper()}-M{i:04d}-X"
    return {"doc_no": no, "form": form, "member_id": f"{i:04d}", "name": "张三",
            "period": "2026", "unit": "十堰市民政局", "path": f"2026/{form}/{i}.pdf",
            "sha256": "0" * 64}  # fmt: skip


def test_two_writers_of_one_registry_take_turns(tmp_path):
    """Two exports recording into one archive: the first one's rows no longer hold the
    file's write lock until it ends (the second waited 5 s, then 'database is locked')."""
    path = tmp_path / "archive" / "registry.sqlite"
    first, second = Registry(path), Registry(path)
    for i in range(600):  # 500 of them written at once
        first.record_document(entry(i, "a5"))
    for i in range(10):
        second.record_document(entry(i, "a3"))
    second.commit()
    first.close()
    second.close()
    db = sqlite3.connect(path)
    counts = dict(db.execute("SELECT form, COUNT(*) FROM documents GROUP BY form").fetchall())
    db.close()
    assert counts == {"a5": 600, "a3": 10}


def test_a_registry_nobody_wrote_to_leaves_no_file(tmp_path):
    Registry(tmp_path / "archive" / "registry.sqlite").close()
    assert not (tmp_path / "archive").exists()
