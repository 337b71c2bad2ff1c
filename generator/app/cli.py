"""The command line: a thin click layer over ``generator.run.pipeline`` and the archive.

Domain errors become messages and exit codes here and only here:
0 success, 1 the data or a document failed, 2 wrong usage.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from generator.app import zh_click
from generator.app.progress import progress
from generator.errors import FormgenError, UserError, os_error
from generator.forms.registry import Form, forms_of, select
from generator.io.write import atomic_write
from generator.ledger import normalize
from generator.ledger.model import Ledger
from generator.policy.due import deadlines, due_on
from generator.policy.period import Period
from generator.policy.profile import DEFAULT_PROFILE, load_profile
from generator.run.plan import safe_name, scope_of
from generator.types import Filters, NoticeOptions, Options

if TYPE_CHECKING:
    from types import ModuleType

    from generator.run.pipeline import Report

ROOT = Path(__file__).resolve().parents[2]


def pipeline() -> ModuleType:
    """The run's functions, imported when a command runs (``formgen --help`` needs none
    of what they import)."""
    from generator.run import pipeline as module

    return module


SAMPLE = ROOT / "data" / "ledger.xlsx"
zh_click.install()  # click's own texts in Chinese, before the commands are declared
# At exit, after every other exit handler (they run last registered first): the objects
# still alive are frozen out of the collections that tear the interpreter down, which
# would only walk them all to free memory the process gives back anyway (0.1-0.15 s
# after an export of 2,000 members, 5 % of it). Objects freed by their last reference
# are freed as before.
atexit.register(gc.freeze)


class FormgenGroup(click.Group):
    """Turns domain errors into Chinese messages and exit codes, in one place."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        zh_click.complete_help(self)
        return super().main(*args, **kwargs)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (FormgenError, OSError) as exc:
            if ctx.meta.get("debug"):
                raise
            error = exc if isinstance(exc, FormgenError) else os_error(exc)
            click.echo(error.render(), err=True)
            sys.exit(error.exit_code)


