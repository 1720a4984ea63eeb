"""Credentials for Neo4j come from options, the environment or a prompt — never from files in the
repository — and are never printed; TLS URIs are accepted.

The repository scan reads every tracked (and not ignored) file and looks for password-looking
settings with a real value: ``NEO4J_PASSWORD=…``/``NEO4J_AUTH=…`` assignments, ``password:``
keys in YAML/JSON/TOML/INI/.env files, literal passwords in Python (``password="…"``,
``auth=("neo4j", "…")``, a literal default for ``NEO4J_PASSWORD``) and URIs with a user and
password inside. Placeholders (``…``, ``<password>``, ``$NEO4J_PASSWORD``) are fine; a reviewed
dummy value can be marked on its line with ``# pragma: allowlist secret`` (as in detect-secrets).
"""
from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.cli import cli

from corpus.cases import PAIRS, base

ROOT = Path(__file__).resolve().parent.parent
SELF = Path(__file__).resolve()

#: the detect-secrets marker for a reviewed dummy value on the same line
ALLOW = "pragma: allowlist secret"
_PLACEHOLDER = re.compile(
    r"""^(|…+|\.\.\.+|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?(:-[^}]*\})?|\$\(.*\)|\*+|x{3,}|X{3,}|none|None|null|~)$""")
_VALUE = r"""(?P<v>"[^"\n]*"|'[^'\n]*'|<[^>\n]*>|[^\s"'`#;,}\])\\]*)"""
_CONFIG_SUFFIXES = {".yaml", ".yml", ".json", ".toml", ".ini", ".cfg", ".conf", ".env", ".properties"}


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]
    suffixes: frozenset[str] | None  # None: every text file

    def findings(self, text: str) -> list[tuple[int, str]]:
        out = []
        for m in self.pattern.finditer(text):
            line_end = text.find("\n", m.end())
            if ALLOW in text[text.rfind("\n", 0, m.start()) + 1: None if line_end < 0 else line_end]:
                continue  # a deliberate, reviewed dummy value
            value = m.group("v").strip()
            if value[:1] in "\"'" and value[-1:] == value[:1]:
                value = value[1:-1]
            if self.name == "neo4j_auth" and "/" in value:
                value = value.split("/", 1)[1]  # NEO4J_AUTH=user/password
            if _PLACEHOLDER.match(value):
                continue
            out.append((text.count("\n", 0, m.start()) + 1, m.group(0)))
        return out


RULES = [
    Rule("env_password", re.compile(r"\bNEO4J_PASSWORD\s*[=:]\s*" + _VALUE), None),
    Rule("neo4j_auth", re.compile(r"\bNEO4J_AUTH\s*[=:]\s*" + _VALUE), None),
    Rule("config_password", re.compile(r"""(?i)["']?\b(?:password|passwd|pwd)["']?\s*[:=]\s*""" + _VALUE),
         frozenset(_CONFIG_SUFFIXES)),
    Rule("python_password", re.compile(r"""(?i)\bpass(?:word|wd)\s*=\s*(?P<v>"[^"\n]+"|'[^'\n]+')"""),
         frozenset({".py"})),
    Rule("python_auth_tuple", re.compile(r"""\bauth\s*=\s*\(\s*(["'])[^"'\n]*\1\s*,\s*(?P<v>"[^"\n]+"|'[^'\n]+')\s*\)"""),
         frozenset({".py"})),
    Rule("env_default", re.compile(r"""NEO4J_PASSWORD["']\s*,\s*(?P<v>"[^"\n]+"|'[^'\n]+')"""), None),
    Rule("uri_userinfo", re.compile(r"""\b(?:neo4j|bolt)(?:\+s|\+ssc)?://[^/\s:@"']+:(?P<v>[^@\s/"']+)@"""), None),
]


def scan(path: Path, text: str) -> list[str]:
    if path.suffix == ".ipynb":  # scan the cells' code and text, not the JSON around them
        import json

        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            cells = []
        sources = ["".join(c.get("source", [])) if isinstance(c.get("source"), list) else str(c.get("source", ""))
                   for c in cells]
        return [f"{path}: {f}" for f in scan(path.with_suffix(".py"), "\n".join(sources))]
    out = []
    for rule in RULES:
        if rule.suffixes is not None and path.suffix.lower() not in rule.suffixes and path.name != ".env":
            continue
        out += [f"{path}:{line}: {rule.name}: {snippet}" for line, snippet in rule.findings(text)]
    return out


def _repo_files() -> list[Path]:
    try:
        names = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                               capture_output=True, check=True, timeout=60).stdout.decode("utf-8").split("\0")
        files = [ROOT / n for n in names if n]
    except (OSError, subprocess.CalledProcessError):  # not a git checkout: walk it
        skip = {".git", ".venv", "node_modules", "out", "build", "dist", ".hypothesis", ".pytest_cache"}
        files = [p for p in ROOT.rglob("*") if p.is_file() and not skip & set(p.relative_to(ROOT).parts)]
    return [p for p in files if p.is_file() and p.resolve() != SELF]


# ---- the scanner itself can find things --------------------------------------------------------------

