"""Policy profiles: a folder ``templates/profiles/<id>/`` (or a clerk's own copy) in, a
typed ``Profile`` out.

A profile folder holds ``profile.yaml`` (closed sets, aliases, the evaluation parties,
rules, deadlines, notice texts, masking) over ``templates/profiles/core.yaml``, and
``forms/<form>/`` — one folder per form (generator.forms.registry reads those). Sheets
and columns the profile adds to the common ledger are declared under ``sheets:``.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from generator.errors import UserError

PROFILES_DIR = Path(__file__).resolve().parents[2] / "templates" / "profiles"
CORE = PROFILES_DIR / "core.yaml"
DEFAULT_PROFILE = "shiyan-2023"


@dataclass(frozen=True)
class Party:
    """One evaluating party: its key, its grade column in the 评价 sheet, its label on the
    form, and its signature block (signer line, seal line)."""

    key: str
    column: str
    label: str
    signer: str
    seal: str = ""


@dataclass(frozen=True)
class Profile:
    """One city's policy: closed sets, aliases, parties, rules, deadlines, notices."""

    id: str
    name: str
    folder: Path
    doc_prefix: str
    sets: dict[str, tuple[str, ...]]
    aliases: dict[str, dict[str, str]] = field(default_factory=dict)
    parties: tuple[Party, ...] = ()
    rules: tuple[dict[str, Any], ...] = ()
    deadlines: tuple[dict[str, Any], ...] = ()
    notices: dict[str, Any] = field(default_factory=dict)
    masking: dict[str, Any] = field(default_factory=dict)
    sheets: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def grades(self) -> tuple[str, ...]:
        """The evaluation grades (评价等次), best first."""
        return self.sets.get("grades", ())

    @property
    def forms_dir(self) -> Path:
        return self.folder / "forms"

    def choices(self, name: str) -> tuple[str, ...]:
        """The closed set called ``name`` (empty if the profile has none)."""
        return self.sets.get(name, ())

    def canonical(self, name: str, value: str) -> str | None:
        """A typed value -> the set's own word (itself, or through an alias); None if it
        is neither."""
        allowed = self.sets.get(name, ())
        if value in allowed:
            return value
        alias = self.aliases.get(name, {}).get(value)
        return alias if alias in allowed else None

    def nearest(self, name: str, value: str, n: int = 3) -> list[str]:
        """The allowed values closest to ``value`` (for a warning's hint)."""
        allowed = list(self.sets.get(name, ()))
        contained = [a for a in allowed if a in value or value in a]
        chars = set(value)

        def overlap(a: str) -> float:  # shared characters (Chinese words share 字, not order)
            return len(chars & set(a)) / len(chars | set(a))

        close = sorted((a for a in allowed if overlap(a) >= 0.2), key=overlap, reverse=True)
        fuzzy = difflib.get_close_matches(value, allowed, n=n, cutoff=0.5)
        return list(dict.fromkeys([*contained, *fuzzy, *close]))[:n]

    def rule(self, rule_id: str) -> dict[str, Any]:
        """A rule by its id ({} when the profile has no such rule)."""
        return next((r for r in self.rules if r.get("id") == rule_id), {})

    @property
    def ref(self) -> str:
        """How a ledger records the profile: its id when shipped with formgen, else its
        folder's path (a clerk's own copy)."""
        shipped = self.folder.parent == PROFILES_DIR.resolve()
        return self.id if shipped and self.folder.name == self.id else str(self.folder)

    @cached_property
    def label(self) -> str:
        return f"{self.name}（{self.id}）"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Mappings merge key by key; anything else in ``over`` replaces."""
    out = dict(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """YAML as clerks read it: only true/false are booleans (YAML 1.1 also takes yes, no,
    on and off, so a column keyed ``no`` — 序号 — would turn into False). Parsed by
    libyaml where PyYAML has it (ten times the pure-Python parser's speed: the profile
    and form declarations took 0.2 s of every command)."""


_Loader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:bool"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def read_yaml(path: Path) -> dict[str, Any]:
    """A YAML mapping from a file (profile.yaml, form.yaml); UserError if unreadable."""
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader) or {}
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise UserError(f"无法读取政策配置「{path}」：{exc}") from None
    if not isinstance(data, dict):
        raise UserError(f"政策配置「{path}」应是键值对（YAML 映射）。")
    return data


def known_profiles() -> list[str]:
    """Ids of the profiles shipped in templates/profiles/."""
    return sorted(p.parent.name for p in PROFILES_DIR.glob("*/profile.yaml"))


def find_profile(name: str) -> Path:
    """A profile id, a folder path or a profile.yaml path -> the profile's folder."""
    candidates = [Path(name), PROFILES_DIR / name]
    for c in candidates:
        if c.is_file() and c.suffix in {".yaml", ".yml"}:
            return c.parent
        if (c / "profile.yaml").is_file():
            return c
    raise UserError(
        f"找不到政策配置「{name}」。",
        f"可用的配置：{'、'.join(known_profiles())}；或给出自己的配置文件夹路径。",
    )


_CACHE: dict[Path, Profile] = {}


def load_profile(name: str = DEFAULT_PROFILE) -> Profile:
    """Profile id or folder (or its profile.yaml) -> Profile, over the common core."""
    folder = find_profile(name).resolve()
    if folder in _CACHE:
        return _CACHE[folder]
    raw = _merge(read_yaml(CORE), read_yaml(folder / "profile.yaml"))
    missing = [k for k in ("id", "name", "doc_prefix") if not raw.get(k)]
    if missing:
        raise UserError(f"政策配置「{folder}」缺少：{'、'.join(missing)}。")
    try:
        parties = tuple(Party(**p) for p in raw.get("evaluation", {}).get("parties", []))
    except TypeError as exc:
        raise UserError(f"政策配置「{folder}」的 evaluation.parties 写法有误：{exc}") from None
    profile = Profile(
        id=str(raw["id"]),
        name=str(raw["name"]),
        folder=folder,
        doc_prefix=str(raw["doc_prefix"]),
        sets={k: tuple(str(x) for x in v) for k, v in raw.get("sets", {}).items()},
        aliases={
            k: {str(a): str(b) for a, b in v.items()} for k, v in raw.get("aliases", {}).items()
        },
        parties=parties,
        rules=tuple(raw.get("rules", [])),
        deadlines=tuple(raw.get("deadlines", [])),
        notices=dict(raw.get("notices", {})),
        masking=dict(raw.get("masking", {})),
        sheets=tuple(raw.get("sheets", [])),
        raw=raw,
    )
    _CACHE[folder] = profile
    return profile