def _debug(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    ctx.meta["debug"] = value
    return value


@click.group(cls=FormgenGroup)
@click.version_option(package_name="formgen")
@click.option(
    "--debug",
    is_flag=True,
    expose_value=False,
    callback=_debug,
    is_eager=True,
    help="出错时显示完整的 Python 回溯。",
)
def main() -> None:
    """formgen：由党员干部台账生成社区党建各类表格、公示和报表（DOCX、XLSX、PDF）。"""


PROFILE_HELP = (
    "政策配置：id（如 hubei-2020）或配置文件夹路径；默认用台账中记录的配置，否则 shiyan-2023。"
)


PAPER_HELP = "纸张：公示栏可用 a3；服务纪实手册等小册子可用 a5；其余表单不受影响。"


def common(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by the commands that read a ledger."""
    f = click.option("--profile", default=None, help=PROFILE_HELP)(f)
    f = click.option("--date", "date_", default=None, help="表上“时间”一栏的日期，默认今天。")(f)
    return f


def _day(option: str, value: str | None) -> dt.date | None:
    try:
        return normalize.date(value) if value else None
    except ValueError as exc:
        raise UserError(f"{option}「{value}」：{exc}") from None


def _options(
    ledger: Path | None, profile: str | None, date_: str | None, notice: NoticeOptions | None = None
) -> Options:
    return Options(
        profile=pipeline().resolve_profile(ledger, profile),
        date=_day("--date", date_) or dt.date.today(),
        notice=notice or NoticeOptions(),
    )


def notice_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of public notices (公示期, paper, masking, issuer, grouping)."""
    for opt in reversed(
        [
            click.option("--from", "start", default=None, help="公示期开始日期（默认 --date）。"),
            click.option("--to", "end", default=None, help="公示期结束日期（默认开始后第10天）。"),
            click.option(
                "--paper",
                type=click.Choice(["a4", "a3", "a5"], case_sensitive=False),
                default="a4",
                show_default=True,
                help=PAPER_HELP,
            ),
            click.option(
                "--no-mask", is_flag=True, help="公示中显示完整电话和门牌号（默认遮蔽）。"
            ),
            click.option(
                "--issuer",
                type=click.Choice(["branch", "community"]),
                default="branch",
                show_default=True,
                help="n2 的发布单位：小区党支部或社区党组织。",
            ),
            click.option(
                "--by",
                type=click.Choice(["unit", "compound"]),
                default="unit",
                show_default=True,
                help="n3 按单位或按小区公示。",
            ),
            click.option("--phone", default="", help="监督电话（默认发布单位的联系电话）。"),
        ]
    ):
        f = opt(f)
    return f


def _notice(
    start: str | None, end: str | None, paper: str, no_mask: bool, issuer: str, by: str, phone: str
) -> NoticeOptions:
    s, e = _day("--from", start), _day("--to", end)
    if s and e and e < s:
        raise UserError("公示期结束日期早于开始日期。")
    return NoticeOptions(
        start=s,
        end=e,
        paper=paper.lower(),
        mask=not no_mask,
        issuer=issuer,
        by=by,
        phone=normalize.phone(phone) if phone else "",
    )


def _period(ledger: Ledger, period: str | None, year: int | None) -> Period:
    if period:
        return Period.parse(period)
    if year:
        return Period.parse(str(year))
    years = ledger.years()
    return Period(years[-1] if years else dt.date.today().year)


@main.command()
@click.argument("directory", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=PROFILE_HELP)
@click.option("--force", is_flag=True, help="覆盖已存在的 ledger.xlsx。")
def init(directory: Path, profile: str, force: bool) -> None:
    """在 DIRECTORY 中生成空白台账 ledger.xlsx（表头、下拉列表、示例行），并记下所用的政策配置。"""
    from generator.ledger.initbook import blank_workbook

    target = directory / "ledger.xlsx"
    if target.exists() and not force:
        raise UserError(f"「{target}」已存在，未覆盖。", "加 --force 覆盖。")
    prof = load_profile(profile)
    atomic_write(target, blank_workbook(prof))
    click.echo(f"已生成空白台账：{target}（政策配置：{prof.label}）")


@main.command()
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option(
    "--period",
    default=None,
    help="按此期间检查规则：2026、2026H1 或 2026Q1（默认台账中最新年度）。",
)
@click.option("--year", type=int, default=None, help="同 --period 年份。")
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="把全部规则的检查结果写入此 XLSX（工作表「规则检查」和各单位达标率图）。",
)
@common
def check(
    ledger: Path,
    period: str | None,
    year: int | None,
    report: Path | None,
    profile: str | None,
    date_: str | None,
) -> None:
    """检查台账：列出全部错误和警告，以及未达标的规则；有错误时退出码为 1。"""
    from generator.policy.rules import evaluate, pass_rates
    from generator.render.report import rules_workbook

    opts = _options(ledger, profile, date_)
    led, issues = pipeline().read_ledger(ledger, opts.profile, skip_invalid=True)
    errors = [i for i in issues if i.severity == "error"]
    warnings = [i for i in issues if i.severity != "error"]
    for issue in [*errors, *warnings]:
        click.echo(issue.render())
    per = _period(led, period, year)
    results = evaluate(led, opts.profile, per, opts.date)
    short = [r for r in results if not r.ok]
    for r in short:
        who = f"{r.code} {r.name}" if r.code else r.name
        click.echo(f"[未达标] {r.rule}｜{r.scope} {who}：实际{r.actual}，要求{r.required}")
    if report is not None:
        rows = [r.cells() for r in results]
        atomic_write(report, rules_workbook(rows, pass_rates(results), f"{per.cn}各单位达标率"))
        click.echo(f"规则检查结果：{report}")
    click.echo(
        f"检查完毕：{len(led.units)}个单位，{len(led.communities)}个社区，{len(led.compounds)}个小区，"
        f"{len(led.members)}名党员干部；错误{len(errors)}处，警告{len(warnings)}处；"
        f"规则检查{len(results)}项，未达标{len(short)}项（{per.cn}，政策配置 {opts.profile.id}）。"
    )
    if errors:
        sys.exit(1)


def _summary(report: Report, out: Path | str, forms: dict[str, Form]) -> None:
    """Per form and format: written, skipped, failed; then totals and elapsed time."""
    keys = sorted({(form, fmt) for form, fmt, _ in report.counts})
    click.echo("表单        格式    生成  跳过  失败")
    for form, fmt in keys:
        label = forms[form].label or forms[form].name if form in forms else form
        w, k, f = (report.counts[(form, fmt, s)] for s in ("written", "skipped", "failed"))
        click.echo(f"{form} {label:<8}{fmt:<6}{w:>6}{k:>6}{f:>6}")
    total = {
        s: sum(n for (_, _, st), n in report.counts.items() if st == s)
        for s in ("written", "skipped", "failed")
    }
    click.echo(
        f"共生成 {total['written']} 个文件，跳过未变化的 {total['skipped']} 个，"
        f"失败 {total['failed']} 个，用时 {report.elapsed:.1f} 秒。"
        f"清单：{str(out).rstrip('/')}/manifest.json"
    )
    for note in report.notes:
        click.echo(f"[注意] {note}")
    for path in report.extras:
        click.echo(f"另存：{path}")
    for failure in report.failures:
        click.echo(f"[失败] {failure}", err=True)


@dataclass(frozen=True)
class RunFlags:
    """Options of bulk runs, handed to a command as one value."""

    jobs: int | None = None
    force: bool = False
    print_: bool = False
    duplex: bool = False
    zip_: bool = False
    archive: Path = Path("archive")
    db: str = ""
    templates: Path | None = None
    executor: str = "local"
    scheduler: str | None = None
    batch_size: int | None = None


def run_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """Options of bulk runs (workers, re-rendering, print PDFs, zip, registry, a clerk's
    templates), handed to the command as one ``flags: RunFlags``."""

    @functools.wraps(f)
    def wrapper(
        *args: Any,
        jobs: int | None,
        force: bool,
        print_: bool,
        duplex: bool,
        zip_: bool,
        archive: Path,
        db: str,
        templates: Path | None,
        executor: str,
        scheduler: str | None,
        batch_size: int | None,
        **kwargs: Any,
    ) -> Any:
        if scheduler and executor != "dask":
            raise click.UsageError("--scheduler 只用于 --executor dask。")
        flags = RunFlags(
            jobs, force, print_, duplex, zip_, archive, db, templates, executor, scheduler,
            batch_size,
        )  # fmt: skip
        return f(*args, flags=flags, **kwargs)

    for opt in reversed(
        [
            click.option(
                "--jobs",
                type=click.IntRange(min=1),
                default=None,
                help="并行进程数（默认全部 CPU 核）。",
            ),
            click.option("--force", is_flag=True, help="全部重新生成（默认跳过未变化的文件）。"),
            click.option("--print", "print_", is_flag=True, help="每个表单另出一个合并打印 PDF。"),
            click.option("--duplex", is_flag=True, help="合并 PDF 中每份补足偶数页（双面打印）。"),
            click.option("--zip", "zip_", is_flag=True, help="另打包为 zip，便于上报。"),
            click.option(
                "--archive",
                type=click.Path(file_okay=False, path_type=Path),
                default=Path("archive"),
                show_default=True,
                help="档案目录：带编号的文件登记在其中的 registry.sqlite。",
            ),
            click.option(
                "--db",
                default="",
                help="登记库的 SQLAlchemy 地址（如区级 PostgreSQL），"
                "默认 档案目录/registry.sqlite。",
            ),
            click.option(
                "--templates",
                type=click.Path(file_okay=False, path_type=Path),
                default=None,
                help="自己修改过的模板所在文件夹（formgen templates copy 复制出的）。",
            ),
            click.option(
                "--executor",
                type=click.Choice(["local", "dask"]),
                default="local",
                show_default=True,
                help="在本机进程中生成，或交给 Dask 集群（不给 --scheduler 时在本机启动）。",
            ),
            click.option(
                "--scheduler",
                default=None,
                help="Dask 调度器地址，如 tcp://10.0.0.5:8786（见 README 的多机运行）。",
            ),
            click.option(
                "--batch-size",
                type=click.IntRange(min=1),
                default=None,
                help="每个任务的文件数（默认：本机 16 或 8，Dask 约 200）。",
            ),
        ]
    ):
        wrapper = opt(wrapper)
    return wrapper


def open_registry(archive: Path, db: str) -> Any:
    """The registry: a SQLAlchemy URL when given, else <archive>/registry.sqlite."""
    from generator.io.registry import Registry

    try:
        return Registry(db or archive / "registry.sqlite")
    except FormgenError:
        raise
    except Exception as exc:  # unreachable server, bad URL, no driver
        raise UserError(f"无法打开登记库「{db or archive / 'registry.sqlite'}」：{exc}") from None


class OutParam(click.ParamType):
    """``--out``: a folder, or an fsspec URL (``s3://bucket/prefix``) kept as text."""

    name = "DIR|URL"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        text = str(value)
        return text if "://" in text and not text.startswith("file://") else Path(text)


OUT = OutParam()


def _run_export(
    led: Ledger,
    out: Path | str,
    forms: list[Form],
    fmts: tuple[str, ...],
    per: Period,
    opts: Options,
    filters: Filters,
    flags: RunFlags,
) -> Report:
    """Plan once, export with a progress bar, then the print PDFs and zip asked for;
    print a summary."""
    if isinstance(out, str) and (flags.print_ or flags.duplex or flags.zip_):
        raise UserError("--print、--duplex、--zip 只能用于本机的输出文件夹。", f"--out {out}")
    planned = pipeline().make_plan(led, forms, per, opts, filters)
    total = planned.files(fmts)
    if total == 0:
        raise UserError(
            f"{per.cn}没有符合条件的文件可生成。",
            "请检查 --period、--unit、--community、--compound 等条件与台账中的数据是否相符。",
        )
    tick, stop = progress(total)
    registry = open_registry(flags.archive, flags.db)
    try:
        report = pipeline().export(
            led,
            out,
            forms,
            fmts,
            per,
            opts,
            filters,
            jobs=flags.jobs or pipeline().default_jobs(),
            force=flags.force,
            template_dir=flags.templates,
            on_done=tick,
            registry=registry,
            planned=planned,
            executor=flags.executor,
            scheduler=flags.scheduler,
            batch_size=flags.batch_size,
        )
    finally:
        stop()
        registry.close()
    if isinstance(out, str):
        _summary(report, out, {f.id: f for f in forms})
        return report
    if flags.print_ or flags.duplex:
        report.extras += pipeline().print_pdfs(out, planned, per, duplex=flags.duplex)
    if flags.zip_:
        report.extras.append(pipeline().zip_outputs(out, per, report.extras))
    _summary(report, out, {f.id: f for f in forms})
    return report


@main.command(name="export")
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option(
    "--forms",
    "forms_",
    default="all",
    show_default=True,
    help="要导出的表单 id，逗号分隔，或 all（formgen forms 可列出）。",
)
@click.option(
    "--format",
    "formats",
    default="docx,pdf,xlsx",
    show_default=True,
    help="输出格式：docx、pdf、xlsx，逗号分隔。",
)
@click.option("--period", default=None, help="统计期间：2026（全年）、2026H1 或 2026Q1。")
@click.option("--year", type=int, default=None, help="同 --period 年份。")
@click.option(
    "--due", "due_", default=None, help="导出该日到期的报送任务所需表单（见 formgen due）。"
)
@click.option("--unit", default="", help="只导出此单位。")
@click.option("--community", default="", help="只导出此社区。")
@click.option("--compound", default="", help="只导出此小区。")
@click.option(
    "--out",
    type=OUT,
    default=Path("output"),
    show_default=True,
    help="输出文件夹，或对象存储地址（如 s3://bucket/prefix）。",
)
@click.option("--skip-invalid", is_flag=True, help="跳过出错的行（并列出），其余照常生成。")
@run_options
@notice_options
@common
def export_cmd(
    ledger: Path,
    forms_: str,
    formats: str,
    period: str | None,
    year: int | None,
    due_: str | None,
    unit: str,
    community: str,
    compound: str,
    out: Path | str,
    skip_invalid: bool,
    flags: RunFlags,
    profile: str | None,
    date_: str | None,
    **notice: Any,
) -> None:
    """导出所选表单的全部文件到 OUT，并写 manifest.json。

    再次运行时跳过未变化的文件、补齐中断时未完成的文件；某份文件失败时其余照常生成，
    退出码为 1。"""
    opts = _options(ledger, profile, date_, _notice(**notice))
    fmts = pipeline().parse_formats(formats)
    led, issues = pipeline().read_ledger(ledger, opts.profile, skip_invalid=skip_invalid)
    for issue in issues:
        if issue.severity == "error":
            click.echo(issue.render() + "（已跳过此行）", err=True)
    if unit and unit not in led.units:
        raise UserError(f"台账中没有单位「{unit}」。", "可用：" + "、".join(led.units))
    filters = Filters(unit=unit, community=community, compound=compound)
    if due_:
        day = _day("--due", due_)
        assert day is not None
        tasks = due_on(opts.profile, day)
        if not tasks:
            click.echo(f"{normalize.cn_date(day)}没有需要报送表单的任务。")
            return
        failed = False
        for task in tasks:
            click.echo(f"{normalize.cn_date(task.date)} {task.who}：{task.task}")
            forms = select(opts.profile, ",".join(task.forms))
            report = _run_export(led, out, forms, fmts, task.period, opts, filters, flags)
            failed |= bool(report.failures)
        if failed:
            sys.exit(1)
        return
    forms = select(opts.profile, forms_)
    report = _run_export(led, out, forms, fmts, _period(led, period, year), opts, filters, flags)
    if report.failures:
        sys.exit(1)


@main.command()
@click.option("--today", default=None, help="从哪天算起（默认今天）。")
@click.option("--days", type=int, default=366, show_default=True, help="列出多少天内的任务。")
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=PROFILE_HELP)
def due(today: str | None, days: int, profile: str) -> None:
    """列出报送期限（重点任务清单）：日期、责任单位、任务、表单和对应的导出命令。"""
    day = _day("--today", today) or dt.date.today()
    prof = load_profile(profile)
    for d in deadlines(prof, day, days):
        forms = ",".join(d.forms)
        cmd = (
            f"formgen export 台账.xlsx --profile {prof.id} --forms {forms} "
            f"--period {d.period.label}"
            if forms
            else ""
        )
        left = (d.date - day).days
        click.echo(
            f"{normalize.cn_date(d.date)}（{'今天' if left == 0 else f'还有{left}天'}）"
            f"  {d.who}  {d.task}" + (f"\n    {cmd}" if cmd else "")
        )