@pytest.mark.parametrize("name, text, found", [
    ("run.sh", "export NEO4J_PASSWORD=hunter2\n", True),
    ("run.sh", "export NEO4J_PASSWORD=…   # or --password\n", False),
    ("docs.md", "set `NEO4J_PASSWORD=` in the environment\n", False),
    ("run.sh", "NEO4J_PASSWORD=$NEO4J_PASSWORD pytest\n", False),
    ("README.md", "NEO4J_PASSWORD=<your password> graphkit neo4j push out\n", False),
    ("docker-compose.yml", "    environment:\n      NEO4J_AUTH: neo4j/letmein123\n", True),
    ("docker-compose.yml", "      NEO4J_AUTH: none\n", False),
    ("settings.yaml", "neo4j:\n  password: s3cret\n", True),
    ("settings.yaml", "neo4j:\n  password: ${NEO4J_PASSWORD}\n", False),
    ("config.json", '{"neo4j": {"password": "s3cret"}}', True),
    ("pyproject.toml", 'password = "s3cret"\n', True),
    (".env", "PASSWORD=abc\n", True),
    ("conn.py", 'driver = GraphDatabase.driver(uri, auth=("neo4j", "s3cret"))\n', True),
    ("conn.py", 'driver = GraphDatabase.driver(uri, auth=(user, password))\n', False),
    ("conn.py", 'connect(uri, user, password="s3cret")\n', True),
    ("conn.py", 'connect(uri, user, password="dummy")  # pragma: allowlist secret\n', False),
    ("conn.py", 'connect(uri, user, password=os.environ["NEO4J_PASSWORD"])\n', False),
    ("conn.py", 'pw = os.environ.get("NEO4J_PASSWORD", "s3cret")\n', True),
    ("conn.py", 'pw = os.environ.get("NEO4J_PASSWORD", "")\n', False),
    ("nb.ipynb", '{"cells": [{"source": ["drv = connect(uri, user, password=\\"s3cret\\")"]}]}', True),
    ("nb.ipynb", '{"cells": [{"source": ["password=os.environ.get(\\"NEO4J_PASSWORD\\", \\"\\")"]}]}', False),
    ("notes.md", "graphkit neo4j push out --uri neo4j+s://neo4j:s3cret@db.example.org\n", True),
    ("notes.md", "graphkit neo4j push out --uri neo4j+s://db.example.org:7687\n", False),
])
def test_scanner_finds_password_settings(name: str, text: str, found: bool) -> None:
    assert bool(scan(Path(name), text)) is found


# ---- the repository ---------------------------------------------------------------------------------

def test_no_credentials_in_repository_files() -> None:
    files = _repo_files()
    assert len(files) > 20
    findings = []
    for p in files:
        if p.name == ".env" or p.suffix == ".env":
            findings.append(f"{p}: a .env file is tracked")
            continue
        try:
            text = p.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue  # binary files (parquet, xlsx, images)
        findings += scan(p.relative_to(ROOT), text)
    assert not findings, "password-looking settings in the repository:\n" + "\n".join(findings)


# ---- the CLI takes credentials from options, environment or prompt and never prints them ------------------

SECRET = "Zq7-never-print-me"


@pytest.fixture(scope="module")
def graph_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("cred")
    base(d / "ledgers", pairs=PAIRS)
    return gk.write_graph(gk.build_graph(d / "ledgers"), d / "out")


def _push(args: list[str], env: dict[str, str] | None = None, input: str | None = None):  # noqa: ANN202
    return CliRunner().invoke(cli, ["neo4j", "push", *args], env={"NEO4J_PASSWORD": None, "NEO4J_URI": None, **(env or {})},
                              input=input)


@pytest.mark.parametrize("uri", ["bolt://127.0.0.1:9", "bolt+s://127.0.0.1:9", "neo4j+s://127.0.0.1:9"])
def test_password_option_is_never_printed_and_tls_uris_are_accepted(graph_out: Path, uri: str) -> None:
    r = _push([str(graph_out), "--uri", uri, "--password", SECRET])
    assert r.exit_code == 1, r.output
    text = r.output + r.stderr
    assert SECRET not in text
    assert "Traceback" not in text
    assert "无法连接" in text and "invalid" not in text.lower(), text  # the scheme was accepted; the server is absent


def test_password_from_environment_is_never_printed(graph_out: Path) -> None:
    r = _push([str(graph_out), "--uri", "bolt://127.0.0.1:9"], env={"NEO4J_PASSWORD": SECRET})
    assert r.exit_code == 1
    assert SECRET not in r.output + r.stderr
    assert "无法连接" in r.stderr


def test_missing_password_without_terminal_is_a_clear_error(graph_out: Path) -> None:
    r = _push([str(graph_out), "--uri", "bolt://127.0.0.1:9"])
    assert r.exit_code == 1
    assert "NEO4J_PASSWORD" in r.stderr and "Traceback" not in r.stderr


def test_help_shows_no_password_default() -> None:
    r = CliRunner().invoke(cli, ["neo4j", "push", "--help"], env={"NEO4J_PASSWORD": SECRET})
    assert r.exit_code == 0
    assert SECRET not in r.output


def test_password_inside_the_uri_is_never_printed(graph_out: Path) -> None:
    r = _push([str(graph_out), "--uri", f"neo4j+s://neo4j:{SECRET}@127.0.0.1:9", "--password", "x"])
    assert r.exit_code == 1
    assert SECRET not in r.output + r.stderr
