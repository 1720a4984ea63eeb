"""Parsing cell values: dates, whole numbers, yes/no, months.

Each parser takes one cell value and returns the parsed value or raises ``ValueError`` with a
short English reason (or ``中文 / English`` where the reason names the wrong part of a value); ``parse_series`` applies a parser to a column once per distinct value.
"""
from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any
from collections.abc import Callable

import numpy as np
import pandas as pd

from .text import clean_text

__all__ = ["parse_date", "parse_integer", "parse_boolean", "parse_month", "parse_series", "is_blank", "EXCEL_ERRORS"]

EXCEL_ERRORS = frozenset({"#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#GETTING_DATA", "#SPILL!"})
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10,
              "十一": 11, "十二": 12, "正": 1, "腊": 12, "冬": 11}
_DATE_PATTERNS = [
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"), 3),
    (re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$"), 2),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), 3),
    (re.compile(r"^(\d{4})(\d{2})$"), 2),
    (re.compile(r"^(\d{4})\s*年?$"), 1),
]
_TRUE = {"是", "yes", "y", "true", "t", "1", "√", "✓", "✔", "有", "已建", "已建立", "建立", "是的"}
_FALSE = {"否", "no", "n", "false", "f", "0", "×", "✗", "无", "未建", "未建立", "没有", "不是"}


_BLANK_TEXT = re.compile(r"[\s\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]*\Z")


def is_blank(value: Any) -> bool:
    """True for None, NaN, empty or whitespace-only cells (zero-width characters count as blank).

    >>> [is_blank(v) for v in [None, float("nan"), "", " \u3000\u200b", "0", 0]]
    [True, True, True, True, False, False]
    """
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    if isinstance(value, str):
        return _BLANK_TEXT.match(value) is not None  # same as clean_text(value) is None, faster
    return False


def parse_date(value: Any) -> pd.Timestamp:
    """Parse a ledger date: a real date, an Excel serial, or text such as 2024年3月, 2024/3/1, 2024.03.

    A month alone means its first day; a year alone means 1 January.

    >>> [str(parse_date(v).date()) for v in ["2024年3月", "2024/3/1", "2024.03", 45352, "2024-03-05"]]
    ['2024-03-01', '2024-03-01', '2024-03-01', '2024-03-01', '2024-03-05']

    A wrong part is named, in Chinese and English (``中文 / English``):

    >>> parse_date("2024-13-01")
    Traceback (most recent call last):
    ValueError: 月份 13 不存在，应为 1–12 / month 13 does not exist (1-12)
    >>> parse_date("2023/2/29")
    Traceback (most recent call last):
    ValueError: 2023年2月没有 29 日（该月共 28 天）/ 2023-02 has no day 29 (it has 28 days)
    """
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value.date())
    if isinstance(value, dt.date):
        return pd.Timestamp(value)
    if isinstance(value, bool):
        raise ValueError("not a date")
    if isinstance(value, (int, float)):
        if 20000 <= value <= 80000:  # Excel serial between 1954 and 2119
            return pd.Timestamp((_EXCEL_EPOCH + dt.timedelta(days=int(value))).date())
        if float(value).is_integer() and 190001 <= value <= 21001231:
            value = str(int(value))
        elif isinstance(value, float) and 1900 < value < 2101 and not value.is_integer():
            value = str(value)  # 2023.3 typed into Excel is a number: year.month (2023.1 may be October: see is_ambiguous_month)
        else:
            raise ValueError("number is not an Excel date serial")
    text = clean_text(value)
    if text is None:
        raise ValueError("empty")
    for pattern, parts in _DATE_PATTERNS:
        m = pattern.match(text)
        if m:
            nums = [int(x) for x in m.groups()] + [1] * (3 - parts)
            year, month, day = nums[:3]
            if not 1900 <= year <= 2100:
                raise ValueError(f"年份 {year} 超出 1900–2100 / year {year} is outside 1900-2100")
            if not 1 <= month <= 12:
                raise ValueError(f"月份 {month} 不存在，应为 1–12 / month {month} does not exist (1-12)")
            last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
            if not 1 <= day <= last:
                raise ValueError(f"{year}年{month}月没有 {day} 日（该月共 {last} 天）/ "
                                 f"{year}-{month:02d} has no day {day} (it has {last} days)")
            return pd.Timestamp(dt.date(year, month, day))
    raise ValueError("unknown date format")