@main.command()
@click.option("--profile", default=None, help=PROFILE_HELP)
def forms(profile: str | None) -> None:
    """列出政策配置提供的表单：id、名称、每份范围、格式。"""
    prof = pipeline().resolve_profile(None, profile)
    scopes = {
        "building": "每楼栋",
        "compound": "每小区",
        "community": "每社区",
        "unit": "每单位",
        "unit_community": "每单位×社区",
        "member": "每人",
    }
    period = {"year": "每年", "half": "每半年"}
    click.echo(f"{prof.label} 的表单：")
    for f in forms_of(prof).values():
        scope = scopes.get(f.scope, "每行" if f.scope.startswith("record:") else f.scope)
        name = f"{f.label} {f.title}" if f.label else f.title
        click.echo(
            f"  {f.id:<4}{name}  —  {scope}{period.get(f.period, '')}一份；{'、'.join(f.formats)}"
        )


@main.command()
@click.argument("notice_id")
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option("--community", default="", help="社区名称。")
@click.option("--compound", default="", help="小区名称（n1、n2 按小区；n3 加 --by compound）。")
@click.option("--building", default="", help="只生成此楼栋的 n1。")
@click.option("--unit", default="", help="单位名称（n3 按单位时）。")
@click.option("--period", default=None, help="统计期间：2026、2026H1 或 2026Q1。")
@click.option("--year", type=int, default=None, help="同 --period 年份。")
@click.option("--format", "formats", default="docx,pdf", show_default=True, help="输出格式。")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("output"),
    show_default=True,
    help="输出文件夹。",
)
@run_options
@notice_options
@common
def notice(
    notice_id: str,
    ledger: Path,
    community: str,
    compound: str,
    building: str,
    unit: str,
    period: str | None,
    year: int | None,
    formats: str,
    out: Path,
    flags: RunFlags,
    profile: str | None,
    date_: str | None,
    **notice: Any,
) -> None:
    """生成公示栏公示（如 n1 亮身份、n2 承诺事项、n3 评价结果），默认遮蔽电话和门牌号。"""
    opts = _options(ledger, profile, date_, _notice(**notice))
    form = select(opts.profile, notice_id)[0]
    if form.kind != "notice":
        known = [f.id for f in forms_of(opts.profile).values() if f.kind == "notice"]
        raise UserError(f"「{notice_id}」不是公示。", f"可用：{'、'.join(known)}")
    led, _ = pipeline().read_ledger(ledger, opts.profile)
    if unit and unit not in led.units:
        raise UserError(f"台账中没有单位「{unit}」。", "可用：" + "、".join(led.units))
    filters = Filters(unit=unit, community=community, compound=compound, building=building)
    report = _run_export(
        led,
        out,
        [form],
        pipeline().parse_formats(formats),
        _period(led, period, year),
        opts,
        filters,
        flags,
    )
    if report.failures:
        sys.exit(1)


