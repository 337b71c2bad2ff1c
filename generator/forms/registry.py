"""A form is one folder: ``<profile>/forms/<id>/`` holds ``form.yaml`` (the declaration:
id, label, title, scope, paper, formats, columns declared once), ``<id>.py`` (the code
that builds a document's context from the ledger: ``build`` and ``blank``, and
optionally ``wanted(ledger, scope)`` — whether a place gets a document at all), ``<id>.typ``
(the PDF layout) and ``<id>.docx`` (the Word template, made by ``formgen templates
build`` from the declaration and the shared components).

A profile's forms are its folders that hold a form.yaml; nothing else registers them.
From a form's id the reader goes to its folder, and from there to everything it is.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

from generator.errors import TemplateError, UserError
from generator.ledger.model import Ledger
from generator.policy.profile import Profile, read_yaml
from generator.types import Context, Options, Scope

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Scopes a form may be made per (one document each); record:<sheet> is one per row.
SCOPES = ("building", "compound", "community", "unit", "unit_community", "member")
KINDS = ("table", "sheet", "notice")
FORMATS = ("docx", "pdf", "xlsx")


@dataclass(frozen=True)
class Column:
    """One column of a tabular form: context key, header, an optional group header over
    several columns, width (Excel characters), the alignment of its cells, and where the
    header may break into lines."""

    key: str
    label: str
    group: str = ""
    width: float = 12
    align: str = "left"  # left | center
    wrap: str = ""  # the header in a narrow column, its lines split by | (个人特长或|熟悉领域)

    @property
    def head(self) -> str:
        """The header as tables print it: the label, or its lines from ``wrap``."""
        return self.wrap.replace("|", "\n") if self.wrap else self.label


@dataclass(frozen=True)
class Form:
    """A form's declaration, as its form.yaml gives it. Plain data: it travels to the
    worker processes; the builder is found again from ``folder``."""

    id: str
    label: str  # 附件1, printed top left ('' for notices)
    name: str  # short name used in file names
    title: str
    scope: str
    kind: str  # table | sheet | notice: which shared components draw it
    formats: tuple[str, ...]
    folder: Path
    profile: str
    landscape: bool = False
    paper: str = "a4"
    period: str = "run"  # run | year | half: the period one document covers
    columns: tuple[Column, ...] = ()
    numbered: bool = False  # carries 编号 and its QR code
    alt_scope: str = ""  # a second grouping the run may ask for (n3: per compound)
    prints: tuple[str, ...] = ()  # ledger columns printed as typed ("posts.post")
    texts: dict[str, str] = field(default_factory=dict)  # the seed's wording: notes, rules
    page: dict[str, Any] = field(default_factory=dict)  # margin: {top, …} (mm), table_size
    sections: bool = False  # rows may be headings across the table (a row's `section`)
    # For community and unit_community scopes: the sheets (keys) whose rows name the places
    # that get a document (from: [agreements, lists]); by default, where members live.
    sources: tuple[str, ...] = ()
    depends: str = "scope"  # scope | ledger: what a re-export checks (generator/run/sources.py)

    def template(self, ext: str, folder: Path | None = None, variant: str = "") -> Path:
        """Path of this form's template ('docx' or 'typ'); a variant such as 'a3' picks
        ``<id>.a3.<ext>`` where one exists. A clerk's folder wins over the form's own."""
        names = ([f"{self.id}.{variant}.{ext}"] if variant else []) + [f"{self.id}.{ext}"]
        for base in (folder, self.folder):
            for name in names:
                if base is not None and (base / name).is_file():
                    return base / name
        return self.folder / names[-1]

    def text(self, key: str, **values: Any) -> str:
        """One of the form's texts (form.yaml ``texts:``), with {placeholders} filled."""
        raw = self.texts.get(key, "")
        return raw.format(**values) if values else raw


def _columns(raw: Any, where: str, siblings: dict[str, Any]) -> tuple[Column, ...]:
    if isinstance(raw, dict) and "same_as" in raw:  # another form's columns, declared there
        other = siblings.get(str(raw["same_as"]))
        if other is None:
            raise UserError(f"{where}：columns.same_as 指向的表单「{raw['same_as']}」不存在。")
        return _columns(other.get("columns", []), where, siblings)
    try:
        return tuple(Column(**c) for c in raw or [])
    except TypeError as exc:
        raise UserError(f"{where}：columns 写法有误（{exc}）。") from None