def is_ambiguous_month(value: Any) -> bool:
    """Whether a number such as 2023.1 was typed as a year.month that Excel may have shortened (2023.10).

    >>> is_ambiguous_month(2023.1), is_ambiguous_month(2023.3), is_ambiguous_month("2023.1")
    (True, False, False)
    """
    return isinstance(value, float) and 1900 < value < 2101 and repr(value).endswith(".1")


def parse_integer(value: Any) -> int:
    """Parse a whole number (accepts 12, 12.0, "12", "12人", "１２").

    >>> parse_integer("１２人"), parse_integer(3.0)
    (12, 3)
    """
    if isinstance(value, bool):
        raise ValueError("not a number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise ValueError("not a whole number")
    text = clean_text(value)
    if text is None:
        raise ValueError("empty")
    text = re.sub(r"(个|人|名|家|户)$", "", text.replace(",", ""))
    try:
        f = float(text)
    except ValueError:
        raise ValueError("not a number") from None
    if not f.is_integer():
        raise ValueError("not a whole number")
    return int(f)


def parse_boolean(value: Any) -> bool:
    """Parse yes/no: 是/否, √/×, 1/0, true/false.

    >>> parse_boolean("是"), parse_boolean("×"), parse_boolean(1)
    (True, False, True)
    """
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    text = clean_text(value)
    if text is None:
        raise ValueError("empty")
    key = text.lower()
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError("not yes/no")


def parse_month(value: Any) -> int:
    """Parse a month of the year: 3, "3月", "三月", "2024年3月", a date.

    A small whole number outside 1–12 (``13``, ``"0月"``) is returned as is, so that the caller
    reports it as out of range rather than as unreadable.

    >>> parse_month("三月"), parse_month("2024年11月"), parse_month(7), parse_month("13")
    (3, 11, 7, 13)
    """
    if isinstance(value, (dt.date, dt.datetime)):
        return value.month
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if float(value).is_integer() and -100 < value < 100:
            return int(value)
        return int(parse_date(value).month)
    text = clean_text(value)
    if text is None:
        raise ValueError("empty")
    m = re.match(r"^(-?\d{1,2})\s*月?(份)?$", text)
    if m:
        return int(m.group(1))
    m = re.match(r"^([一二三四五六七八九十正腊冬]{1,3})月(份)?$", text)
    if m and m.group(1) in _CN_DIGITS:
        return _CN_DIGITS[m.group(1)]
    return int(parse_date(text).month)


def parse_series(series: pd.Series, parser: Callable[[Any], Any]) -> tuple[list[Any], list[str | None]]:
    """Apply ``parser`` to each cell, once per distinct value.

    Returns the parsed values (None where blank or invalid) and, per cell, the reason it was
    invalid (None when blank or valid).
    """
    arr = series.to_numpy(dtype=object)
    if pd.api.types.infer_dtype(arr, skipna=True) in _UNIFORM_KINDS:
        # one type throughout: factorize in C and parse each distinct value once
        codes, uniques = pd.factorize(arr)
        parsed: list[Any] = []
        reasons: list[str | None] = []
        for u in uniques.tolist():
            v, e = _parse_one(u, parser)
            parsed.append(v)
            reasons.append(e)
        parsed.append(None)  # code -1: blank
        reasons.append(None)
        pv = np.empty(len(parsed), dtype=object)
        pv[:] = parsed
        ev = np.empty(len(reasons), dtype=object)
        ev[:] = reasons
        return pv[codes].tolist(), ev[codes].tolist()
    cache: dict[Any, tuple[Any, str | None]] = {}
    values: list[Any] = []
    errors: list[str | None] = []
    for v in arr.tolist():
        if v is None or (v.__class__ is float and v != v):
            values.append(None)
            errors.append(None)
            continue
        try:
            key = (type(v), v)
            hit = cache.get(key)
        except TypeError:  # unhashable
            key, hit = None, None
        if hit is None:
            hit = _parse_one(v, parser)
            if key is not None:
                cache[key] = hit
        values.append(hit[0])
        errors.append(hit[1])
    return values, errors


#: ``infer_dtype`` kinds whose values never compare equal across types, so factorize is safe
_UNIFORM_KINDS = frozenset({"string", "empty", "integer", "floating", "boolean", "date", "datetime"})


def _parse_one(v: Any, parser: Callable[[Any], Any]) -> tuple[Any, str | None]:
    if is_blank(v):
        return None, None
    try:
        return parser(v), None
    except ValueError as exc:
        return None, str(exc)
