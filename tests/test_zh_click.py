"""The command line speaks Chinese: click's own usage errors and --help headings, and a
help text for every option."""

from __future__ import annotations

import ast
import inspect

import click
import pytest
from click.testing import CliRunner

from generator.app import zh_click
from generator.app.cli import main


def _click_texts() -> set[str | tuple[str, str]]:
    """Every text click's modules look up with _() or ngettext()."""
    found: set[str | tuple[str, str]] = set()
    for module in zh_click._MODULES:
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
                args = [a.value for a in node.args if isinstance(a, ast.Constant)]
                if node.func.id == "_" and args:
                    found.add(args[0])
                elif node.func.id == "ngettext" and len(args) >= 2:
                    found.add((args[0], args[1]))
    return found


def test_every_translated_text_is_still_one_of_clicks():
    texts = _click_texts()
    assert set(zh_click.CATALOG) - {"required"} <= texts  # "required" is looked up by value
    assert set(zh_click.PLURALS) <= texts


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["export"], "错误：缺少参数 'LEDGER'"),
        (["export", "l.xlsx", "--bogus"], "错误：没有选项 '--bogus'。"),
        (["exprot"], "错误：没有命令 'exprot'。 是不是 'export'？"),
        (["export", "l.xlsx", "--jobs", "0"], "错误：'--jobs' 的值无效：0 不在范围 x>=1 内。"),
        (["render", "l.xlsx", "--form", "a9"], "政策配置「shiyan-2023」没有表单：a9"),
        (["export", "l.xlsx", "--out"], "错误：选项 '--out' 需要一个值。"),
        (["archive"], "用法: formgen archive [OPTIONS] COMMAND [ARGS]..."),
    ],
)
def test_usage_errors_are_chinese(args, message):
    result = CliRunner().invoke(main, args, prog_name="formgen")
    assert result.exit_code == 2
    assert message in result.output
    if args == ["export"]:
        assert "用法: formgen export [OPTIONS] LEDGER" in result.output
        assert "运行「formgen export --help」查看帮助。" in result.output
    for english in ("Error:", "Usage:", "Missing", "No such", "Try ", "is not"):
        assert english not in result.output


def test_help_is_chinese_and_every_option_has_a_help_text():
    top = CliRunner().invoke(main, ["--help"], prog_name="formgen")
    assert top.exit_code == 0
    assert "用法: formgen [OPTIONS] COMMAND [ARGS]..." in top.output
    assert "命令:" in top.output and "选项:" in top.output
    assert "显示版本并退出。" in top.output and "显示此帮助并退出。" in top.output
    assert "formgen，版本" in CliRunner().invoke(main, ["--version"], prog_name="formgen").output
    export = CliRunner().invoke(main, ["export", "--help"]).output
    assert "[默认：output]" in export and "输出文件夹" in export
    lacking = [
        f"{command.name} {' / '.join(param.opts)}"
        for command in zh_click.commands(main)
        for param in command.params
        if isinstance(param, click.Option) and not param.hidden and not param.help
    ]
    assert lacking == []
    for english in ("Show this message", "Options:", "Commands:", "[default:"):
        assert english not in top.output + export