@main.command()
@click.argument("ledger", type=click.Path(path_type=Path))
@click.option("--form", "form_id", required=True, help="表单 id（formgen forms 可列出）。")
@click.option("--member", default="", help="编号（或唯一的姓名），用于每人一份的表单。")
@click.option("--unit", default="", help="单位名称，用于每单位一份的表单。")
@click.option("--community", default="", help="社区名称。")
@click.option("--compound", default="", help="小区名称。")
@click.option("--building", default="", help="楼栋。")
@click.option("--period", default=None, help="统计期间：2026、2026H1 或 2026Q1。")
@click.option("--year", type=int, default=None, help="同 --period 年份。")
@click.option(
    "--format",
    "fmt",
    default="pdf",
    show_default=True,
    type=click.Choice(["docx", "pdf", "xlsx"]),
    help="输出格式。",
)
@click.option("--out", type=click.Path(path_type=Path), default=None, help="输出文件路径。")
@click.option(
    "--templates",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="自己修改过的模板所在文件夹。",
)
@common
def render(
    ledger: Path,
    form_id: str,
    member: str,
    unit: str,
    community: str,
    compound: str,
    building: str,
    period: str | None,
    year: int | None,
    fmt: str,
    out: Path | None,
    templates: Path | None,
    profile: str | None,
    date_: str | None,
) -> None:
    """生成一份文件（例如某人的 a5 评价表）。"""
    opts = _options(ledger, profile, date_)
    form = select(opts.profile, form_id)[0]  # a wrong id is said before the ledger is read
    led, _ = pipeline().read_ledger(ledger, opts.profile)
    per = _period(led, period, year)
    scope = scope_of(led, form, per, member, unit, community, compound, building)
    data = pipeline().render_one(led, form, scope, fmt, opts, templates)
    if out is None:
        who = scope.member_id and f"{scope.member_id}_{led.members[scope.member_id].name}"
        pair = f"{scope.unit}_{scope.community}" if scope.unit and scope.community else ""
        name = who or pair or scope.unit or f"{scope.community}{scope.compound}{scope.building}"
        out = Path("output") / f"{form.id}_{safe_name(name)}_{per.label}.{fmt}"
    atomic_write(out, data)
    click.echo(str(out))


