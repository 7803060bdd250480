"""The Shapley decomposition of the synergy by channel (sim/experiments/decompose.py)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.decompose import (
    coalitions,
    decomposition_experiment,
    decomposition_table,
    shapley_values,
)
from sim.experiments.runner import run_experiment
from sim.parameters import CHANNELS


def test_shapley_values_are_efficient_symmetric_and_ignore_dummies():
    rng = np.random.default_rng(0)
    players = ("a", "b", "c", "d")
    values = {c: rng.normal(0, 1, 5) for c in coalitions(players)}
    values[()] = np.zeros(5)
    phi = shapley_values(values, players)
    assert np.allclose(sum(phi.values()), values[players])  # efficiency
    # An additive game: each player's value is its own contribution.
    own = {"a": 1.0, "b": -2.0, "c": 0.5, "d": 0.0}
    additive = {c: np.array([sum(own[p] for p in c)]) for c in coalitions(players)}
    phi = shapley_values(additive, players)
    assert all(phi[p][0] == pytest.approx(own[p]) for p in players)
    # A pure interaction of a and b is split equally between them; c, d are dummies.
    pair = {c: np.array([3.0 if {"a", "b"} <= set(c) else 0.0]) for c in coalitions(players)}
    phi = shapley_values(pair, players)
    assert phi["a"][0] == pytest.approx(1.5) == phi["b"][0]
    assert phi["c"][0] == 0.0 == phi["d"][0]


def test_coalitions_are_the_sixteen_arms():
    arms = coalitions(CHANNELS)
    assert len(arms) == 16 == len(set(arms))
    assert arms[0] == () and arms[-1] == CHANNELS
    assert set(arms) == {c for r in range(5) for c in itertools.combinations(CHANNELS, r)}


@pytest.mark.slow
def test_channel_contributions_add_up_to_the_synergy(tmp_path, small_path):
    exp = decomposition_experiment(
        str(small_path), replications=3, until=2016, indicators=["taxes", "turnover", "exports"]
    )
    outcome = run_experiment(exp, small_path, tmp_path / "store", workers=2)
    assert outcome.failed == 0
    results = outcome.store.results()
    table = decomposition_table(results, ["taxes", "turnover", "exports"], [2013, 2016])
    for (indicator, year), part in table.groupby(["indicator", "year"]):
        total = part.loc[part.channel == "total", "contribution"].item()
        channels = part.loc[part.channel != "total", "contribution"].sum()
        assert channels == pytest.approx(total, rel=1e-9, abs=1e-6), (indicator, year)
    # The total is merge through every channel minus the status quo (= no_merge).
    sel = results[(results.scope == "national") & (results.year == 2016)]
    full = sel[sel.param_merge_channels == "+".join(CHANNELS)].set_index("replication")
    none = sel[sel.param_merge_channels == "none"].set_index("replication")
    want = (full["taxes"] - none["taxes"]).mean()
    got = table.query("indicator == 'taxes' and year == 2016 and channel == 'total'")
    assert got["contribution"].item() == pytest.approx(want)
    assert (got["ci_low"] <= got["contribution"]).all() and (
        got["contribution"] <= got["ci_high"]
    ).all()


@pytest.mark.parametrize(
    "args, message",
    [
        (["--channels", "finance,magic"], "--channels: unknown channel 'magic'"),
        (["--indicators", "taxes,happiness"], "--indicators: unknown indicator 'happiness'"),
        (["--years", "1900"], "--years: 1900 is not simulated"),
        (["--years", "abc"], "--years: 'abc' is not a year"),
    ],
)
def test_decompose_rejects_unknown_names_in_one_line(small_path, tmp_path, args, message):
    result = CliRunner().invoke(app, ["decompose", str(small_path), "--out", str(tmp_path), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_decompose_overwrite_replaces_a_stale_store_and_refuses_with_resume(small_path, tmp_path):
    # A store of another code version is refused by --resume (nothing is lost) and
    # replaced by --overwrite; asking for both is a one-line error.
    out = tmp_path / "dec"
    args = ["decompose", str(small_path), "--out", str(out), "--replications", "2",
            "--years", "2013", "--indicators", "taxes", "--channels", "finance",
            "--workers", "1"]  # fmt: skip
    assert CliRunner().invoke(app, args).exit_code == 0
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["code_version"] = "older"
    (out / "manifest.json").write_text(json.dumps(manifest))
    stale = CliRunner().invoke(app, [*args, "--resume"])
    assert stale.exit_code == 2 and "different code version" in stale.output
    both = CliRunner().invoke(app, [*args, "--resume", "--overwrite"])
    assert both.exit_code == 2 and "choose one" in both.output
    fresh = CliRunner().invoke(
        app, [*args, "--overwrite", "--set", "agglomeration_elasticity=0.08"]
    )
    assert fresh.exit_code == 0, fresh.output
    # --set reaches every arm (the experiment's fixed overrides, kept in the manifest).
    kept = json.loads((out / "manifest.json").read_text())["experiment"]["fixed"]
    assert kept == {"agglomeration_elasticity": 0.08}
    assert json.loads((out / "manifest.json").read_text())["code_version"] != "older"
    assert (out / "decomposition.csv").exists()
