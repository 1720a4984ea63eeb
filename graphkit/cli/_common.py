"""What every ``graphkit`` command shares: messages to stderr and turning domain errors into a
message and exit code 1 (no traceback). ``cli.py`` and the ``_cli_*`` command modules import it;
it imports none of them.
"""
from __future__ import annotations

import functools
import sys
from typing import Any
from collections.abc import Callable

import click

from ..core.errors import GraphkitError, ValidationFailed

__all__ = ["say", "user_errors"]


def say(msg: str) -> None:
    click.echo(msg, err=True)


def user_errors(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn graphkit's domain errors into a message and exit code 1 (no traceback)."""
    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ValidationFailed as exc:
            from ..core.problems import problems_to_text
            say(str(exc))
            say(problems_to_text(exc.problems))
            report = getattr(exc, "read_report", None)
            if report:
                from ..core.read_report import report_to_text
                say(report_to_text(report))
            sys.exit(1)
        except GraphkitError as exc:
            say(f"错误 error: {exc}")
            sys.exit(1)
        except KeyboardInterrupt:
            say("已中断 / interrupted; 输出未改变 / outputs unchanged")
            sys.exit(130)
    return wrapper