def _blank_name(form: Form, fmt: str) -> str:
    """附件5_“五亮五共”活动情况评价表_空白.pdf; a notice: 亮身份公示_空白.pdf."""
    name = safe_name(form.name)
    return (
        f"{form.label}_{name}" if form.label and form.label != form.name else name
    ) + f"_空白.{fmt}"


@main.command()
@click.argument("form_id")
@click.option("--format", "formats", default=None, help="默认该表单的全部格式。")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    default=Path("output/blank"),
    show_default=True,
    help="输出文件夹。",
)
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=PROFILE_HELP)
@click.option(
    "--paper",
    type=click.Choice(["a4", "a3", "a5"], case_sensitive=False),
    default="a4",
    show_default=True,
    help=PAPER_HELP,
)
def blank(form_id: str, formats: str | None, out: Path, profile: str, paper: str) -> None:
    """生成完全空白的表格，供手工填写。"""
    opts = Options(profile=load_profile(profile), notice=NoticeOptions(paper=paper.lower()))
    form = select(opts.profile, form_id)[0]
    for fmt in pipeline().parse_formats(formats) if formats else form.formats:
        path = out / _blank_name(form, fmt)
        if paper.lower() != "a4":
            path = path.with_name(f"{path.stem}_{paper.upper()}{path.suffix}")
        atomic_write(path, pipeline().render_blank(form, fmt, opts))
        click.echo(str(path))


