"""The analyses share one toolkit (issue 17): no analysis module imports a private name of a
sibling analysis module, and each shared helper is defined once, in graphkit/analyses/toolkit.py."""
from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent
ANALYSES = ROOT / "graphkit" / "analyses"

#: The toolkit's shared helpers; a module of the analyses defining one of these again (public or
#: with an underscore) is a second variant.
SHARED = ("take", "positions", "lookup", "codes_of", "factorize", "argsort", "sort_rank", "id_order", "isin",
          "objs", "strs", "empty_frame", "name_of", "id_positions", "join_by_code", "top_by_code",
          "nunique_by_code", "group_starts", "rank_in_group", "code_labels", "code_order", "memo", "facts_index")


def _sibling_private_imports(path: Path, siblings: set[str]) -> list[str]:
    """``from .x import _y`` (or ``graphkit.analyses.x``) in ``path`` where x is a sibling module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    wrong = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ImportFrom) or not node.module:
            continue
        if node.level == 1:
            module = node.module
        elif node.level == 0 and node.module.startswith("graphkit.analyses."):
            module = node.module.removeprefix("graphkit.analyses.")
        else:
            continue
        if module.split(".")[0] not in siblings:
            continue
        for alias in node.names:
            if alias.name.startswith("_") and not module.startswith("_"):
                wrong.append(f"{path.name}:{node.lineno} imports {module}.{alias.name}")
    return wrong


def _violations(root: Path) -> list[str]:
    mods = {p.stem for p in root.glob("*.py") if p.stem != "__init__"}
    out: list[str] = []
    for p in sorted(root.glob("*.py")):
        out += _sibling_private_imports(p, mods - {p.stem})
    return out


def test_no_analysis_module_imports_a_private_name_of_a_sibling() -> None:
    wrong = _violations(ANALYSES)
    assert not wrong, "private names imported from a sibling analysis module (move them to toolkit.py):\n" + "\n".join(wrong)


def test_the_check_catches_a_private_import(tmp_path: Path) -> None:
    for name, body in {"clusters.py": "def _take():\n    pass\n",
                       "cadence.py": "from .clusters import _take\nfrom .toolkit import take\n",
                       "change.py": "from graphkit.analyses.clusters import take, _codes\n"}.items():
        (tmp_path / name).write_text(body, encoding="utf-8")
    wrong = _violations(tmp_path)
    assert wrong == ["cadence.py:1 imports clusters._take", "change.py:1 imports clusters._codes"]


def test_shared_helpers_are_defined_only_in_the_toolkit() -> None:
    names = set(SHARED) | {f"_{n}" for n in SHARED}
    again = []
    for p in sorted(ANALYSES.glob("*.py")):
        if p.name == "toolkit.py":
            continue
        for node in ast.parse(p.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.FunctionDef) and node.name in names:
                again.append(f"{p.name}:{node.lineno} defines {node.name}")
    assert not again, "helpers defined again outside analyses/toolkit.py:\n" + "\n".join(again)


def test_positions_by_bisection_equal_hashing() -> None:
    """A few keys in a long sorted id array are found by bisection: the same answer as hashing."""
    from graphkit.analyses.toolkit import positions

    rng = np.random.default_rng(3)
    idx = np.array(sorted({f"o{int(v):06d}" for v in rng.integers(0, 10**6, 5000)}), dtype=object)
    keys = np.concatenate([rng.choice(idx, 40), np.array(["zz", None, "o", np.nan], dtype=object)])
    want = pd.Index(idx, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    assert positions(keys, idx).tolist() == want.tolist()               # bisection (few keys, sorted)
    assert positions(keys, pd.Index(idx, dtype=object)).tolist() == want.tolist()  # the Index's hash table
    shuffled = rng.permutation(idx)
    want = pd.Index(shuffled, dtype=object).get_indexer(pd.Index(keys, dtype=object))
    assert positions(keys, shuffled).tolist() == want.tolist()          # unsorted: hashing
    with pytest.raises(pd.errors.InvalidIndexError):
        positions(["a"], np.array(["a", "a"] * 100, dtype=object))      # a non-unique index is refused


def test_join_and_top_by_code_match_python() -> None:
    from graphkit.analyses.toolkit import SEP, join_by_code, join_names, top_by_code

    rng = np.random.default_rng(5)
    words = np.array(["甲", "乙", None, "丙", np.nan, 3], dtype=object)
    groups = rng.integers(-1, 12, 400)
    values = words[rng.integers(0, len(words), 400)]
    got = join_by_code(groups, 14, values, limit=4, empty="-")
    texts = np.where([isinstance(v, int) for v in values.tolist()], "丁", values)  # ranking needs comparable values
    top = top_by_code(groups, 14, texts, k=2)
    for k in range(14):
        rows = [v for g, v in zip(groups.tolist(), values.tolist()) if g == k]
        assert got[k] == (join_names(rows, limit=4) if rows else "-")
        if not rows:
            assert top[k] is None
            continue
        counts: dict[str, int] = {}
        for v in [t for g, t in zip(groups.tolist(), texts.tolist()) if g == k]:
            t = "（未填）" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
            counts[t] = counts.get(t, 0) + 1
        best = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:2]
        assert top[k] == SEP.join(f"{t} {n}" for t, n in best)
