"""Policy profiles: ``templates/profiles/<id>.yaml`` in, a typed ``Profile`` out."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UserError

PROFILES_DIR = Path(__file__).resolve().parents[2] / "templates" / "profiles"
DEFAULT_PROFILE = "shiyan-2023"


@dataclass(frozen=True)
class Profile:
    """Grades, closed value sets, quotas and deadlines of one city's policy."""

    id: str
    name: str
    doc_prefix: str
    grades: tuple[str, ...]
    org_types: tuple[str, ...]
    genders: tuple[str, ...]
    meeting_types: tuple[str, ...]
    posts: tuple[str, ...]
    pledge_status: tuple[str, ...]
    quotas: dict[str, float] = field(default_factory=dict)
    deadlines: tuple[dict[str, Any], ...] = ()
    notices: dict[str, Any] = field(default_factory=dict)


def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Profile id or path to a YAML file -> Profile."""
    path = Path(name) if name.endswith((".yaml", ".yml")) else PROFILES_DIR / f"{name}.yaml"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in PROFILES_DIR.glob("*.yaml")))
        raise UserError(f"找不到政策配置「{name}」。", f"可用的配置：{known}")
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Profile(
        id=raw["id"],
        name=raw["name"],
        doc_prefix=raw["doc_prefix"],
        grades=tuple(raw["grades"]),
        org_types=tuple(raw["org_types"]),
        genders=tuple(raw.get("genders", ["男", "女"])),
        meeting_types=tuple(raw["meeting_types"]),
        posts=tuple(raw["posts"]),
        pledge_status=tuple(raw.get("pledge_status", [])),
        quotas=dict(raw.get("quotas", {})),
        deadlines=tuple(raw.get("deadlines", [])),
        notices=dict(raw.get("notices", {})),
    )