def _sample(profile: str) -> Path:
    """The sample ledger of a shipped profile (data/ledger.xlsx for the default, else
    data/<profile>.xlsx), made from the synthetic generator when missing."""
    path = SAMPLE if profile == DEFAULT_PROFILE else SAMPLE.with_name(f"{profile}.xlsx")
    if not path.exists():
        from generator.ledger.sample import generate, write_xlsx

        write_xlsx(generate(profile=profile), path, "" if profile == DEFAULT_PROFILE else profile)
    return path


@main.command()
@click.option("--out", type=click.Path(path_type=Path), default=Path("output"),
              show_default=True, help="输出文件夹（每个政策配置一个子文件夹）。")  # fmt: skip
@click.option("--ledger", type=click.Path(path_type=Path), default=None,
              help="台账（默认各政策配置的示例台账 data/…）。")  # fmt: skip
@common
def demo(out: Path, ledger: Path | None, profile: str | None, date_: str | None) -> None:
    """示例：由 data/ 中的示例台账为每个政策配置生成全套表格（含空白表）到 output/<配置>/。"""
    from generator.policy.profile import known_profiles

    failed = False
    for pid in [profile] if profile or ledger else known_profiles():
        source = ledger or _sample(str(pid))
        opts = _options(source, pid, date_)
        target = out / opts.profile.id
        click.echo(f"—— {opts.profile.label}：{source} -> {target}")
        led, _ = pipeline().read_ledger(source, opts.profile)
        forms = select(opts.profile, "all")
        report = _run_export(led, target, forms, ("docx", "pdf", "xlsx"), _period(led, None, None),
                             opts, Filters(), RunFlags(print_=True))  # fmt: skip
        for form in forms:
            for fmt in form.formats:
                atomic_write(
                    target / "blank" / _blank_name(form, fmt),
                    pipeline().render_blank(form, fmt, opts),
                )
        click.echo(f"空白表格：{target / 'blank'}")
        failed |= bool(report.failures)
    if failed:
        sys.exit(1)


@main.group()
def templates() -> None:
    """模板：检查、复制给自己修改、由表单声明重新生成。"""


@templates.command(name="check")
@click.option(
    "--dir",
    "folder",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="自己修改过的模板所在文件夹（默认内置模板）。",
)
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=PROFILE_HELP)
def templates_check(folder: Path | None, profile: str) -> None:
    """用空白数据填充每个模板，检查标签拼写和语法；有问题时退出码为 1。"""
    problems = pipeline().check_templates(Options(profile=load_profile(profile)), folder)
    for p in problems:
        click.echo(p)
    if problems:
        sys.exit(1)
    click.echo("模板检查通过。")


