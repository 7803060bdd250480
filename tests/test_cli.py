"""The sezsim command line, run as a user would (a real subprocess)."""

import subprocess
import sys

import pandas as pd
import pytest

from tests.conftest import ROOT, SMALL


def sezsim(*args, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_run_prints_table_and_writes_parquet_and_csv(tmp_path):
    out = tmp_path / "out"
    r = sezsim(
        "run",
        SMALL,
        "--policy",
        "no_merge",
        "--seed",
        "3",
        "--until",
        "2015",
        "--set",
        "entry_rate=0.02",
        "--out",
        out,
    )
    assert r.returncode == 0, r.stderr
    assert "turnover" in r.stdout and "2015" in r.stdout
    pq = pd.read_parquet(out / "indicators.parquet")
    csv = pd.read_csv(out / "indicators.csv")
    assert pq["year"].max() == 2015 and len(pq) == len(csv)
    assert (out / "run.json").exists()


def test_run_is_reproducible_from_the_command_line(tmp_path):
    for name in ("a", "b"):
        assert (
            sezsim(
                "run", SMALL, "--seed", "9", "--until", "2014", "--out", tmp_path / name
            ).returncode
            == 0
        )
    a = pd.read_parquet(tmp_path / "a" / "indicators.parquet")
    b = pd.read_parquet(tmp_path / "b" / "indicators.parquet")
    pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_validate_ok():
    r = sezsim("validate", SMALL)
    assert r.returncode == 0 and "ok" in r.stdout


@pytest.mark.parametrize(
    "args",
    [
        ["validate", "tests/data/does_not_exist.yaml"],
        ["run", SMALL, "--policy", "laissez_faire"],
        ["run", SMALL, "--set", "sigma=abc"],
        ["run", SMALL, "--set", "bogus=1"],
        ["run", SMALL, "--until", "1990"],
    ],
)
def test_user_errors_exit_2_without_traceback(args):
    r = sezsim(*args)
    assert r.returncode == 2, r.stdout + r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert "error:" in r.stderr


def test_bad_scenario_file_message_names_the_field(tmp_path):
    p = tmp_path / "bad.yaml"
    p.write_text(
        SMALL.read_text().replace("opens: 2011, closes: 2025", "opens: 2030, closes: 2025")
    )
    r = sezsim("validate", p)
    assert r.returncode == 2
    assert "sezs[0](zone1)" in r.stderr and "cannot end before it starts" in r.stderr


def test_parameters_lists_every_parameter_with_its_source():
    r = sezsim("parameters", "--markdown")
    assert r.returncode == 0, r.stderr
    assert "| `sigma` | 4 |" in r.stdout
    assert r.stdout.count("\n| `") == len(
        __import__("sim.parameters").parameters.ModelParameters.model_fields
    )
