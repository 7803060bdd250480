"""The results store: Parquet batches plus a manifest, crash-safe, checked and locked.

Layout of an experiment's output folder (docs/experiments.md)::

    manifest.json            the experiment, its scenario and code hashes, the run count,
                             and every committed batch with the sha256 of its files
    results/batch-000000.parquet   indicator rows: run x year x scope (x name)
    runs/batch-000000.parquet      one row per run: status, error, seconds, seed, ...
    quarantine/              damaged or uncommitted batches, moved aside (never deleted)
    .lock                    held (``flock``) by the one process writing the store

A batch is committed in three steps: its two files are written under temporary names
(with Parquet page checksums), flushed to disk and renamed into place (``os.replace``
is atomic on POSIX; the folder is flushed after each rename), then the manifest, which
records the sha256 of both files, is replaced the same way. A run counts as done only
when its batch is in the manifest *and* both files match their checksums. On resume,
files of a batch the manifest does not name (a crash before the manifest was replaced)
and batches whose files are missing, truncated or changed are moved to ``quarantine/``
and their runs are run again, so a resumed sweep never duplicates, loses or trusts a
damaged run.

Only one process may write a store: :meth:`ResultStore.lock` takes an exclusive
``flock`` on ``.lock`` (released by the kernel when the holder dies, even by
``kill -9``), and a second writer is refused with the holder's pid.
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.experiments.runs import RunResult, RunTask

__all__ = ["Damage", "ResultStore", "StoreError", "StoreLocked"]

#: Columns of a ``runs/`` table.
RUN_COLUMNS = [
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


#: Fields every manifest holds.
MANIFEST_KEYS = ("experiment", "scenario_file", "scenario_version", "code_version", "runs")


class StoreError(Exception):
    """The output folder cannot be used as asked (e.g. exists without --resume)."""


class StoreLocked(StoreError):
    """Another process is writing the store."""


@dataclass(frozen=True)
class Damage:
    """A batch that cannot be trusted, and why."""

    batch: str
    reason: str

    def __str__(self) -> str:
        return f"{self.batch}: {self.reason}"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync_dir(folder: Path) -> None:
    """Flush a folder's entries (a rename is durable only once its folder is flushed)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _replace_durably(tmp: Path, path: Path) -> None:
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _write_parquet(frame: pd.DataFrame, path: Path) -> tuple[str, int]:
    """Write a table atomically with page checksums; return the file's sha256 and size."""
    tmp = path.with_name(f".{path.name}.tmp")
    frame.to_parquet(tmp, index=False, write_page_checksum=True)
    digest, size = _sha256(tmp), tmp.stat().st_size
    _replace_durably(tmp, path)
    return digest, size


def _read_parquet(path: Path) -> pd.DataFrame:
    """Read a table, verifying every page's checksum."""
    return pd.read_parquet(path, page_checksum_verification=True)