@templates.command(name="copy")
@click.argument("form_id")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=PROFILE_HELP)
def templates_copy(form_id: str, directory: Path, profile: str) -> None:
    """把表单的 Word 模板复制到 DIRECTORY，供在 Word/WPS 中修改；导出时加 --templates DIRECTORY。"""
    prof = load_profile(profile)
    ids = [f.id for f in forms_of(prof).values()] if form_id == "all" else [form_id]
    directory.mkdir(parents=True, exist_ok=True)
    for fid in ids:
        form = select(prof, fid)[0]
        for variant in ("", "a3"):
            src = form.template("docx", variant=variant)
            if src.is_file() and (variant == "" or src.name.count(".") == 2):
                shutil.copyfile(src, directory / src.name)
                click.echo(str(directory / src.name))
    click.echo(
        f"修改后检查：formgen templates check --dir {directory}；"
        f"导出：formgen export 台账.xlsx --templates {directory}"
    )


@templates.command(name="build")
@click.option("--profile", default=DEFAULT_PROFILE, show_default=True, help=PROFILE_HELP)
@click.option(
    "--form", "form_ids", default="all", show_default=True, help="表单 id，逗号分隔，或 all。"
)
def templates_build(profile: str, form_ids: str) -> None:
    """由表单声明和共用部件重新生成表单文件夹中的 Word 模板（会覆盖其中的 .docx）。"""
    from generator.forms.docx_templates import write_templates

    for path in write_templates(select(load_profile(profile), form_ids)):
        click.echo(str(path))


@main.group(name="archive")
def archive_group() -> None:
    """签字盖章评价表的归档：扫描件入库、缺失清单、完整性校验、分单位打包。"""


def _archive_option(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option(
        "--db", default="", help="登记库的 SQLAlchemy 地址（默认档案目录中的 SQLite）。"
    )(f)
    return click.option(
        "--archive",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("archive"),
        show_default=True,
        help="档案目录。",
    )(f)


@archive_group.command(name="ingest")
@click.argument("scans", nargs=-1, required=True, type=click.Path(path_type=Path))
@_archive_option
def archive_ingest(scans: tuple[Path, ...], archive: Path, db: str) -> None:
    """扫描件（多页 PDF、JPEG/PNG/TIFF）逐页识别二维码，归档到对应党员干部名下。"""
    from generator.archive.scans import ingest

    registry = open_registry(archive, db)
    try:
        report = ingest(list(scans), archive, registry)
    finally:
        registry.close()
    for doc_no, path in report.filed:
        click.echo(f"已归档 {doc_no} -> {path}")
    for doc_no, path in report.new_versions:
        click.echo(f"[注意] {doc_no} 已有归档，本次另存为新版本：{path}")
    for what in report.duplicates:
        click.echo(f"重复扫描，已跳过：{what}")
    for doc_no, path in report.restored:
        click.echo(f"已恢复 {doc_no} -> {path}（由原扫描件重新生成）")
    for source, page, reason in report.review:
        click.echo(f"[待复核] {source} 第{page}页：{reason}")
    for source, reason in report.unreadable:
        click.echo(f"[无法读取] {source}：{reason}", err=True)
    click.echo(
        f"归档 {len(report.filed)} 份，重复 {len(report.duplicates)} 页，"
        f"待复核 {len(report.review)} 页（{archive / '_review'}）"
        + (f"，恢复 {len(report.restored)} 份" if report.restored else "")
        + (f"，无法读取的文件 {len(report.unreadable)} 个" if report.unreadable else "")
        + "。"
    )
    if report.unreadable:
        sys.exit(1)


STATUS_HEADERS = ("单位", "社区", "小区", "编号", "姓名", "年度", "文件编号")


@archive_group.command(name="status")
@click.option("--year", type=int, default=None, help="只看此年度。")
@click.option("--unit", default="", help="只看此单位。")
@click.option("--community", default="", help="只看此社区。")
@click.option("--form", "form_id", default="a5", show_default=True, help="表单 id。")
@_archive_option
def archive_status(
    year: int | None, unit: str, community: str, form_id: str, archive: Path, db: str
) -> None:
    """列出已生成但尚无签字归档件的党员干部（按单位、社区、小区），并写 XLSX。"""
    from generator.render.report import table_workbook

    registry = open_registry(archive, db)
    try:
        rows = registry.missing(form_id, year, unit, community)
    finally:
        registry.close()
    current = None
    for r in rows:
        if (r["unit"], r["community"], r["compound"]) != current:
            current = (r["unit"], r["community"], r["compound"])
            click.echo(f"{r['unit']} ｜ {r['community']} ｜ {r['compound']}")
        click.echo(f"    {r['member_id']}  {r['name']}  {r['doc_no']}")
    keys = ("unit", "community", "compound", "member_id", "name", "year", "doc_no")
    target = archive / f"status_{form_id}_{year or 'all'}.xlsx"
    atomic_write(
        target, table_workbook("缺签字件", STATUS_HEADERS, [[r[k] for k in keys] for r in rows])
    )
    click.echo(f"尚缺签字归档件 {len(rows)} 份。清单：{target}")


@archive_group.command(name="verify")
@_archive_option
def archive_verify(archive: Path, db: str) -> None:
    """重新计算每个归档文件的 SHA-256，报告缺失或被改动的文件；有问题时退出码为 1。"""
    from generator.archive.scans import verify

    registry = open_registry(archive, db)
    try:
        problems = verify(archive, registry)
        n = len(registry.all_archived())
    finally:
        registry.close()
    for p in problems:
        click.echo(p)
    click.echo(f"校验归档文件 {n} 个，问题 {len(problems)} 个。")
    if problems:
        sys.exit(1)


@archive_group.command(name="package")
@click.option("--year", type=int, required=True, help="年度。")
@click.option(
    "--for",
    "keeper",
    type=click.Choice(["unit", "community", "compound"]),
    required=True,
    help="按保管单位分包：单位、社区或小区党支部。",
)
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="输出文件夹（默认 档案目录/_packages）。",
)
@_archive_option
def archive_package(year: int, keeper: str, out: Path | None, archive: Path, db: str) -> None:
    """每个保管单位一个 zip：签字件、DA/T 22-2015 目录（XLSX）和哈希清单。"""
    from generator.archive.scans import package

    registry = open_registry(archive, db)
    try:
        made = package(archive, registry, year, keeper, out or archive / "_packages")
    finally:
        registry.close()
    for path in made:
        click.echo(str(path))


