"""Text normalization for names met in hand-typed ledgers.

Two levels: ``clean_text`` (what we store and show: NFKC width folding, zero-width characters
removed, spaces trimmed and collapsed) and ``org_key`` / ``place_key`` (what we match and hash:
also without spaces, brackets unified, ``中共`` prefix and ``委员会`` suffix variants folded, an
optional county prefix removed).
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Any

__all__ = ["clean_text", "has_bidi", "BIDI_CHARS", "org_key", "place_key", "match_key", "strip_form_suffix", "infer_form", "infer_place_kind",
           "excel_safe", "excel_unsafe"]

#: bidirectional controls (embeddings, overrides, isolates, marks): U+202E makes "党支部evil" display
#: reversed, so a name could look like another in reports and views. Removed like zero-width characters;
#: the loader reports each cell that had one (``has_bidi``).
BIDI_CHARS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
_ZERO_WIDTH_CHARS = "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e" + BIDI_CHARS
_ZERO_WIDTH = dict.fromkeys(map(ord, _ZERO_WIDTH_CHARS), None)
_HAS_ZERO_WIDTH = re.compile(f"[{_ZERO_WIDTH_CHARS}]")
_HAS_BIDI = re.compile(f"[{BIDI_CHARS}]")


def has_bidi(text: str) -> bool:
    """Whether text holds a bidirectional control character (which ``clean_text`` removes).

    >>> has_bidi("红岩村\u202e部支党"), has_bidi("红岩村党支部")
    (True, False)
    """
    return _HAS_BIDI.search(text) is not None
_SPACES = re.compile(r"\s+")
_ODD_SPACE = re.compile(r"[^\S ]| {2}")  # whitespace other than single plain spaces
_BRACKETS = str.maketrans({"【": "(", "】": ")", "[": "(", "]": ")", "〔": "(", "〕": ")", "〖": "(", "〗": ")"})
# suffix variants -> canonical suffix (longest first)
_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("党总支部委员会", "党总支"),
    ("总支部委员会", "党总支"),
    ("党支部委员会", "党支部"),
    ("支部委员会", "党支部"),
    ("党总支部", "党总支"),
    ("党委员会", "党委"),
)
_FORM_SUFFIXES: tuple[tuple[str, str], ...] = (
    ("联合党支部", "joint_branch"),
    ("机关工委", "work_committee"),
    ("党工委", "work_committee"),
    ("工委", "work_committee"),
    ("党总支", "general_branch"),
    ("党支部", "branch"),
    ("党组", "leading_group"),
    ("党委", "committee"),
)


def clean_text(value: object) -> str | None:
    """Return the display form of a free-text cell, or None for an empty one.

    Examples
    --------
    >>> clean_text("  青泥洞村\\u200b党支部　")
    '青泥洞村党支部'
    >>> clean_text("（示例）") , clean_text("   ")
    ('(示例)', None)
    """
    if value is None:
        return None
    if isinstance(value, float) and value != value:  # NaN
        return None
    text = unicodedata.normalize("NFKC", str(value))
    if _HAS_ZERO_WIDTH.search(text):
        text = text.translate(_ZERO_WIDTH)
    text = text.strip()
    if _ODD_SPACE.search(text):
        text = _SPACES.sub(" ", text)
    return text or None


@lru_cache(maxsize=1_000_000)
def _org_key(text: str, county: str) -> str:
    key = text.replace(" ", "")
    key = key.translate(_BRACKETS)
    if key.startswith("中国共产党"):
        key = key[5:]
    elif key.startswith("中共"):
        key = key[2:]
    if county and key.startswith(county) and len(key) > len(county):
        key = key[len(county):]
    elif county and county[-1] in "县区市旗" and key.startswith(county[-1]) and len(key) > 2:
        key = key[1:]  # 县农业农村局 is the county's own: the same as 示例县农业农村局
    for variant, canonical in _SUFFIXES:
        if key.endswith(variant):
            key = key[: -len(variant)] + canonical
            break
    else:
        if key.endswith("委员会"):
            key = key[:-3] + "党委"
    return key


def org_key(value: object, county: str = "") -> str | None:
    """Return the matching key of an organization name.

    Examples
    --------
    >>> org_key("中共示例县农业农村局委员会", county="示例县")
    '农业农村局党委'
    >>> org_key("青泥洞村党支部委员会") == org_key("青泥洞村 党支部")
    True
    >>> org_key("县农业农村局党委", county="示例县") == org_key("示例县农业农村局党委", county="示例县")
    True
    """
    if isinstance(value, str):
        return _org_key_of_text(value, county)
    text = clean_text(value)
    return None if text is None else _org_key(text, county)


@lru_cache(maxsize=1_000_000)
def _org_key_of_text(value: str, county: str) -> str | None:
    # a name is keyed several times while loading (ids, index, references): clean it once
    text = clean_text(value)
    return None if text is None else _org_key(text, county)


def place_key(value: object, county: str = "") -> str | None:
    """Return the matching key of a place name (spaces removed, county prefix dropped).

    >>> place_key("示例县 中池镇", county="示例县")
    '中池镇'
    """
    if isinstance(value, str):
        return _place_key_of_text(value, county)
    return _place_key(clean_text(value), county)


@lru_cache(maxsize=1_000_000)
def _place_key_of_text(value: str, county: str) -> str | None:
    return _place_key(clean_text(value), county)


def _place_key(text: str | None, county: str) -> str | None:
    if text is None:
        return None
    key = text.replace(" ", "")
    if county and key.startswith(county) and len(key) > len(county):
        key = key[len(county):]
    return key


def match_key(value: object) -> str | None:
    """Return the key used to match a code-list value or header: width-folded, no spaces, no brackets."""
    text = clean_text(value)
    if text is None:
        return None
    return re.sub(r"[\s（）()\[\]【】:：*＊]", "", text).lower() or None


# the longest form suffix with at least one character before it (a leftmost match is the longest
# suffix; where suffixes overlap, _FORM_SUFFIXES lists the longer first, so this is the same choice)
_FORM_SUFFIX_RE = re.compile("(?s).(" + "|".join(re.escape(s) for s, _ in _FORM_SUFFIXES) + r")\Z")


def strip_form_suffix(key: str) -> str:
    """Drop an org-form suffix (党支部, 党总支, 党委, ...) to compare the bare unit name.

    >>> strip_form_suffix("青泥洞村党支部"), strip_form_suffix("机关工委"), strip_form_suffix("党委")
    ('青泥洞村', '机关', '党委')
    """
    m = _FORM_SUFFIX_RE.search(key)
    return key[: m.start(1)] if m else key


def infer_form(value: object) -> str | None:
    """Return the ``form`` code an organization name implies by its suffix, if any.

    >>> infer_form("军坝村党总支"), infer_form("县科协机关党支部"), infer_form("示例小组")
    ('general_branch', 'branch', None)
    """
    key = org_key(value)
    if not key:
        return None
    for suffix, code in _FORM_SUFFIXES:
        if key.endswith(suffix):
            return code
    return None


def infer_place_kind(value: object) -> str | None:
    """Return the ``place_kind`` code a place name implies (街道, 镇/乡, 社区, 村).

    >>> [infer_place_kind(x) for x in ["城关街道", "中池镇", "大田乡", "李家台社区", "青泥洞村"]]
    ['street', 'town', 'town', 'community', 'village']
    """
    text = clean_text(value)
    if not text:
        return None
    if text.endswith(("街道", "街道办", "街道办事处")):
        return "street"
    if text.endswith(("镇", "乡")):
        return "town"
    if text.endswith(("社区", "居委会")):
        return "community"
    if text.endswith("县"):
        return "county"
    return "village"


# Spreadsheet programs run cell text that starts with = + - @ (or a tab / carriage return) as a
# formula ("CSV injection"): a ledger value such as =HYPERLINK("http://…") echoed in the problem
# table would become a live link. Problem tables are written so that such text stays text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _needs_quote(text: str) -> bool:
    if text[:1] == "'":
        return _needs_quote(text[1:])
    if not text.startswith(_FORMULA_START):
        return False
    try:
        float(text)
        return False  # a plain number such as -5 is harmless
    except ValueError:
        return True


def excel_safe(text: Any) -> Any:
    """Prefix ``'`` to text a spreadsheet would run as a formula (reversed by ``excel_unsafe``).

    >>> excel_safe('=HYPERLINK("http://x")'), excel_safe("-5"), excel_safe("青泥洞村党支部")
    ('\\'=HYPERLINK("http://x")', '-5', '青泥洞村党支部')
    >>> excel_unsafe(excel_safe("'=1+1")) == "'=1+1"
    True
    """
    return "'" + text if isinstance(text, str) and _needs_quote(text) else text


def excel_unsafe(text: Any) -> Any:
    """Undo ``excel_safe``."""
    return text[1:] if isinstance(text, str) and text[:1] == "'" and _needs_quote(text[1:]) else text