class ResultStore:
    """One experiment's output folder."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.results_dir = self.root / "results"
        self.runs_dir = self.root / "runs"
        self.quarantine_dir = self.root / "quarantine"
        self.manifest_path = self.root / "manifest.json"
        self.lock_path = self.root / ".lock"

    # ----------------------------------------------------------------- lifecycle
    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the store's exclusive write lock (``flock``) for the ``with`` block.

        Raises:
            StoreLocked: another process holds it; the message names its pid.
            StoreError: the folder cannot be created (e.g. it lies under a file).
        """
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as err:
            raise StoreError(
                f"{self.root}: cannot create the store folder here ({err.strerror}); "
                "choose an --out that is, or can become, a folder"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as err:
            holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(fd)
            if err.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise StoreError(f"{self.root}: cannot lock the store ({err.strerror})") from None
            raise StoreLocked(
                f"{self.root} is being written by another sezsim process (pid {holder}); "
                "wait for it to finish (then --resume), or choose another --out"
            ) from None
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def create(self, manifest: dict[str, Any], resume: bool) -> list[Damage]:
        """Start a new store, or reopen one to resume (checking it is the same experiment).

        On resume, damaged and uncommitted batches are quarantined (see
        :meth:`recover`); call this while holding :meth:`lock`.

        Returns:
            The batches moved to quarantine (empty for a new or healthy store).
        """
        if self.manifest_path.exists():
            if not resume:
                raise StoreError(
                    f"{self.root} already holds results; pass --resume to complete them "
                    "or choose another --out"
                )
            old = self.manifest()
            for key in ("experiment", "scenario_version", "code_version"):
                if old.get(key) != manifest.get(key):
                    raise StoreError(
                        f"{self.root}: --resume with a different {key.replace('_', ' ')} "
                        "than the stored one; use a new --out"
                    )
            return self.recover()
        self.results_dir.mkdir(parents=True, exist_ok=True)
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self._write_manifest({**manifest, "batches": {}})
        return []

    def recover(self) -> list[Damage]:
        """Quarantine what cannot be trusted, so its runs are run again.

        Deletes temporary files (writes that never finished), and moves to
        ``quarantine/`` the files of batches the manifest does not name (a crash
        before the commit finished) and of committed batches that are missing, changed
        or unreadable. Their entries leave the manifest.

        Returns:
            Each batch moved aside, with the reason.
        """
        for p in [*self.results_dir.glob(".*.tmp"), *self.runs_dir.glob(".*.tmp")]:
            p.unlink()
        man = self.manifest()
        batches = man.get("batches")
        if batches is None:  # written before checksums: nothing to check against
            return []
        found = self.check_batches(deep=True)
        for name in {*self._files_named("results"), *self._files_named("runs")} - set(batches):
            found.append(Damage(name, "not committed (the writer stopped before the manifest)"))
        for damage in found:
            self._quarantine(damage)
            batches.pop(damage.batch, None)
        if found:
            self._write_manifest(man)
        return found

    def erase(self) -> None:
        """Delete a store this package created (it must hold a manifest)."""
        if not self.manifest_path.exists():
            raise StoreError(f"{self.root} is not a results store (no manifest.json)")
        shutil.rmtree(self.results_dir, ignore_errors=True)
        shutil.rmtree(self.runs_dir, ignore_errors=True)
        shutil.rmtree(self.quarantine_dir, ignore_errors=True)
        self.manifest_path.unlink()

    def manifest(self) -> dict[str, Any]:
        """The stored manifest."""
        try:
            man = json.loads(self.manifest_path.read_bytes())
        except FileNotFoundError:
            raise StoreError(f"{self.root}: not a results store (no manifest.json)") from None
        except (OSError, ValueError) as err:
            raise StoreError(
                f"{self.manifest_path}: not a results store's manifest (unreadable: {err})"
            ) from None
        missing = [k for k in MANIFEST_KEYS if not isinstance(man, dict) or k not in man]
        if missing or not isinstance(man.get("batches", {}), dict):
            raise StoreError(
                f"{self.manifest_path}: not a results store's manifest (missing or wrong: "
                f"{', '.join(missing) or 'batches'})"
            )
        return man

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        tmp = self.manifest_path.with_name(".manifest.json.tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=str))
        _replace_durably(tmp, self.manifest_path)

    def _files_named(self, kind: str) -> dict[str, Path]:
        folder = self.results_dir if kind == "results" else self.runs_dir
        return {p.name: p for p in folder.glob("batch-*.parquet")}

    def _quarantine(self, damage: Damage) -> Path:
        """Move a batch's files to ``quarantine/<batch>.<k>/`` with a note of why."""
        self.quarantine_dir.mkdir(exist_ok=True)
        stem = damage.batch.removesuffix(".parquet")
        k = 0
        while (self.quarantine_dir / f"{stem}.{k}").exists():
            k += 1
        target = self.quarantine_dir / f"{stem}.{k}"
        target.mkdir()
        for kind in ("results", "runs"):
            src = self._files_named(kind).get(damage.batch)
            if src is not None:
                os.replace(src, target / f"{kind}.parquet")
                _fsync_dir(src.parent)
        (target / "reason.txt").write_text(f"{damage.reason}\n")
        _fsync_dir(self.quarantine_dir)
        return target

    # ----------------------------------------------------------------- writing
    def _next_batch(self) -> int:
        names = list(self.manifest().get("batches") or {})
        names += [*self._files_named("runs"), *self._files_named("results")]
        return 1 + max((int(n.split("-")[1].split(".")[0]) for n in names), default=-1)

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
        man = self.manifest()
        entry: dict[str, Any] = {"runs": None, "results": None, "run_count": len(runs)}
        if rows is not None:
            # Each row names the scenario file and code that produced it (also in manifest).
            at = rows.columns.get_loc("seed") + 1 if "seed" in rows.columns else len(rows.columns)
            rows.insert(at, "code_version", man.get("code_version", ""))
            rows.insert(at, "scenario_version", man.get("scenario_version", ""))
            entry["results"], entry["results_bytes"] = _write_parquet(rows, self.results_dir / name)
            entry["result_rows"] = len(rows)
        entry["runs"], entry["runs_bytes"] = _write_parquet(runs, self.runs_dir / name)
        man.setdefault("batches", {})[name] = entry
        self._write_manifest(man)  # the commit point
        return batch

    # ----------------------------------------------------------------- checking
    def _committed(self) -> list[str]:
        """Names of committed batches, in order (legacy stores: every runs/ file)."""
        batches = self.manifest().get("batches")
        if batches is None:
            return sorted(self._files_named("runs"))
        return sorted(batches)

    def check_batches(self, deep: bool = False) -> list[Damage]:
        """Committed batches whose files are missing or differ from their checksums.

        Args:
            deep: also read every file, verifying its Parquet page checksums and that
                it holds the rows the manifest recorded.
        """
        batches = self.manifest().get("batches")
        if batches is None:
            return []
        damaged = []
        for name, entry in sorted(batches.items()):
            reason = self._check_batch(name, entry, deep)
            if reason:
                damaged.append(Damage(name, reason))
        return damaged

    def _check_batch(self, name: str, entry: dict[str, Any], deep: bool) -> str:
        for kind in ("runs", "results"):
            expected = entry.get(kind)
            path = (self.runs_dir if kind == "runs" else self.results_dir) / name
            if expected is None:
                continue
            if not path.is_file():
                return f"{kind}/{name} is missing"
            size = path.stat().st_size
            if size == 0:
                return f"{kind}/{name} is empty (0 bytes)"
            committed = entry.get(f"{kind}_bytes")
            if committed is not None and size != committed:
                cut = "truncated" if size < committed else "longer than committed"
                return f"{kind}/{name} is {cut} ({size:,} bytes of {committed:,})"
            if _sha256(path) != expected:
                return f"{kind}/{name} does not match its checksum ({size:,} bytes)"
            if deep:
                try:
                    frame = _read_parquet(path)
                except Exception as err:  # pyarrow raises several types for bad files
                    return f"{kind}/{name} is unreadable ({type(err).__name__}: {err})"
                want = entry.get("run_count" if kind == "runs" else "result_rows")
                if want is not None and len(frame) != want:
                    return f"{kind}/{name} holds {len(frame)} rows, the manifest {want}"
        return ""

    def verify(self) -> list[str]:
        """Check the whole store end to end; return every problem found (empty: sound).

        Every committed batch against its checksums and its page checksums, files the
        manifest does not name, run ids that appear twice, runs not in the plan,
        ok runs without indicator rows and rows without a committed run.
        """
        problems = [str(d) for d in self.check_batches(deep=True)]
        man = self.manifest()
        if man.get("batches") is None:
            problems.append("the manifest records no checksums (a store from an older version)")
        else:
            for kind in ("results", "runs"):
                for name in sorted(set(self._files_named(kind)) - set(man["batches"])):
                    problems.append(f"{kind}/{name}: not committed (removed on --resume)")
        if problems:
            return problems
        runs = self.runs()
        dup = runs["run_id"][runs["run_id"].duplicated()]
        if len(dup):
            problems.append(f"runs stored twice: {', '.join(sorted(set(dup))[:10])}")
        if len(runs) > int(man.get("runs", len(runs))):
            problems.append(f"{len(runs)} runs stored for {man['runs']} planned")
        rows = self.results()
        with_rows = set(rows["run_id"]) if not rows.empty else set()
        ok = set(runs.loc[runs["status"] == "ok", "run_id"])
        if ok - with_rows:
            problems.append(f"ok runs without rows: {', '.join(sorted(ok - with_rows)[:10])}")
        if with_rows - ok:
            problems.append(f"rows of runs not stored as ok: {', '.join(sorted(with_rows - ok))}")
        return problems

    # ----------------------------------------------------------------- reading
    def _read(self, kind: str, name: str) -> pd.DataFrame:
        path = (self.runs_dir if kind == "runs" else self.results_dir) / name
        try:
            return _read_parquet(path)
        except Exception as err:  # pyarrow raises several types for bad files
            raise StoreError(
                f"{path}: damaged or missing ({type(err).__name__}); run the experiment "
                "again with --resume to rerun its runs, or `sezsim results --verify`"
            ) from None

    def runs(self) -> pd.DataFrame:
        """Every committed run (ok and failed), sorted by run id."""
        names = self._committed()
        if not names:
            return pd.DataFrame(columns=RUN_COLUMNS)
        frame = pd.concat([self._read("runs", n) for n in names], ignore_index=True)
        return frame.sort_values("run_id", kind="stable").reset_index(drop=True)

    def done(self) -> set[str]:
        """Ids of committed runs (a failed run is done too: it is recorded, not retried)."""
        return set(self.runs()["run_id"])

    def results(self) -> pd.DataFrame:
        """All indicator rows of committed runs, in a canonical order."""
        batches = self.manifest().get("batches")
        if batches is None:
            present = self._files_named("results")
            names = [n for n in self._committed() if n in present]
        else:
            names = sorted(n for n, e in batches.items() if e.get("results"))
        if not names:
            return pd.DataFrame()
        frame = pd.concat([self._read("results", n) for n in names], ignore_index=True)
        keys = ["run_id", "year", "scope", "name"]
        return frame.sort_values(keys, kind="stable").reset_index(drop=True)
