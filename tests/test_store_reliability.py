"""The results store under misuse and damage: kill -9, corrupted batches, concurrent writers.

Every test ends with the store equal to a clean run's, row for row and bit for bit, and
``sezsim results --verify`` accepting it. The sweep is small (the three-region test
scenario, 24 runs to 2020) so the suite stays within CI's time.
"""

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

from sim.cli import app
from sim.experiments.runner import run_experiment
from sim.experiments.spec import load_experiment
from sim.experiments.store import ResultStore, StoreLocked, _read_parquet, _write_parquet
from tests.conftest import ROOT, SMALL

RUNS = 24  # 2 design points x 2 policies x 6 replications
#: Columns of the run table that depend on timing or batching, not on the runs.
TIMING = ["seconds", "batch"]


@pytest.fixture(scope="module")
def sweep_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("sweep") / "sweep.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "name": "sweep",
                "scenario": str(SMALL),
                "policies": ["merge", "no_merge"],
                "replications": 6,
                "until": 2020,
                "design": {"type": "grid", "parameters": {"entry_rate": {"values": [0.03, 0.06]}}},
            }
        )
    )
    return path


@pytest.fixture(scope="module")
def clean(sweep_file, tmp_path_factory) -> Path:
    """An uninterrupted run of the sweep in this process, two runs per batch."""
    exp, scenario = load_experiment(sweep_file)
    out = tmp_path_factory.mktemp("clean") / "store"
    outcome = run_experiment(exp, scenario, out, workers=1, batch_size=2)
    assert outcome.completed == RUNS and outcome.failed == 0
    return out


def assert_same_store(store: Path, clean: Path) -> None:
    """Rows bit for bit, runs field for field (but timings), every run exactly once."""
    got, want = ResultStore(store), ResultStore(clean)
    pd.testing.assert_frame_equal(got.results(), want.results(), check_exact=True)
    runs = got.runs()
    assert runs["run_id"].is_unique and len(runs) == RUNS
    pd.testing.assert_frame_equal(
        runs.drop(columns=TIMING), want.runs().drop(columns=TIMING), check_exact=True
    )
    assert got.verify() == []


def sezsim(*args: object) -> tuple[int, str]:
    """The command line in this process (exit code, stdout + stderr)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "sim", *map(str, args)]


# ------------------------------------------------------------------ damage
def _truncate(path: Path, rng: random.Random) -> None:
    size = path.stat().st_size
    os.truncate(path, rng.randrange(1, size))


def _zero(path: Path, rng: random.Random) -> None:
    path.write_bytes(b"")


def _overwrite(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    count = min(5000, len(data) // 2)
    start = rng.randrange(0, len(data) - count)
    data[start : start + count] = rng.randbytes(count)
    path.write_bytes(bytes(data))


def _flip_one_byte(path: Path, rng: random.Random) -> None:
    data = bytearray(path.read_bytes())
    data[rng.randrange(len(data))] ^= 0x01
    path.write_bytes(bytes(data))


def _delete(path: Path, rng: random.Random) -> None:
    path.unlink()


DAMAGE = {
    "truncate": _truncate,
    "zero": _zero,
    "overwrite 5000 bytes": _overwrite,
    "flip one bit": _flip_one_byte,
    "delete": _delete,
}


@pytest.mark.parametrize("kind", ["results", "runs"])
@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_batch_is_named_quarantined_and_rerun(tmp_path, sweep_file, clean, damage, kind):
    store = tmp_path / "store"
    shutil.copytree(clean, store)
    rng = random.Random(f"{damage}-{kind}")
    batch = f"batch-{rng.randrange(12):06d}.parquet"
    victim = store / kind / batch
    original = victim.read_bytes()
    DAMAGE[damage](victim, rng)

    # Reading the store names the batch and exits 1; --verify too.
    for args in (["results", store], ["results", store, "--verify"]):
        code, output = sezsim(*args)
        assert code == 1 and batch in output and "Traceback" not in output, output

    exp, scenario = load_experiment(sweep_file)
    outcome = run_experiment(exp, scenario, store, workers=1, resume=True)
    assert [d.batch for d in outcome.quarantined] == [batch]
    assert outcome.completed == 2 and outcome.skipped == RUNS - 2
    assert_same_store(store, clean)
    # Moved aside, not deleted: the undamaged twin and the reason are kept.
    (moved,) = (store / "quarantine").iterdir()
    assert moved.name.startswith(batch.removesuffix(".parquet"))
    assert (moved / "reason.txt").read_text().strip()
    other = "runs" if kind == "results" else "results"
    assert (moved / f"{other}.parquet").read_bytes() == (clean / other / batch).read_bytes()
    if damage != "delete":
        assert (moved / f"{kind}.parquet").read_bytes() != original
    code, output = sezsim("results", store, "--verify")
    assert code == 0 and "24 ok, 0 failed, 0 missing of 24" in output, output


def test_uncommitted_batch_files_are_quarantined_and_their_runs_rerun(tmp_path, sweep_file, clean):
    """A writer killed after renaming a batch's files but before the manifest named it."""
    store = tmp_path / "store"
    shutil.copytree(clean, store)
    manifest = json.loads((store / "manifest.json").read_text())
    last = max(manifest["batches"])
    del manifest["batches"][last]
    (store / "manifest.json").write_text(json.dumps(manifest))
    (store / "results" / ".batch-000099.parquet.tmp").write_bytes(b"half a batch")
    code, output = sezsim("results", store, "--verify")
    assert code == 1 and f"results/{last}: not committed" in output
    code, output = sezsim("results", store)
    assert code == 0 and "22 ok, 0 failed, 2 missing of 24" in output, output

    exp, scenario = load_experiment(sweep_file)
    outcome = run_experiment(exp, scenario, store, workers=1, resume=True)
    assert [d.batch for d in outcome.quarantined] == [last] and outcome.completed == 2
    assert not list((store / "results").glob(".*.tmp"))
    assert_same_store(store, clean)


