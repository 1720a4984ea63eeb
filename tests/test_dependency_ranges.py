"""The installed packages satisfy the ranges pyproject.toml declares, and the data core's ranges
admit only what CI tests (docs/reliability.md, "Dependency ranges")."""
from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.version import Version

ROOT = Path(__file__).resolve().parent.parent
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: packages whose lower bound must be the major.minor CI installs (the data core the analyses rest on)
CORE = ("pandas", "pyarrow", "numpy")


def _requirements(group: str) -> list[Requirement]:
    raw = PROJECT["dependencies"] if group == "" else PROJECT["optional-dependencies"][group]
    return [Requirement(r) for r in raw if not r.startswith("graphkit")]


def _installed(name: str) -> Version | None:
    try:
        return Version(version(name))
    except PackageNotFoundError:
        return None


@pytest.mark.parametrize("group", ["", *sorted(PROJECT["optional-dependencies"])])
def test_installed_versions_satisfy_declared_ranges(group: str) -> None:
    bad, missing = [], []
    for req in _requirements(group):
        v = _installed(req.name)
        if v is None:
            missing.append(req.name)
        elif not req.specifier.contains(v, prereleases=True):
            bad.append(f"{req.name} {v} not in {req.specifier}")
    assert bad == []
    if group in ("", "test"):  # the test command installs both: nothing may be missing
        assert missing == []


def test_core_ranges_start_at_the_tested_versions() -> None:
    """pandas, pyarrow and numpy: the lower bound is the major.minor installed here (what CI tests),
    and the upper bound the next minor release (pyarrow: the next major, its release unit), so a
    new release enters only when someone raises both bounds and CI has run on it."""
    reqs = {r.name: r for r in _requirements("")}
    for name in CORE:
        spec = reqs[name].specifier
        lows = [Version(s.version) for s in spec if s.operator == ">="]
        highs = [Version(s.version) for s in spec if s.operator == "<"]
        assert len(lows) == 1 and len(highs) == 1, (name, str(spec))
        got = _installed(name)
        assert got is not None
        assert (lows[0].major, lows[0].minor) == (got.major, got.minor), (
            f"{name}: declared >= {lows[0]}, but CI tests {got}; raise the lower bound to the tested version")
        step = Version(f"{got.major + 1}") if name == "pyarrow" else Version(f"{got.major}.{got.minor + 1}")
        assert highs[0] == step, (name, str(spec))