def _data_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--db", default="", help="数据库的 SQLAlchemy 地址（如区级 PostgreSQL），"
                     "默认 数据文件夹/archive/registry.sqlite。")(f)  # fmt: skip
    return click.option(
        "--data",
        type=click.Path(file_okay=False, path_type=Path),
        default=Path("formgen-data"),
        show_default=True,
        help="网页的数据文件夹（上传的台账、导出的文件、档案）。",
    )(f)


@main.command()
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="监听地址（局域网用 0.0.0.0）。"
)
@click.option("--port", type=int, default=8000, show_default=True, help="监听端口。")
@click.option("--workers", type=click.IntRange(min=1), default=2, show_default=True,
              help="同时进行的导出任务数。")  # fmt: skip
@click.option("--certfile", default="", help="HTTPS 证书（PEM），与 --keyfile 一起用。")
@click.option("--keyfile", default="", help="HTTPS 私钥（PEM）。")
@_data_options
def serve(host: str, port: int, workers: int, certfile: str, keyfile: str, data: Path,
          db: str) -> None:  # fmt: skip
    """启动网页：台账上传检查、预览导出、报送期限、签字件归档。"""
    from generator.app.web.app import serve as run
    from generator.app.web.db import Database
    from generator.app.web.settings import Settings

    settings = Settings(data=data, db=db, workers=workers)
    if Database(settings.db_url).count_users() == 0:
        click.echo(f"尚无账号。先创建管理员：formgen users add 管理员 --role admin --data {data}",
                   err=True)  # fmt: skip
    scheme = "https" if certfile else "http"
    click.echo(f"formgen 网页：{scheme}://{'127.0.0.1' if host == '0.0.0.0' else host}:{port}/")
    run(settings, host, port, certfile, keyfile)


@main.group()
def users() -> None:
    """网页账号。"""


@users.command(name="add")
@click.argument("name")
@click.option("--role", type=click.Choice(["admin", "unit", "community"]), required=True,
              help="admin 管理员；unit 单位党务干事；community 社区工作者。")  # fmt: skip
@click.option("--scope", default="", help="单位名称（unit）或社区名称（community）。")
@click.option("--replace", is_flag=True, help="账号已存在时改为新的角色、范围和密码。")
@_data_options
def users_add(name: str, role: str, scope: str, replace: bool, data: Path, db: str) -> None:
    """新建网页账号 NAME；密码从标准输入读取（在终端上会提示输入两次）。"""
    from generator.app.web.auth import check_account, hash_password
    from generator.app.web.db import Database
    from generator.app.web.settings import Settings

    if sys.stdin.isatty():
        password = click.prompt("密码", hide_input=True, confirmation_prompt="再输入一次")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    check_account(name, role, scope, password)
    database = Database(Settings(data=data, db=db).db_url)
    try:
        hashed = hash_password(password)
        if database.add_user(name, role, scope, hashed):
            click.echo(f"已创建账号「{name}」（{role}{'：' + scope if scope else ''}）。")
        elif replace:
            database.replace_user(name, role, scope, hashed)
            click.echo(
                f"已更新账号「{name}」（{role}{'：' + scope if scope else ''}），旧的登录已失效。"
            )
        else:
            raise UserError(f"账号「{name}」已存在。", "加 --replace 改为新的角色、范围和密码。")
    finally:
        database.close()
