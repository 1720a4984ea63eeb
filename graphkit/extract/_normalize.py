"""Length-preserving text normalization for report texts.

Every candidate points back into the original words by character offsets, so normalization must
map one character to one character: full-width ASCII and the ideographic space fold to ASCII,
traditional characters fold to simplified ones. The traditional→simplified table is the
single-character part of the dictionary that the ``zhconv`` wheel ships (``zhcdict.json``, read
from the installed package, never downloaded); multi-character phrase rules are not needed to
match organization names and would change lengths.
"""
from __future__ import annotations

from functools import lru_cache

__all__ = ["normalize", "translation_table"]


@lru_cache(maxsize=1)
def translation_table() -> dict[int, str]:
    """Return the ``str.translate`` table: full width → half width, traditional → simplified.

    Examples
    --------
    >>> "聯建黨支部（１２個）".translate(translation_table())
    '联建党支部(12个)'
    """
    from zhconv import zhconv as _zhconv

    _zhconv.loaddict()
    table: dict[int, str] = {}
    for trad, simp in _zhconv.zhcdicts["zh2Hans"].items():
        if len(trad) == 1 and len(simp) == 1 and trad != simp:
            table[ord(trad)] = simp
    for code in range(0xFF01, 0xFF5F):  # ！ … ～ → ! … ~
        table[code] = chr(code - 0xFEE0)
    table[0x3000] = " "
    # keep the Chinese enumeration comma and full stop: they carry meaning for the rules
    return table


def normalize(text: str) -> str:
    """Fold widths and traditional characters; the result has exactly ``len(text)`` characters.

    Examples
    --------
    >>> normalize("龍門、銀子等８個村黨支部")
    '龙门、银子等8个村党支部'
    >>> len(normalize("ａｂ")) == 2
    True
    """
    out = text.translate(translation_table())
    if len(out) != len(text):  # pragma: no cover - the table maps one char to one char
        raise AssertionError("normalization changed the text length")
    return out
