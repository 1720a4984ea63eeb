"""User errors are GraphkitError subclasses with a bilingual message; the CLI shows them without a traceback."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

import graphkit as gk
from graphkit.cli import cli
from graphkit.core.errors import InputError, SettingsError
from graphkit.core.settings import Settings

ROOT = Path(__file__).resolve().parent.parent


def test_synth_with_too_few_orgs_is_a_message_not_a_traceback(tmp_path: Path) -> None:
    out = tmp_path / "synth"
    r = CliRunner().invoke(cli, ["synth", "--orgs", "10", "-o", str(out)])
    assert r.exit_code == 1, r.output
    assert "至少为 50" in r.output and "at least 50, not 10" in r.output
    assert "Traceback" not in r.output and not isinstance(r.exception, InputError)  # handled: SystemExit(1)
    assert not out.exists() or not any(out.iterdir())  # nothing half-written


def test_synth_errors_are_graphkit_errors() -> None:
    from graphkit.ingest.synth import generate_tables

    with pytest.raises(InputError, match="unknown scale"):
        generate_tables(scale="planet")
    with pytest.raises(gk.GraphkitError, match="at least 50"):
        generate_tables(n_orgs=3)


def test_bad_settings_are_settings_errors() -> None:
    with pytest.raises(SettingsError, match="must be 'zh' or 'en'"), gk.override(lang="fr"):
        pass
    with pytest.raises(SettingsError, match="正整数"):
        Settings(max_per_strong=0)
    with pytest.raises(SettingsError, match="GRAPHKIT_SEED"):
        Settings.from_env({"GRAPHKIT_SEED": "seven"})
    assert issubclass(SettingsError, gk.GraphkitError) and issubclass(SettingsError, ValueError)


def test_bad_environment_variable_names_the_variable() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "GRAPHKIT_ROTATION_YEARS": "one"}
    res = subprocess.run([sys.executable, "-c", "import graphkit; graphkit.config.rotation_years"], capture_output=True,
                         text=True, env=env, cwd=ROOT, timeout=120, check=False)
    assert res.returncode != 0
    assert "SettingsError" in res.stderr and "GRAPHKIT_ROTATION_YEARS='one'" in res.stderr and "应为整数" in res.stderr
    # the CLI: the bilingual message, no traceback
    cli = subprocess.run([sys.executable, "-m", "graphkit.cli", "build", str(ROOT / "data" / "sample_county"), "-o",
                          str(ROOT / "no-such-parent" / "out")], capture_output=True, text=True, env=env, cwd=ROOT,
                         timeout=300, check=False)
    assert cli.returncode == 1, cli.stdout + cli.stderr
    text = cli.stdout + cli.stderr
    assert "GRAPHKIT_ROTATION_YEARS='one'" in text and "must be an integer" in text and "Traceback" not in text
