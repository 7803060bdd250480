"""Every user input checked before any run: one message naming file, field and what is
allowed, exit status 2, no traceback, nothing written (issue 16).

The command line runs in this process (typer's CliRunner) for speed; a few cases run
as a real subprocess, as a user would.
"""

import socket
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.spec import Experiment, load_experiment
from sim.scenario import Scenario, ScenarioError
from tests.conftest import ROOT, SMALL


def sezsim(*args: object) -> tuple[int, str]:
    """Run the command line in this process; a Python exception fails the test."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def assert_user_error(code: int, output: str, *needles: str) -> None:
    assert code == 2, output
    assert "Traceback" not in output
    for needle in needles:
        assert needle in output, f"{needle!r} not in:\n{output}"


def experiment_file(tmp_path: Path, **fields) -> Path:
    data = {"name": "t", "scenario": str(SMALL), "replications": 1, "until": 2012, **fields}
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


# ------------------------------------------------------------------ experiment files
EXPERIMENT_CASES = {
    "unknown parameter in fixed": (
        {"fixed": {"warp_speed": 3}},
        ["fixed.warp_speed", "unknown parameter; allowed: sigma,"],
    ),
    "misspelled dotted path in fixed": (
        {"fixed": {"sectors.metl.world_demand": 5}},
        ["fixed.sectors.metl.world_demand", "no item 'metl'; items: metal, machines"],
    ),
    "misspelled field under a dotted path": (
        {"fixed": {"parameters.sigmaa": 5}},
        ["fixed.parameters.sigmaa", "unknown field; allowed fields here: sigma,"],
    ),
    "wrong type in fixed": (
        {"fixed": {"sigma": "four"}},
        ["fixed.sigma", "valid number", "allowed: [1.05, 20.0]"],
    ),
    "unknown parameter in the design": (
        {"design": {"type": "grid", "parameters": {"warp": {"values": [1]}}}},
        ["design.parameters.warp", "unknown parameter; allowed: sigma,"],
    ),
    "wrong type in design values": (
        {"design": {"type": "grid", "parameters": {"entry_rate": {"values": [0.1, "x"]}}}},
        ["design.parameters.entry_rate.values[1]", "valid number"],
    ),
    "design bounds outside the parameter's range": (
        {
            "design": {
                "type": "latin_hypercube",
                "parameters": {"sigma": {"low": 0.5, "high": 30}},
            }
        },
        [
            "design.parameters.sigma.low: Input should be greater than 1.05",
            "design.parameters.sigma.high: Input should be less than or equal to 20",
        ],
    ),
    "sampled design over an integer field": (
        {
            "design": {
                "type": "latin_hypercube",
                "parameters": {"sezs.zone1.initial_participants": {"low": 1, "high": 4}},
            }
        },
        ["design.parameters.sezs.zone1.initial_participants", "valid integer"],
    ),
    "a fixed value that breaks a cross-check": (
        {"fixed": {"sigma": 1.1}},
        ["fixed.sigma", "labour_share", "1 - 1/sigma"],
    ),
    "until before the scenario": ({"until": 1900}, ["until: 1900", "allowed: 2010-2030"]),
    "until after the scenario": ({"until": 2200}, ["until: 2200", "allowed: 2010-2030"]),
    "synergy years outside the run": (
        {"until": 2020, "years": [1990, 2030]},
        ["years[0]: 1990", "years[1]: 2030", "allowed: 2010-2020"],
    ),
    "analysis year outside the scenario": (
        {"analysis": {"year": 2200}},
        ["analysis.year: 2200", "allowed: 2010-2012"],
    ),
    "analysis name not in its scope": (
        {"analysis": {"scope": "region", "name": "narnia"}},
        ["analysis.name", "allowed: north, south, west"],
    ),
    "unknown top-level key": (
        {"replicatons": 3},
        ["1 problem(s)", "replicatons: unknown field; allowed fields here: name, description"],
    ),
    "unknown key under design": (
        {"design": {"type": "grid", "sampels": 3, "parameters": {"sigma": {"values": [3]}}}},
        ["1 problem(s)", "design.sampels", "allowed fields here: type, parameters, samples"],
    ),
    "unknown key under a design parameter": (
        {"design": {"type": "grid", "parameters": {"sigma": {"values": [3], "step": 1}}}},
        ["design.parameters.sigma.step", "allowed fields here: low, high, values"],
    ),
}


@pytest.mark.parametrize("case", list(EXPERIMENT_CASES), ids=list(EXPERIMENT_CASES))
def test_bad_experiment_file_is_one_message_per_problem(tmp_path, case):
    fields, needles = EXPERIMENT_CASES[case]
    path = experiment_file(tmp_path, **fields)
    out = tmp_path / "out"
    code, output = sezsim("experiment", path, "--out", out)
    assert_user_error(code, output, str(path), *needles)
    assert not out.exists()  # refused before any run: nothing written


def test_unknown_top_level_key_lists_the_experiment_fields_not_the_scenario_fields(tmp_path):
    path = experiment_file(tmp_path, regions=[])
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    assert len(info.value.problems) == 1
    ((field, message),) = info.value.problems
    assert field == "regions" and ", ".join(Experiment.model_fields) in message
    assert "start_year" not in message  # a Scenario field


def test_every_problem_of_a_file_is_reported_at_once(tmp_path):
    path = experiment_file(
        tmp_path, until=1900, fixed={"warp": 1, "sigma": "x"}, analysis={"year": 2300}
    )
    with pytest.raises(ScenarioError) as info:
        load_experiment(path)
    fields = [f for f, _ in info.value.problems]
    assert fields == ["fixed.warp", "fixed.sigma", "until", "analysis.year"]


NOT_A_MAPPING = {"a list": "- 1\n- 2\n", "a number": "42\n", "empty": "", "a string": "hello\n"}


@pytest.mark.parametrize("text", list(NOT_A_MAPPING.values()), ids=list(NOT_A_MAPPING))
@pytest.mark.parametrize("command", ["experiment", "validate", "run", "compare", "calibrate"])
def test_a_file_that_is_not_a_mapping_is_one_message(tmp_path, command, text):
    path = tmp_path / "file.yaml"
    path.write_text(text)
    code, output = sezsim(command, path)
    assert_user_error(code, output, str(path), "expected a mapping")


@pytest.mark.parametrize("command", ["experiment", "validate", "run", "compare", "calibrate"])
def test_binary_garbage_is_one_message(tmp_path, command):
    path = tmp_path / "garbage.yaml"
    path.write_bytes(bytes(range(256)) * 4)
    r = subprocess.run(
        [sys.executable, "-m", "sim", command, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert str(path) in r.stderr and "not a UTF-8 text file" in r.stderr


def test_binary_garbage_as_the_experiments_scenario(tmp_path):
    scenario = tmp_path / "scenario.yaml"
    scenario.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))
    code, output = sezsim("experiment", experiment_file(tmp_path, scenario=str(scenario)))
    assert_user_error(code, output, str(scenario), "not a UTF-8 text file")


def test_an_impossible_date_in_yaml_is_one_message(tmp_path):
    path = tmp_path / "date.yaml"
    path.write_text("name: t\nwhen: 2020-13-45\n")
    code, output = sezsim("validate", path)
    assert_user_error(code, output, str(path), "malformed YAML")


def test_a_folder_given_as_a_file(tmp_path):
    code, output = sezsim("validate", tmp_path)
    assert_user_error(code, output, str(tmp_path), "not a file")


# ------------------------------------------------------------------ options
OPTION_CASES = {
    "run --seed -1": (["run", SMALL, "--seed", "-1"], ["'--seed'", "greater than or equal to 0"]),
    "run --every 0": (["run", SMALL, "--every", "0"], ["'--every'", "greater than or equal to 1"]),
    "run --until 2100": (["run", SMALL, "--until", "2100"], ["--until", "2010-2030"]),
    "run --set with bad YAML": (["run", SMALL, "--set", "sigma=[1"], ["sigma=[1", "not valid"]),
    "compare --years abc": (["compare", SMALL, "--years", "abc"], ["--years", "'abc'"]),
    "compare --years 1900,2030": (
        ["compare", SMALL, "--years", "1900,2030"],
        ["--years", "1900", "allowed: 2010-2030"],
    ),
    "compare --years beyond --until": (
        ["compare", SMALL, "--until", "2015", "--years", "2020"],
        ["--years", "2020", "allowed: 2010-2015"],
    ),
    "compare --until 1999": (["compare", SMALL, "--until", "1999"], ["--until", "1999"]),
    "compare --seed -3": (["compare", SMALL, "--seed", "-3"], ["--seed"]),
    "compare --policies": (["compare", SMALL, "--policies", "merge,laissez"], ["--policies"]),
    "compare --backend": (["compare", SMALL, "--backend", "slurm"], ["unknown backend"]),
    "experiment --backend local --scheduler": (
        ["experiment", ROOT / "experiments" / "merge_vs_no_merge.yaml", "--scheduler", "tcp://x:1"],
        ["--scheduler needs --backend dask"],
    ),
}


@pytest.mark.parametrize("case", list(OPTION_CASES), ids=list(OPTION_CASES))
def test_bad_option_names_the_option(tmp_path, case):
    args, needles = OPTION_CASES[case]
    code, output = sezsim(*args, "--out", tmp_path / "out")
    assert_user_error(code, output, *needles)
    assert not (tmp_path / "out" / "manifest.json").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["run", SMALL, "--until", "2011"],
        ["compare", SMALL, "--replications", "1", "--until", "2011"],
        ["experiment", "EXP"],
        ["calibrate", ROOT / "experiments" / "calibrate_kazakhstan.yaml"],
        ["posterior", ROOT / "experiments" / "calibrate_kazakhstan.yaml"],
    ],
    ids=lambda c: c[0],
)
@pytest.mark.parametrize("where", ["is a file", "under the file"])
def test_out_that_cannot_be_a_folder(tmp_path, command, where):
    blocker = tmp_path / "blocker"
    blocker.write_text("not a folder")
    out = blocker if where == "is a file" else blocker / "sub" / "out"
    args = [experiment_file(tmp_path) if a == "EXP" else a for a in command]
    code, output = sezsim(*args, "--out", out)
    assert_user_error(code, output, "--out", str(out), where)
    assert blocker.read_text() == "not a folder"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_scheduler_pointing_at_nothing_fails_fast_with_one_message(tmp_path):
    out = tmp_path / "out"
    r = subprocess.run(
        [
            sys.executable,
            "-m",
            "sim",
            "experiment",
            str(experiment_file(tmp_path)),
            "--backend",
            "dask",
            "--scheduler",
            f"tcp://127.0.0.1:{_closed_port()}",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr and r.stderr.count("error:") == 1
    assert "--scheduler: no Dask scheduler answered" in r.stderr
    assert not out.exists()


def test_results_of_something_that_is_not_a_store(tmp_path):
    code, output = sezsim("results", tmp_path)
    assert_user_error(code, output, "not a results store")
    (tmp_path / "manifest.json").write_text("{}")
    code, output = sezsim("results", tmp_path)
    assert_user_error(code, output, "not a results store's manifest")


# ------------------------------------------------------------------ properties
FIELDS = sorted({*Experiment.model_fields, *Scenario.model_fields, "targets", "free"})
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
documents = st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), values, max_size=6)
FILE_COMMANDS = ["validate", "run", "compare", "experiment", "calibrate"]

PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(data=st.binary(max_size=400) | documents.map(lambda d: yaml.safe_dump(d).encode()))
def test_any_file_gives_exit_0_or_2_and_never_a_traceback(tmp_path, data):
    path = tmp_path / "input.yaml"
    path.write_bytes(data)
    for command in FILE_COMMANDS:
        out = [] if command == "validate" else ["--out", tmp_path / "never"]
        code, output = sezsim(command, path, *out)
        assert code in (0, 2), f"{command}: exit {code}\n{output}"
        assert "Traceback" not in output


@PROPERTY
@given(fields=documents)
def test_any_experiment_over_a_real_scenario_loads_or_is_a_scenario_error(tmp_path, fields):
    """Random fields next to a valid name and scenario: checked, never a crash."""
    path = tmp_path / "exp.yaml"
    path.write_text(yaml.safe_dump({**fields, "name": "t", "scenario": str(SMALL)}))
    try:
        load_experiment(path)
    except ScenarioError as err:
        assert err.problems and all(isinstance(m, str) and m for _, m in err.problems)


@PROPERTY
@given(data=st.binary(max_size=2000))
def test_any_manifest_bytes_give_one_message(tmp_path, data):
    (tmp_path / "manifest.json").write_bytes(data)
    code, output = sezsim("results", tmp_path)
    assert code == 2 and "Traceback" not in output, output


@PROPERTY
@given(text=st.text(max_size=30))
def test_any_set_option_gives_exit_0_or_2(tmp_path, text):
    code, output = sezsim("run", SMALL, "--until", "2010", "--set", text)
    assert code in (0, 2) and "Traceback" not in output, output


@PROPERTY
@given(text=st.text(max_size=20).filter(lambda t: not t.startswith("-")))
def test_any_years_option_is_checked_before_running(tmp_path, text):
    out = tmp_path / "out"
    args = ["--replications", "1", "--workers", "1", "--until", "2010", "--out", out]
    code, output = sezsim("compare", SMALL, "--years", text, *args)
    assert code in (0, 2) and "Traceback" not in output, output
    if code == 2:  # refused before anything ran
        assert "--years" in output and not out.exists(), output


# ------------------------------------------------------------------ the docs' examples
def _example_after(text: str, marker: str) -> str:
    """The first fenced block after ``marker`` in a Markdown text."""
    block = text[text.index(marker) :].split("```", 2)[1]
    return " ".join(block.split())


def test_the_readme_example_error_is_what_sezsim_prints(tmp_path):
    scenario = (ROOT / "scenarios" / "kazakhstan.yaml").read_text()
    assert "  region: karaganda\n" in scenario
    folder = tmp_path / "scenarios"
    folder.mkdir()
    broken = scenario.replace("  region: karaganda\n", "  region: karagandy\n", 1)
    (folder / "broken.yaml").write_text(broken)
    r = subprocess.run(
        [sys.executable, "-m", "sim", "validate", "scenarios/broken.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 2
    readme = (ROOT / "README.md").read_text()
    assert _example_after(readme, "(`sezsim validate scenarios/broken.yaml`)") in " ".join(
        r.stderr.split()
    )


def test_the_experiments_page_example_error_is_what_sezsim_prints(tmp_path):
    (tmp_path / "exp.yaml").write_text(
        yaml.safe_dump(
            {
                "name": "t",
                "scenario": str(SMALL),
                "until": 1900,
                "fixed": {"sigma": "four", "sectors.metl.world_demand": 5},
            },
            sort_keys=False,
        )
    )
    r = subprocess.run(
        [sys.executable, "-m", "sim", "experiment", "exp.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    page = (ROOT / "docs" / "experiments.md").read_text()
    assert r.returncode == 2
    assert _example_after(page, "Example: `sezsim experiment exp.yaml`") == " ".join(
        r.stderr.split()
    )
