"""Smoke test of the benchmark suite: ``sezsim bench --quick --json`` works (no timings)."""

import json
import subprocess
import sys

import pytest

from sim.bench import TARGETS, BareKernel, initial_firms, scaled_scenario
from sim.model import SEZClusterModel


def test_scaled_scenario_has_the_requested_number_of_firms():
    for n in (1_000, 20_000):
        assert initial_firms(scaled_scenario(n)) == pytest.approx(n, rel=0.01)


def test_bare_kernel_reproduces_the_model_arrays():
    spec = scaled_scenario(2_000)
    model = SEZClusterModel(spec, rng=3).run(spec.start_year + 4)
    kernel = BareKernel(spec, rng=3).run(spec.start_year + 4)
    for column in ("alive", "region", "sez", "turnover", "capital", "knowledge"):
        assert (model.firms.view(column) == kernel.firms.view(column)).all(), column
    assert len(kernel.agents) < 50 < len(model.agents)  # no Firm agents in the kernel


@pytest.mark.slow
def test_bench_quick_writes_json_with_every_measurement(tmp_path):
    path, png = tmp_path / "bench.json", tmp_path / "plots" / "scaling.png"
    done = subprocess.run(
        [sys.executable, "-m", "sim", "bench", "--quick", "--json", str(path), "--plot", str(png)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "targets" in done.stdout
    out = json.loads(path.read_text())
    assert out["quick"] is True
    for key in (
        "throughput", "boltzmann", "overhead", "memory", "single_run", "sweep", "compile",
        "decompose",
    ):  # fmt: skip
        assert out[key], key
    assert out["decompose"]["runs"] == 16 * 2 and out["decompose"]["failed"] == 0
    assert out["compile"]["cold_first_year_s"] > 0 and out["compile"]["warm_first_year_s"] > 0
    assert {r["backend"] for r in out["sweep"]} == {"local", "dask"}
    assert all(r["failed"] == 0 for r in out["sweep"])
    assert out["overhead"]["kernel_matches_model"]
    assert set(TARGETS) <= set(out["summary"])
    for row in out["throughput"]:
        assert row["firm_steps_per_s"] > 0 and row["firm_steps"] > 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
