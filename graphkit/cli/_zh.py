"""click's own words in Chinese with the English beside them: usage errors, headings, the help option.

click writes its messages through ``gettext`` with no catalogue of its own, and installing one
would change a process-wide setting (``gettext.textdomain``) for every library. So the
``graphkit`` group and every command under it use the classes here instead: a usage error is
re-raised as :class:`ZhUsageError` with a bilingual message (same exit code 2), and help pages
are formatted with bilingual headings. Messages this module does not know keep click's English
after a Chinese prefix, so nothing is ever lost.
"""
from __future__ import annotations

import re
from typing import IO, Any
from collections.abc import Callable

import click

__all__ = ["ZhGroup", "ZhCommand", "ZhUsageError", "translate"]

#: click's usage-error messages (click 8.x wording) → bilingual ones.
_MESSAGES: list[tuple[re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    (re.compile(r"^Missing option (.+)\.$", re.S), lambda m: f"缺少必填选项 {m[1]} / missing option {m[1]}."),
    (re.compile(r"^Missing argument (.+)\.$", re.S), lambda m: f"缺少参数 {m[1]} / missing argument {m[1]}."),
    (re.compile(r"^Missing parameter (.+)\.$", re.S), lambda m: f"缺少参数 {m[1]} / missing parameter {m[1]}."),
    (re.compile(r"^No such command (.+)\.$", re.S), lambda m: f"没有命令 {m[1]}，可用命令见 --help / no such command {m[1]}."),
    (re.compile(r"^No such option:? '?([^'\s]+?)'?\.?(?: \(?Did you mean (?:one of: )?(.+?)\?\)?)?$", re.S),
     lambda m: f"没有选项 {m[1]}" + (f"，是否想用 {m[2]}？" if m[2] else "") + f" / no such option: {m[1]}"
               + (f" (did you mean {m[2]}?)" if m[2] else "")),
    (re.compile(r"^Option (.+) does not take a value\.$", re.S), lambda m: f"选项 {m[1]} 不接受取值 / option {m[1]} takes no value."),
    (re.compile(r"^Missing command\.$"), lambda m: "缺少命令，可用命令见 --help / missing command."),
    (re.compile(r"^Option (.+) requires an argument\.$", re.S), lambda m: f"选项 {m[1]} 需要一个值 / option {m[1]} needs a value."),
    (re.compile(r"^Option (.+) requires (\d+) arguments\.$", re.S),
     lambda m: f"选项 {m[1]} 需要 {m[2]} 个值 / option {m[1]} needs {m[2]} values."),
    (re.compile(r"^Got unexpected extra arguments? \((.+)\)$", re.S),
     lambda m: f"多余的参数 {m[1]} / unexpected extra argument(s): {m[1]}"),
    (re.compile(r"^Invalid value for (.+?): (.+?) is not one of (.+)\.$", re.S),
     lambda m: f"{m[1]} 的取值 {m[2]} 无效，可选 {m[3]} / invalid value for {m[1]}: {m[2]} is not one of {m[3]}."),
    (re.compile(r"^Invalid value for (.+?): (.+?) is not a valid integer\.$", re.S),
     lambda m: f"{m[1]} 应为整数，得到 {m[2]} / invalid value for {m[1]}: {m[2]} is not a whole number."),
    (re.compile(r"^Invalid value for (.+?): (.+?) is not in the range (.+)\.$", re.S),
     lambda m: f"{m[1]} 的取值 {m[2]} 超出范围 {m[3]} / invalid value for {m[1]}: {m[2]} is not in the range {m[3]}."),
    (re.compile(r"^Invalid value for (.+?): (?:Directory|File|Path) (.+?) does not exist\.$", re.S),
     lambda m: f"{m[1]}：路径 {m[2]} 不存在 / invalid value for {m[1]}: {m[2]} does not exist."),
    (re.compile(r"^Invalid value for (.+?): (.+)$", re.S), lambda m: f"{m[1]} 的取值无效 / invalid value for {m[1]}: {m[2]}"),
]


def translate(message: str) -> str:
    """A click usage-error message in Chinese with the English beside it.

    >>> translate("Missing option '-o' / '--out'.")
    "缺少必填选项 '-o' / '--out' / missing option '-o' / '--out'."
    >>> translate("No such command 'nosuch'.")
    "没有命令 'nosuch'，可用命令见 --help / no such command 'nosuch'."
    >>> translate("No such option '--colour'. Did you mean --color-by?")
    '没有选项 --colour，是否想用 --color-by？ / no such option: --colour (did you mean --color-by?)'
    >>> translate("Something new.")
    '用法错误 usage error: Something new.'
    """
    for pattern, make in _MESSAGES:
        m = pattern.match(message)
        if m:
            return make(m)
    return f"用法错误 usage error: {message}"


class ZhUsageError(click.UsageError):
    """A usage error shown with Chinese and English wording (exit code 2, as click's)."""

    def show(self, file: IO[Any] | None = None) -> None:
        """Print usage, the hint and the message on stderr."""
        hint = ""
        if self.ctx is not None:
            if self.ctx.command.get_help_option(self.ctx) is not None:
                hint = (f"运行 '{self.ctx.command_path} {self.ctx.help_option_names[0]}' 查看帮助 / "
                        f"try '{self.ctx.command_path} {self.ctx.help_option_names[0]}' for help.\n")
            click.echo(f"{self.ctx.get_usage()}\n{hint}", file=file, err=file is None, color=None)
        click.echo(f"错误 error: {self.format_message()}", file=file, err=file is None, color=None)


def _zh_errors(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except ZhUsageError:
        raise
    except click.UsageError as exc:
        raise ZhUsageError(translate(exc.format_message()), ctx=exc.ctx) from None


_EXTRA = [(re.compile(r"\[default: "), "[默认 default: "), (re.compile(r"(?<=[\[; ])required\]"), "必填 required]"),
          (re.compile(r"; required;"), "; 必填 required;")]


class _Zh:
    """What ZhCommand and ZhGroup share: bilingual usage line, headings and help option."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        opt = super().get_help_option(ctx)  # type: ignore[misc]
        if opt is not None:
            opt.help = "显示此帮助并退出 / show this message and exit."
        return opt

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        pieces = self.collect_usage_pieces(ctx)  # type: ignore[attr-defined]
        formatter.write_usage(ctx.command_path, " ".join(pieces), prefix="用法 Usage: ")

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for param in self.get_params(ctx):  # type: ignore[attr-defined]
            rec = param.get_help_record(ctx)
            if rec is not None:
                text = rec[1]
                for pattern, repl in _EXTRA:
                    text = pattern.sub(repl, text)
                rows.append((rec[0], text))
        if rows:
            with formatter.section("选项 Options"):
                formatter.write_dl(rows)

    def make_context(self, info_name: str | None, args: list[str], parent: click.Context | None = None,
                     **extra: Any) -> click.Context:
        return _zh_errors(lambda: super(_Zh, self).make_context(info_name, args, parent=parent, **extra))  # type: ignore[misc]

    def invoke(self, ctx: click.Context) -> Any:
        return _zh_errors(lambda: super(_Zh, self).invoke(ctx))  # type: ignore[misc]


class ZhCommand(_Zh, click.Command):
    """A click command with Chinese-and-English messages."""


class ZhGroup(_Zh, click.Group):
    """A click group whose commands and subgroups all use the Chinese-and-English classes."""

    command_class = ZhCommand
    group_class = type  # subgroups are ZhGroups too

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        _Zh.format_options(self, ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = []
        for name in self.list_commands(ctx):
            cmd = self.get_command(ctx, name)
            if cmd is None or cmd.hidden:
                continue
            rows.append((name, cmd.get_short_help_str(limit=formatter.width - 6 - max(len(n) for n in self.commands))))
        if rows:
            with formatter.section("命令 Commands"):
                formatter.write_dl(rows)
