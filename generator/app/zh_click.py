"""click's own texts in Chinese: usage errors, "Missing argument", the --help headings.

click looks each of its texts up with gettext when it shows it (``_("Missing argument")``),
in the gettext domain every program shares and by the system's language. ``install``
gives click's modules a lookup in CATALOG instead, so formgen speaks Chinese whatever the
machine's locale and without touching other programs' translations; a text not listed
stays English (tests/test_zh_click.py checks every listed text is still one of click's).
``complete_help`` gives every option without a help text the one OPTION_HELP has for its
name: the options the commands share (--out, --year …) are described once.
"""

from __future__ import annotations

from collections.abc import Iterator

import click
import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.termui
import click.types

CATALOG: dict[str, str] = {
    "Usage:": "用法:",  # click adds a space, as after 选项: and 命令:
    "Options": "选项",
    "Commands": "命令",
    "Positional arguments": "参数",
    "Show this message and exit.": "显示此帮助并退出。",
    "Show the version and exit.": "显示版本并退出。",
    "%(prog)s, version %(version)s": "%(prog)s，版本 %(version)s",
    "default: {default}": "默认：{default}",
    "required": "必填",
    "env var: {var}": "环境变量：{var}",
    "(dynamic)": "（动态）",
    "deprecated": "已停用",
    "Aborted!": "已中止。",
    "Error: {message}": "错误：{message}",
    "Try '{command} {option}' for help.": "运行「{command} {option}」查看帮助。",
    "Missing command.": "缺少命令。",
    "Missing argument": "缺少参数",
    "Missing option": "缺少选项",
    "Missing parameter": "缺少参数",
    "Missing {param_type}": "缺少{param_type}",
    "Missing parameter: {param_name}": "缺少参数：{param_name}",
    "Invalid value: {message}": "值无效：{message}",
    "Invalid value for {param_hint}: {message}": "{param_hint} 的值无效：{message}",
    "No such option {name!r}.": "没有选项 {name!r}。",
    "No such command {name!r}.": "没有命令 {name!r}。",
    "unknown error": "未知错误",
    "Could not open file {filename!r}: {message}": "无法打开文件 {filename!r}：{message}",
    "Option {name!r} does not take a value.": "选项 {name!r} 不带值。",
    "Argument {name!r} takes {nargs} values.": "参数 {name!r} 需要 {nargs} 个值。",
    "Value must be an iterable.": "值应是一组。",
    "Choose from:\n\t{choices}": "可选：\n\t{choices}",
    "{value!r} is not a valid {number_type}.": "{value!r} 不是有效的{number_type}。",
    "{value} is not in the range {range}.": "{value} 不在范围 {range} 内。",
    # {name} is the type's name (file, directory, path), kept English as the metavar.
    "{name} {filename!r} does not exist.": "{filename!r} 不存在。",
    "{name} {filename!r} is a file.": "{filename!r} 是文件，不是文件夹。",
    "{name} {filename!r} is a directory.": "{filename!r} 是文件夹，不是文件。",
    "{name} {filename!r} is not readable.": "{filename!r} 不可读。",
    "{name} {filename!r} is not writable.": "{filename!r} 不可写。",
    "Error: The two entered values do not match.": "错误：两次输入的值不一致。",
    "Error: invalid input": "错误：输入无效",
    "Repeat for confirmation": "再输入一次以确认",
    "Do you want to continue?": "要继续吗？",
    "Confirm the action without prompting.": "不询问，直接确认。",
}

# (singular, plural) -> (Chinese singular, Chinese plural)
PLURALS: dict[tuple[str, str], tuple[str, str]] = {
    ("Got unexpected extra argument ({args})", "Got unexpected extra arguments ({args})"):
        ("多出了参数（{args}）", "多出了参数（{args}）"),
    ("Did you mean {possibility}?", "(Did you mean one of: {possibilities}?)"):
        ("是不是 {possibility}？", "（是不是其中之一：{possibilities}？）"),
    ("Option {name!r} requires an argument.", "Option {name!r} requires {nargs} arguments."):
        ("选项 {name!r} 需要一个值。", "选项 {name!r} 需要 {nargs} 个值。"),
    ("{value!r} is not {choice}.", "{value!r} is not one of {choices}."):
        ("{value!r} 不是 {choice}。", "{value!r} 不是以下之一：{choices}。"),
    ("Takes {nargs} values but 1 was given.", "Takes {nargs} values but {len} were given."):
        ("需要 {nargs} 个值，只给了 1 个。", "需要 {nargs} 个值，给了 {len} 个。"),
}  # fmt: skip

# Help of the options the commands share, by option name, where a command gives none.
OPTION_HELP: dict[str, str] = {
    "out": "输出文件夹。",
    "year": "年度，如 2026。",
    "period": "统计期间：2026（全年）或 2026Q1（第一季度）。",
    "unit": "单位名称。",
    "community": "社区名称。",
    "compound": "小区名称。",
    "building": "楼栋，如 3栋。",
    "profile": "政策配置（id 或 YAML 路径）。",
    "formats": "文件格式，可用逗号分隔多个：docx、pdf、xlsx。",
    "fmt": "文件格式：docx、pdf 或 xlsx。",
    "form_id": "表单 id，如 a5。",
    "ledger": "台账文件（.xlsx、CSV 文件夹或 .json）。",
}

_MODULES = (click.core, click.decorators, click.exceptions, click.formatting, click.parser,
            click.termui, click.types)  # fmt: skip


def gettext(message: str) -> str:
    return CATALOG.get(message, message)


def ngettext(singular: str, plural: str, n: int) -> str:
    zh = PLURALS.get((singular, plural))
    return (zh or (singular, plural))[0 if n == 1 else 1]


def install() -> None:
    """click's modules look their texts up here from now on (before the commands are
    declared, so the --version and --help options are described in Chinese too)."""
    for module in _MODULES:
        if hasattr(module, "_"):
            module._ = gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = ngettext  # type: ignore[attr-defined]


def commands(group: click.Command, path: tuple[str, ...] = ()) -> Iterator[click.Command]:
    """A command and every command below it."""
    yield group
    if isinstance(group, click.Group):
        for name, sub in group.commands.items():
            yield from commands(sub, (*path, name))


def complete_help(group: click.Command) -> None:
    """Every option without a help text gets OPTION_HELP's for its name."""
    for command in commands(group):
        for param in command.params:
            if isinstance(param, click.Option) and not param.help and param.name in OPTION_HELP:
                param.help = OPTION_HELP[param.name]