def test_parquet_page_checksums_catch_a_flipped_byte(tmp_path):
    frame = pd.DataFrame({"x": np.arange(2000) * 1.5, "y": np.arange(2000)})
    path = tmp_path / "t.parquet"
    _write_parquet(frame, path)
    pd.testing.assert_frame_equal(_read_parquet(path), frame)
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF  # inside the first column's first page
    path.write_bytes(bytes(data))
    with pytest.raises(OSError, match="CRC"):
        _read_parquet(path)


# ------------------------------------------------------------------ kill -9
def _committed_runs(out: Path) -> int:
    try:
        return len(ResultStore(out).runs())
    except Exception:  # no manifest yet, or read mid-replace of a file not yet committed
        return 0


def _kill_at_random_point(cmd: list[str], out: Path, rng: random.Random) -> int:
    """Start a sweep, kill -9 its whole process group a random while after a commit."""
    before = _committed_runs(out)
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    deadline = time.monotonic() + 180
    wanted = before + rng.randint(1, 2)
    while _committed_runs(out) < wanted:
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline, "no batch committed in time"
        time.sleep(0.02)
    # Anywhere: mid-run, mid-write, mid-commit. Short: on an idle machine a run of this
    # sweep takes a few hundredths of a second, and a longer wait let the whole sweep
    # finish before the kill.
    time.sleep(rng.uniform(0.0, 0.05))
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, "the sweep ended before it was killed"
    return _committed_runs(out)


@pytest.mark.slow
def test_kill_9_twice_at_random_points_then_resume_equals_a_clean_run(tmp_path, sweep_file, clean):
    out = tmp_path / "killed"
    cmd = cli("experiment", sweep_file, "--workers", "2", "--out", out)
    rng = random.Random(16)
    first = _kill_at_random_point(cmd, out, rng)
    second = _kill_at_random_point([*cmd, "--resume"], out, rng)
    assert 0 < first < second < RUNS
    done = subprocess.run([*cmd, "--resume"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert_same_store(out, clean)
    verify = subprocess.run(
        cli("results", out, "--verify"), cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert verify.returncode == 0, verify.stderr


# ------------------------------------------------------------------ concurrent writers
def test_a_second_writer_is_refused_and_named_the_holder(tmp_path, sweep_file):
    out = tmp_path / "store"
    with ResultStore(out).lock():
        r = subprocess.run(
            cli("experiment", sweep_file, "--resume", "--out", out),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        with pytest.raises(StoreLocked, match=f"pid {os.getpid()}"):
            with ResultStore(out).lock():
                pass
    assert r.returncode == 2, r.stderr
    assert f"pid {os.getpid()}" in r.stderr and "Traceback" not in r.stderr
    assert not (out / "manifest.json").exists()  # it wrote nothing
    with ResultStore(out).lock():  # released when the block ends
        pass


@pytest.mark.slow
def test_two_concurrent_resumes_store_every_run_once(tmp_path, sweep_file, clean):
    out = tmp_path / "raced"
    cmd = cli("experiment", sweep_file, "--workers", "1", "--resume", "--out", out)
    procs = [
        subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=300) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes) in ([0, 0], [0, 2]), outputs
    for proc, other, (_, err) in zip(procs, reversed(procs), outputs, strict=True):
        assert "Traceback" not in err
        if proc.returncode == 2:
            assert f"pid {other.pid}" in err, err
    assert_same_store(out, clean)
