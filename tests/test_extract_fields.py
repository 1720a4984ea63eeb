"""Link fields (lead, sides, chain, stages) and numbers after their measure word (issue 21, task extract21c).

Each rule is checked on new invented sentences (fictional places), not on the evaluation texts.
"""
from __future__ import annotations

from typing import Any

from graphkit.extract import extract_text
from graphkit.extract.numbers import find_numbers


def _links(text: str, kind: str | None = None) -> list[dict[str, Any]]:
    return [lk for lk in extract_text(text)["links"] if kind is None or lk["type"] == kind]


def test_number_after_its_measure_word() -> None:
    got = [(c.surface, c.value, c.bound, c.category) for c in find_numbers("云溪乡各村共结成帮扶对子318,覆盖农户900余户。", 1)]
    assert got == [("318", 318.0, "=", "结对数"), ("900余户", 900.0, ">=", "其他")]
    got = [(c.value, c.bound) for c in find_numbers("全年开展技术培训人次1520余。", 1)]
    assert got == [(1520.0, ">=")]
    # not a count: a date, an ordinal, a number inside a title, a number already counted with its measure word
    assert find_numbers("2025年3月第3期《对子30》", 1) == []
    assert [c.surface for c in find_numbers("签订协议12个。", 1)] == ["12个"]
