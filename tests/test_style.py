"""The code stays ruff-clean (lint and format), as STYLE.md asks."""

import shutil
import subprocess
import sys

import pytest

from tests.conftest import ROOT


def _ruff():
    exe = shutil.which("ruff", path=str(ROOT / ".venv" / "bin")) or shutil.which("ruff")
    return [exe] if exe else [sys.executable, "-m", "ruff"]


@pytest.mark.parametrize("args", [["check", "sim", "tests"], ["format", "--check", "sim", "tests"]])
def test_ruff_clean(args):
    r = subprocess.run(_ruff() + args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
