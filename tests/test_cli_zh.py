"""click's own messages in Chinese with English, every option documented in both, no word split in help."""
from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from graphkit.cli import cli

CJK = re.compile(r"[\u4e00-\u9fff]")
LATIN = re.compile(r"(?<![.\w])[A-Za-z]{3,}")  # a word, not a file extension such as .csv


def _commands(cmd: click.Command = cli, path: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = [(path, cmd)]
    if isinstance(cmd, click.Group):
        for name, sub in sorted(cmd.commands.items()):
            out += _commands(sub, (*path, name))
    return out


COMMANDS = _commands()


def test_usage_errors_are_chinese_and_english(tmp_path):
    r = CliRunner().invoke(cli, ["build", str(tmp_path)])
    assert r.exit_code == 2
    assert "缺少必填选项 '-o' / '--out' / missing option" in r.stderr and "用法 Usage: " in r.stderr and "build [OPTIONS]" in r.stderr
    assert "Error:" not in r.stderr and "Try '" not in r.stderr
    r = CliRunner().invoke(cli, ["nosuch"])
    assert r.exit_code == 2 and "没有命令 'nosuch'" in r.stderr and "no such command" in r.stderr
    r = CliRunner().invoke(cli, ["view", str(tmp_path), "--kind", "foo", "-o", str(tmp_path / "v.html")])
    assert r.exit_code == 2 and "'--kind' 的取值 'foo' 无效" in r.stderr
    r = CliRunner().invoke(cli, ["info", str(tmp_path), "--bogus"])
    assert r.exit_code == 2 and "没有选项 --bogus" in r.stderr
    r = CliRunner().invoke(cli, ["neo4j", "export-import", str(tmp_path)])  # a subgroup's command too
    assert r.exit_code == 2 and "缺少必填选项" in r.stderr


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "graphkit")
def test_help_pages_are_bilingual_and_no_word_is_split(path):
    r = CliRunner().invoke(cli, [*path, "--help"], terminal_width=100)
    assert r.exit_code == 0, r.output
    text = r.stdout
    assert "用法 Usage:" in text and "选项 Options:" in text
    assert "显示此帮助并退出 / show this message and exit." in text
    assert "Show this message and exit" not in text and "[default:" not in text
    # every Latin word printed is a word of the help texts (a wrapped "clu / ster" is not)
    cmd = dict(COMMANDS)[path]
    ctx = click.Context(cmd, info_name=path[-1] if path else "graphkit")
    records = [p.get_help_record(ctx) for p in cmd.get_params(ctx)]  # unwrapped option texts
    source = " ".join([*path, cmd.help or "", " ".join(cmd.commands) if isinstance(cmd, click.Group) else "",
                       " ".join(cmd.collect_usage_pieces(ctx))]
                      + [" ".join(r) for r in records if r]
                      + [c.get_short_help_str(limit=200) + " " + (c.help or "")
                         for c in (cmd.commands.values() if isinstance(cmd, click.Group) else ())])
    known = set(re.findall(r"[A-Za-z]+", source)) | {"Usage", "Options", "Commands", "OPTIONS", "COMMAND", "ARGS",
                                                     "default", "required", "show", "this", "message", "and", "exit",
                                                     "INTEGER", "RANGE", "TEXT", "FILE", "DIRECTORY", "PATH", "FLOAT",
                                                     "graphkit", "cli", "the", "version", "h", "help"}
    printed = set(re.findall(r"[A-Za-z]+", text))
    assert printed <= known, sorted(printed - known)


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=lambda p: " ".join(p) or "graphkit")
def test_every_option_has_chinese_and_english_help(path):
    cmd = dict(COMMANDS)[path]
    assert CJK.search(cmd.help or "") and LATIN.search(cmd.help or ""), path
    for p in cmd.params:
        if isinstance(p, click.Option):
            assert CJK.search(p.help or "") and LATIN.search(p.help or ""), (path, p.opts, p.help)


def test_version_is_bilingual():
    r = CliRunner().invoke(cli, ["--version"])
    assert r.exit_code == 0 and "版本 version" in r.stdout
