"""The results store: Parquet batches plus a manifest, crash-safe and resumable.

Layout of an experiment's output folder (docs/experiments.md)::

    manifest.json            the experiment, its scenario and code hashes, the run count
    results/batch-000000.parquet   indicator rows: run x year x scope (x name)
    runs/batch-000000.parquet      one row per run: status, error, seconds, seed, ...

A batch is committed by writing both files under temporary names, flushing them to
disk, and renaming them into place (``os.replace`` is atomic on POSIX), results first.
A run counts as done only when it appears in a ``runs/`` file; a ``results/`` file
without its ``runs/`` twin (a crash between the two renames) is an orphan and is removed
on resume, so a resumed sweep never duplicates or loses a run.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.runs import RunResult, RunTask

__all__ = ["ResultStore", "StoreError"]


class StoreError(Exception):
    """The output folder cannot be used as asked (e.g. exists without --resume)."""


def _atomic_write(frame: pd.DataFrame, path: Path) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False)
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)


class ResultStore:
    """One experiment's output folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.results_dir = self.root / "results"
        self.runs_dir = self.root / "runs"
        self.manifest_path = self.root / "manifest.json"

    # ----------------------------------------------------------------- lifecycle
    def create(self, manifest: dict[str, Any], resume: bool) -> None:
        """Start a new store, or reopen one to resume (checking it is the same experiment)."""
        if self.manifest_path.exists():
            if not resume:
                raise StoreError(
                    f"{self.root} already holds results; pass --resume to complete them "
                    "or choose another --out"
                )
            old = json.loads(self.manifest_path.read_text())
            for key in ("experiment", "scenario_version", "code_version"):
                if old.get(key) != manifest.get(key):
                    raise StoreError(
                        f"{self.root}: --resume with a different {key.replace('_', ' ')} "
                        "than the stored one; use a new --out"
                    )
            self.remove_orphans()
            return
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        tmp = self.manifest_path.with_name(".manifest.json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str))
        os.replace(tmp, self.manifest_path)

    def remove_orphans(self) -> list[Path]:
        """Delete result batches whose run table was never committed, and temp files."""
        removed = []
        committed = {p.name for p in self.runs_dir.glob("batch-*.parquet")}
        for p in self.results_dir.glob("batch-*.parquet"):
            if p.name not in committed:
                p.unlink()
                removed.append(p)
        for p in [*self.results_dir.glob(".*.tmp"), *self.runs_dir.glob(".*.tmp")]:
            p.unlink()
            removed.append(p)
        return removed

    def erase(self) -> None:
        """Delete a store this package created (it must hold a manifest)."""
        import shutil

        if not self.manifest_path.exists():
            raise StoreError(f"{self.root} is not a results store (no manifest.json)")
        shutil.rmtree(self.results_dir, ignore_errors=True)
        shutil.rmtree(self.runs_dir, ignore_errors=True)
        self.manifest_path.unlink()

    def manifest(self) -> dict[str, Any]:
        """The stored manifest."""
        return json.loads(self.manifest_path.read_text())

    # ----------------------------------------------------------------- writing
    def _next_batch(self) -> int:
        names = [p.stem for p in self.runs_dir.glob("batch-*.parquet")]
        names += [p.stem for p in self.results_dir.glob("batch-*.parquet")]
        return 1 + max((int(n.split("-")[1]) for n in names), default=-1)

    def commit(self, results: Iterable[RunResult], tasks: dict[str, RunTask]) -> int:
        """Commit a batch of finished runs atomically; returns the batch number."""
        results = list(results)
        if not results:
            return -1
        batch = self._next_batch()
        name = f"batch-{batch:06d}.parquet"
        frames = [r.frame for r in results if r.frame is not None]
        rows = pd.concat(frames, ignore_index=True) if frames else None
        runs = pd.DataFrame(
            [
                {
                    "run_id": r.run_id,
                    "status": r.status,
                    "error": r.error,
                    "seconds": r.seconds,
                    "point": tasks[r.run_id].point,
                    "policy": tasks[r.run_id].policy,
                    "replication": tasks[r.run_id].replication,
                    "seed": tasks[r.run_id].seed,
                    "params": json.dumps(tasks[r.run_id].params, sort_keys=True),
                    "batch": batch,
                }
                for r in results
            ]
        )
        if rows is not None:
            # Each row names the scenario file and code that produced it (also in manifest).
            man = self.manifest() if self.manifest_path.exists() else {}
            at = rows.columns.get_loc("seed") + 1 if "seed" in rows.columns else len(rows.columns)
            rows.insert(at, "code_version", man.get("code_version", ""))
            rows.insert(at, "scenario_version", man.get("scenario_version", ""))
            _atomic_write(rows, self.results_dir / name)
        _atomic_write(runs, self.runs_dir / name)
        return batch

    # ----------------------------------------------------------------- reading
    def runs(self) -> pd.DataFrame:
        """Every committed run (ok and failed), sorted by run id."""
        files = sorted(self.runs_dir.glob("batch-*.parquet"))
        if not files:
            return pd.DataFrame(
                columns=[
                    "run_id",
                    "status",
                    "error",
                    "seconds",
                    "point",
                    "policy",
                    "replication",
                    "seed",
                    "params",
                    "batch",
                ]
            )
        frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)

    def done(self) -> set[str]:
        """Ids of committed runs (a failed run is done too: it is recorded, not retried)."""
        return set(self.runs()["run_id"])

    def results(self) -> pd.DataFrame:
        """All indicator rows of committed runs, in a canonical order."""
        committed = {p.name for p in self.runs_dir.glob("batch-*.parquet")}
        files = sorted(p for p in self.results_dir.glob("batch-*.parquet") if p.name in committed)
        if not files:
            return pd.DataFrame()
        frame = pd.concat([pd.read_parquet(p) for p in files], ignore_index=True)
        keys = ["run_id", "year", "scope", "name"]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)