def _declaration(folder: Path, profile: Profile, siblings: dict[str, Any]) -> Form:
    raw = siblings[folder.name]
    where = f"表单声明「{folder / 'form.yaml'}」"
    missing = [k for k in ("id", "name", "title", "scope", "kind", "formats") if not raw.get(k)]
    if missing:
        raise UserError(f"{where}缺少：{'、'.join(missing)}。")
    scope = str(raw["scope"])
    if scope not in SCOPES and not re.fullmatch(r"record:\w+", scope):
        raise UserError(
            f"{where}：未知的 scope「{scope}」。", f"可用：{'、'.join(SCOPES)}、record:<表>"
        )
    if raw["kind"] not in KINDS:
        raise UserError(f"{where}：未知的 kind「{raw['kind']}」。", f"可用：{'、'.join(KINDS)}")
    fmts = tuple(str(f) for f in raw["formats"])
    if set(fmts) - set(FORMATS):
        raise UserError(f"{where}：未知的格式 {set(fmts) - set(FORMATS)}。")
    return Form(
        id=str(raw["id"]),
        label=str(raw.get("label", "")),
        name=str(raw["name"]),
        title=str(raw["title"]),
        scope=scope,
        kind=str(raw["kind"]),
        formats=fmts,
        folder=folder,
        profile=profile.id,
        landscape=bool(raw.get("landscape", False)),
        paper=str(raw.get("paper", "a4")),
        period=str(raw.get("period", "run")),
        columns=_columns(raw.get("columns"), where, siblings),
        numbered=bool(raw.get("numbered", False)),
        alt_scope=str(raw.get("alt_scope", "")),
        prints=tuple(raw.get("prints", ())),
        texts=dict(raw.get("texts", {})),
        page=dict(raw.get("page", {})),
        sections=bool(raw.get("sections", False)),
        sources=tuple(str(x) for x in raw.get("from", ())),
        depends=str(raw.get("depends", "scope")),
    )


_FORMS: dict[Path, dict[str, Form]] = {}


def _natural(form_id: str) -> tuple[str, int, str]:
    m = re.fullmatch(r"([a-z]+)(\d+)(.*)", form_id)
    return (m.group(1), int(m.group(2)), m.group(3)) if m else (form_id, 0, "")


def forms_of(profile: Profile) -> dict[str, Form]:
    """The profile's forms by id, in id order (a1, a2, …, n1, …)."""
    if profile.folder not in _FORMS:
        raw: dict[str, Any] = {}
        for path in sorted(profile.forms_dir.glob("*/form.yaml")):
            raw[path.parent.name] = read_yaml(path)
        forms = [_declaration(profile.forms_dir / name, profile, raw) for name in raw]
        _FORMS[profile.folder] = {f.id: f for f in sorted(forms, key=lambda f: _natural(f.id))}
    return _FORMS[profile.folder]


def form_name(form_id: str) -> str:
    """A form's name by its id, in whichever shipped profile has it (ids are unique across
    them); the id itself when none does."""
    from generator.policy.profile import known_profiles, load_profile

    for pid in known_profiles():
        form = forms_of(load_profile(pid)).get(form_id)
        if form is not None:
            return form.name
    return form_id


def select(profile: Profile, spec: str) -> list[Form]:
    """'all' or 'a1,a3' -> the profile's forms, in id order; unknown ids are an error."""
    forms = forms_of(profile)
    if spec.strip().lower() in {"", "all"}:
        return list(forms.values())
    ids = [s.strip().lower() for s in spec.split(",") if s.strip()]
    unknown = [i for i in ids if i not in forms]
    if unknown:
        raise UserError(
            f"政策配置「{profile.id}」没有表单：{'、'.join(unknown)}。",
            f"可用：{', '.join(forms)}、all（formgen forms --profile {profile.id} 可列出）",
        )
    return [f for i, f in forms.items() if i in ids]


_MODULES: dict[Path, ModuleType] = {}


def code_of(form: Form) -> ModuleType:
    """The form's own code (``<id>.py`` in its folder), imported once per process."""
    return code_at(form.folder / f"{form.id}.py")


def code_at(path: Path) -> ModuleType:
    """The form code at ``path`` (a form folder's ``<id>.py``), imported once per process
    (a worker finds a form's stamp recipe by it)."""
    if path not in _MODULES:
        if not path.is_file():
            raise TemplateError(str(path), "找不到表单的取数代码")
        slug = re.sub(r"\W", "_", path.parent.parent.parent.name)
        name = f"formgen_forms.{slug}.{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # dataclasses in a form's code look their module up
        spec.loader.exec_module(module)
        _MODULES[path] = module
    return _MODULES[path]


def build(form: Form, ledger: Ledger, scope: Scope, opts: Options) -> Context:
    """One document's context: the form's ``build(ledger, scope, opts, form)``."""
    ctx: Context = code_of(form).build(ledger, scope, opts, form)
    return ctx


def blank(form: Form, opts: Options) -> Context:
    """An entirely blank form's context: the form's ``blank(opts, form)``."""
    ctx: Context = code_of(form).blank(opts, form)
    return ctx


def strict_columns(profile: Profile) -> set[str]:
    """Closed-set columns whose unknown values are errors: those a form of the profile
    prints and those a rule counts ("sheet.column")."""
    found = {p for f in forms_of(profile).values() for p in f.prints}
    for rule in profile.rules:
        share = rule.get("share", {})
        where = {
            **rule.get("where", {}),
            **(share.get("where", {}) if isinstance(share, dict) else {}),
        }
        sheet = rule.get("count") or (share.get("count") if isinstance(share, dict) else "")
        found |= {f"{sheet}.{col}" for col in where if sheet}
    return found
