"""The ``sezsim`` command line: run a scenario, validate a scenario file.

User errors (a bad scenario, an unknown policy, a bad ``--set``) print one clear message
naming the file and field and exit with status 2, without a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Annotated

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

from sim.indicators import INDICATORS
from sim.policy import POLICIES
from sim.scenario import ScenarioError, load_scenario, parse_override

__all__ = ["app"]

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Agent-based simulation of special economic zones and industrial clusters.",
)
# Wide enough for the summary table when output is piped (CI logs, files).
console = Console(width=None if sys.stdout.isatty() else 150)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 150)

#: Short column headings of the printed summary.
_SHORT = {
    "firms": "firms",
    "sez_registered": "SEZ reg.",
    "sez_active": "SEZ act.",
    "turnover": "turnover",
    "investment": "invest.",
    "fdi_inflow": "FDI",
    "exports": "exports",
    "employment": "jobs",
    "taxes": "taxes",
    "privilege_cost": "priv.cost",
    "innovations": "innov.",
}


def _fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]error:[/] {message}", highlight=False, markup=True)
    raise typer.Exit(code)


#: ``--set`` of the commands that run many simulations (compare, decompose).
RunOverrides = Annotated[
    list[str] | None,
    typer.Option(
        "--set",
        help="Override for every run: parameter=value or dotted.path=value (repeatable).",
    ),
]


def _erase_store(out: Path) -> None:
    """Erase the results store in ``out`` for ``--overwrite``, if there is one.

    Under the store's lock, so never under a writer's feet; a store in use (or one that
    cannot be erased) is a one-line error.
    """
    from sim.experiments.store import ResultStore, StoreError

    store = ResultStore(out)
    if not store.manifest_path.exists():
        return
    try:
        with store.lock():
            store.erase()
    except StoreError as e:
        _fail(str(e))


def _check_out(out: Path | None, option: str = "--out") -> None:
    """Fail now, not after the runs, if ``out`` cannot be (or become) a folder."""
    if out is None:
        return
    for folder in (out, *out.parents):
        if folder.exists():
            if not folder.is_dir():
                what = "is a file" if folder == out else f"lies under the file {folder}"
                _fail(f"{option}: {out} {what}; allowed: a folder, existing or new")
            if not os.access(folder, os.W_OK | os.X_OK) and folder != out:
                _fail(f"{option}: cannot create {out}: {folder} is not writable")
            return


def _overrides(pairs: list[str] | None) -> dict:
    out = {}
    for text in pairs or []:
        key, value = parse_override(text)
        out[key] = value
    return out


def _summary_table(frame: pd.DataFrame, title: str, every: int, currency: str) -> Table:
    """National main indicators, every ``every`` years plus the last year."""
    nat = frame[frame["scope"] == "national"]
    years = nat["year"].tolist()
    keep = [y for i, y in enumerate(years) if i % every == 0 or i == len(years) - 1]
    table = Table(title=title, show_lines=False, header_style="bold")
    cols = INDICATORS.main
    table.add_column("year", justify="right")
    for c in cols:
        table.add_column(_SHORT.get(c, c), justify="right")
    table.caption = f"money: {currency} per year; jobs: persons; counts: firms"
    for _, row in nat[nat["year"].isin(keep)].iterrows():
        table.add_row(str(int(row["year"])), *(_fmt(row[c]) for c in cols))
    return table


def _fmt(value: float) -> str:
    if value != value:  # nan
        return "-"
    if abs(value) >= 1e4:
        return f"{value:,.0f}"
    if float(value).is_integer():
        return f"{int(value)}"
    return f"{value:,.2f}"


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    policy: Annotated[str, typer.Option(help=f"Policy: {' | '.join(POLICIES)}.")] = "merge",
    seed: Annotated[int, typer.Option(min=0, help="Random seed (Mesa's rng), 0 or more.")] = 42,
    until: Annotated[int | None, typer.Option(help="Last year to simulate.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override: parameter=value or dotted.path=value."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Directory for indicators.parquet / .csv.")
    ] = None,
    every: Annotated[int, typer.Option(min=1, help="Print every N-th year (1 or more).")] = 5,
) -> None:
    """Run one simulation and print the main national indicators by year."""
    from sim.model import SEZClusterModel

    if policy not in POLICIES:
        _fail(f"--policy: unknown policy {policy!r}; allowed: {', '.join(POLICIES)}")
    _check_out(out)
    try:
        overrides = _overrides(set_)
        spec = load_scenario(scenario, overrides=overrides or None)
    except ScenarioError as e:
        _fail(str(e))
    if until is not None and not spec.start_year <= until <= spec.end_year:
        _fail(f"--until: {until} is outside the scenario's years {spec.start_year}-{spec.end_year}")
    started = time.perf_counter()
    model = SEZClusterModel(spec, policy=policy, rng=seed)
    model.run(until=until)
    wall = time.perf_counter() - started
    frame = model.indicators()
    console.print(
        _summary_table(
            frame,
            f"{spec.name} - policy {policy} - seed {seed} ({spec.currency})",
            every,
            spec.currency,
        )
    )
    console.print(f"simulated {spec.start_year}-{model.last_year} in {wall:.2f} s")
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(out / "indicators.parquet", index=False)
        frame.to_csv(out / "indicators.csv", index=False)
        meta = {
            "scenario": str(scenario),
            "policy": policy,
            "seed": seed,
            "overrides": overrides,
            "wall_seconds": wall,
            "units": {i.name: i.unit for i in INDICATORS},
            "currency": spec.currency,
        }
        (out / "run.json").write_text(json.dumps(meta, indent=2, default=str))
        console.print(f"wrote {out / 'indicators.parquet'} and {out / 'indicators.csv'}")


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
) -> None:
    """Check a scenario file and say what is wrong with it."""
    try:
        spec = load_scenario(scenario)
    except ScenarioError as e:
        _fail(str(e))
    console.print(
        f"[green]ok[/]: {scenario}: {len(spec.regions)} regions, {len(spec.sectors)} sectors, "
        f"{len(spec.sezs)} SEZs, {len(spec.clusters)} clusters, "
        f"{sum(c.firms for c in spec.clusters) + sum(g.count for g in spec.firms)} initial firms, "
        f"{spec.start_year}-{spec.end_year}"
    )


@app.command()
def calibrate(
    file: Annotated[
        Path, typer.Argument(help="Calibration YAML file (experiments/calibrate_*.yaml).")
    ],
    budget: Annotated[int | None, typer.Option(min=1, help="Objective evaluations.")] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, help="Runs per evaluation (common seeds).")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    out: Annotated[Path | None, typer.Option(help="Folder for the fit table and plots.")] = None,
    write_scenario: Annotated[
        bool, typer.Option(help="Write the calibrated scenario named in the file.")
    ] = True,
    identify: Annotated[
        bool,
        typer.Option(
            "--identify",
            help="Identification check instead of a fit: simulate the targets at known "
            "parameters, fit them, and report which parameters are recovered.",
        ),
    ] = False,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="After a kill: read the evaluations already made from --out's "
            "evaluations.jsonl and go on from there (same result as without the kill).",
        ),
    ] = False,
) -> None:
    """Estimate free parameters against observed figures (simulated method of moments)."""
    from sim.calibration import (
        CalibrationResumeError,
        load_calibration,
        plot_fit,
        write_calibrated_scenario,
    )
    from sim.calibration import calibrate as run_calibration
    from sim.calibration import identify as run_identification

    try:
        spec, scenario, raw = load_calibration(file)
    except ScenarioError as e:
        _fail(str(e))
    _check_out(out)
    updates = {k: v for k, v in (("budget", budget), ("replications", replications)) if v}
    spec = spec.model_copy(update=updates)
    out = out or Path("results") / spec.name
    out.mkdir(parents=True, exist_ok=True)
    what = "identification check of" if identify else "calibrating"
    console.print(
        f"{what} {len(spec.free)} parameters of {scenario.name} with "
        f"{len(spec.fitted())} targets: budget {spec.budget} evaluations x "
        f"{spec.replications} runs ({spec.policy}), {spec.check_replications} fresh seeds"
    )
    started = time.perf_counter()
    with _progress_bar() as bar:
        task = bar.add_task(spec.name, total=spec.budget, rate="-")

        def progress(done: int, total: int, best: float) -> None:
            rate = done * spec.replications * 60.0 / max(time.perf_counter() - started, 1e-9)
            bar.update(
                task,
                completed=done,
                description=f"{spec.name} best J={best:.4g}",
                rate=f"{rate:,.0f}",
            )

        if identify:
            found = run_identification(spec, scenario, workers=workers, progress=progress)
            result = found.fit
        else:
            try:
                result = run_calibration(
                    spec,
                    scenario,
                    workers=workers,
                    progress=progress,
                    journal=out / "evaluations.jsonl",
                    resume=resume,
                )
            except CalibrationResumeError as e:
                _fail(str(e))
    seconds = time.perf_counter() - started
    prefix = "identification_" if identify else ""
    result.history.to_csv(out / f"{prefix}history.csv", index=False)
    result.table.to_csv(out / f"{prefix}fit.csv", index=False)
    plot_fit(result, out / f"{prefix}fit.png")
    t = Table(
        title=f"{'Fit to pseudo-data' if identify else 'Calibration fit'} ("
        f"{result.evaluations} evaluations, {seconds:.0f} s): J {result.start_objective:.4g} "
        f"-> {result.best_objective:.4g} on the {spec.replications} fitting seeds, "
        f"{result.fresh_objective:.4g} on {spec.check_replications} fresh seeds"
    )
    for col in ("target", "kind", "year", "observed", "fit seeds", "fresh seeds", "sd", "role"):
        t.add_column(col, justify="left" if col in ("target", "kind", "role") else "right")
    for row in result.table.itertuples():
        t.add_row(
            row.target,
            row.kind,
            str(row.year),
            _fmt(row.observed),
            f"{row.fit_error:+.1%}",
            f"{_fmt(row.simulated)} ({row.relative_error:+.1%})",
            _fmt(row.sd),
            row.role,
        )
    console.print(t)
    if identify:
        found.table.to_csv(out / "identification.csv", index=False)
        p = Table(title="Identification: estimates from pseudo-data simulated at the truth")
        for col in ("parameter", "truth", "start", "estimate", "error (range)", "curvature"):
            p.add_column(col, justify="left" if col == "parameter" else "right")
        p.add_column("identified")
        for r in found.table.itertuples():
            p.add_row(
                r.parameter,
                f"{r.truth:.6g}",
                f"{r.start:.6g}",
                f"{r.estimate:.6g}",
                f"{r.error_unit:.1%}",
                f"{r.curvature:.3g}",
                "yes" if r.identified else "[yellow]no[/]",
            )
        console.print(p)
        flat = found.unidentified()
        console.print("not identified by these targets: " + (", ".join(flat) if flat else "none"))
        console.print(f"tables: {out}/identification.csv, {out}/identification_fit.csv")
        return
    p = Table(title="Estimated parameters")
    for col in ("parameter", "start", "estimate"):
        p.add_column(col)
    for name, value in result.best.items():
        p.add_row(name, f"{result.start[name]:.6g}", f"{value:.6g}")
    console.print(p)
    if write_scenario and spec.output:
        target = (file.resolve().parent / spec.output).resolve()
        write_calibrated_scenario(result, raw, target, str(file))
        console.print(f"calibrated scenario: {target}")
    console.print(f"fit table and plots: {out}/fit.csv, {out}/fit.png, {out}/history.csv")


@app.command()
def posterior(
    file: Annotated[Path, typer.Argument(help="Calibration YAML file with an `abc` block.")],
    samples: Annotated[
        int | None, typer.Option(min=10, help="Reference table points [default: abc.samples].")
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    out: Annotated[
        Path | None, typer.Option(help="Reference table store [default: abc.store].")
    ] = None,
    resume: Annotated[
        bool, typer.Option(help="Complete the reference table in --out after a kill.")
    ] = False,
    posterior_file: Annotated[
        Path | None,
        typer.Option("--posterior", help="Posterior file to write [default: abc.output]."),
    ] = None,
) -> None:
    """ABC posterior: a Latin-hypercube reference table in the store, then regression ABC."""
    from sim.calibration import load_calibration
    from sim.experiments.report import markdown_table
    from sim.experiments.store import ResultStore
    from sim.posterior import (
        estimate_posterior,
        plot_pairs,
        reference_experiment,
        write_posterior,
    )

    try:
        spec, scenario, _ = load_calibration(file)
    except ScenarioError as e:
        _fail(str(e))
    if samples:
        spec = spec.model_copy(update={"abc": spec.abc.model_copy(update={"samples": samples})})
    base = file.resolve().parent
    out = out or (
        (base / spec.abc.store).resolve() if spec.abc.store else Path("results") / spec.name
    )
    _check_out(out)
    target = posterior_file or (
        (base / spec.abc.output).resolve() if spec.abc.output else out / "posterior.yaml"
    )
    exp = reference_experiment(spec, scenario)
    console.print(
        f"reference table: {spec.abc.samples} points x {spec.abc.replications} runs over "
        f"{len(spec.prior_ranges())} parameters ({spec.policy}, to {exp.until}); store {out}"
    )
    outcome = _execute(exp, scenario, out, workers, "local", None, resume)
    store = ResultStore(out)
    meta = {
        "calibration_file": str(file),
        "scenario": str(scenario),
        "reference_store": str(out),
        "samples": spec.abc.samples,
        "seed": spec.abc.seed,
        "accept": spec.abc.accept,
    }
    try:
        post, predictive = estimate_posterior(spec, store.results(), meta)
    except ValueError as e:
        _fail(f"{out}: {e}", code=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    write_posterior(post, target)
    from sim.experiments.design import sample_matrix

    plot_pairs(post, target.with_name(target.stem + "_pairs.png"), sample_matrix(exp.design))
    summary = post.summary()
    summary.to_csv(target.with_name(target.stem + "_summary.csv"), index=False)
    predictive.to_csv(target.with_name(target.stem + "_predictive.csv"), index=False)
    console.print(
        f"{post.meta['accepted']} of {post.meta['usable_points']} points accepted "
        f"(reference table: {outcome.total} runs, {outcome.seconds:.0f} s this call)"
    )
    console.print(markdown_table(summary, "{:.4g}"), highlight=False)
    console.print(markdown_table(predictive, "{:,.4g}"), highlight=False)
    console.print(f"posterior: {target} (draws: {target.with_suffix('.csv').name}), pairs plot")


@app.command()
def parameters(
    markdown: bool = typer.Option(False, "--markdown", help="Print a Markdown table."),
) -> None:
    """List every model parameter with default, unit, range and source."""
    from sim.parameters import parameter_markdown, parameter_table

    if markdown:
        print(parameter_markdown(), end="")
        return
    table = Table(title="Model parameters (docs/assumptions.md)")
    for col in ("parameter", "default", "unit", "range", "source"):
        table.add_column(col, overflow="fold")
    for row in parameter_table():
        table.add_row(row["name"], str(row["default"]), row["unit"], row["range"], row["source"])
    console.print(table)


def main() -> None:  # pragma: no cover - console entry for `python -m sim`
    """Entry point for ``python -m sim``."""
    sys.exit(app())


# ---------------------------------------------------------------------- experiments
def _progress_bar():
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[rate]} runs/min"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
    )


def _execute(
    exp,
    scenario_path: Path,
    out: Path,
    workers: int | None,
    backend: str,
    scheduler: str | None,
    resume: bool,
):
    """Run an experiment with a progress bar; user errors exit 2, lost workers exit 3."""
    from sim.experiments.backends import WorkerLost
    from sim.experiments.runner import run_experiment
    from sim.experiments.store import StoreError

    started = time.perf_counter()
    with _progress_bar() as bar:
        task = bar.add_task(exp.name, total=None, rate="-")
        first: list[int] = []

        def progress(done: int, total: int) -> None:
            if not first:
                first.append(done)
            minutes = (time.perf_counter() - started) / 60
            rate = (done - first[0]) / minutes if minutes > 0 else 0.0
            bar.update(task, completed=done, total=total, rate=f"{rate:,.0f}")

        try:
            outcome = run_experiment(
                exp,
                scenario_path,
                out,
                workers=workers,
                backend=backend,
                scheduler=scheduler,
                resume=resume,
                progress=progress,
            )
        except StoreError as e:  # a store in use, or an --out that cannot hold one
            _fail(str(e))
        except ValueError as e:  # --backend / --scheduler
            _fail(str(e))
        except WorkerLost as e:
            _fail(f"{e} (results so far are stored in {out})", code=3)
    for damage in outcome.quarantined:
        err_console.print(
            f"[yellow]quarantined[/] {damage}; its runs were run again "
            f"(files kept in {out / 'quarantine'})",
            highlight=False,
        )
    console.print(
        f"{outcome.completed} runs in {outcome.seconds:.1f} s "
        f"({60 * outcome.completed / max(outcome.seconds, 1e-9):,.0f} runs/min), "
        f"{outcome.skipped} already stored, {outcome.failed} failed; store: {out}"
    )
    return outcome


def _synergy_rich(table, title: str) -> Table:
    t = Table(title=title, header_style="bold")
    for col in ("indicator", "year", "mean", "95% CI", "relative", "excl. 0"):
        t.add_column(col, justify="right" if col not in ("indicator",) else "left")
    for _, r in table.iterrows():
        ci = f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
        rel = f"{100 * r['relative']:+.2f}%" if r["relative"] == r["relative"] else "-"
        mark = "[green]yes[/]" if r["significant"] else "no"
        t.add_row(r["indicator"], str(r["year"]), _fmt(r["mean"]), ci, rel, mark)
    return t


def _uncertainty_rich(table, posterior_file: Path) -> Table:
    t = Table(
        title=f"Synergy, merge - no_merge: seed noise only (at the estimate) and seed + "
        f"parameters (draws from {posterior_file})",
        header_style="bold",
    )
    for col in ("indicator", "year", "seed only: mean [95% CI]", "seed + parameters", "width x"):
        t.add_column(col, justify="left" if col == "indicator" else "right")
    for _, r in table.iterrows():
        t.add_row(
            r["indicator"],
            str(r["year"]),
            f"{_fmt(r['seed_mean'])} [{_fmt(r['seed_ci_low'])}, {_fmt(r['seed_ci_high'])}]",
            f"{_fmt(r['param_mean'])} [{_fmt(r['param_ci_low'])}, {_fmt(r['param_ci_high'])}]",
            f"{r['width_ratio']:.2f}" if r["width_ratio"] == r["width_ratio"] else "-",
        )
    return t


def _report(exp, scenario_path: Path, out: Path, sensitivity=None, **sections) -> Path:
    from sim.experiments.report import write_report
    from sim.experiments.store import ResultStore

    store = ResultStore(out)
    results, runs = store.results(), store.runs()
    if exp.posterior is not None and not results.empty:
        # The report's sections read the estimate; the draws have their own section.
        results, runs = results[results["point"] == 0], runs[runs["point"] == 0]
    if results.empty:
        _fail(
            f"no run finished without an error, so there is no report; the errors: "
            f"sezsim results {out}",
            code=1,
        )
    spec = load_scenario(scenario_path)
    years = exp.years or [
        y for y in (2021, 2030, 2040) if spec.start_year <= y <= (exp.until or spec.end_year)
    ]
    return write_report(
        out,
        results,
        runs,
        spec,
        f"Experiment {exp.name}",
        years,
        exp.analysis.treatment,
        exp.analysis.control,
        sensitivity,
        **sections,
    )


def _fiscal_and_jobs(results, spec, years: list[int], out: Path) -> tuple:
    """Print and write (fiscal.csv, jobs.csv) the fiscal balance and the jobs of merging."""
    from sim.experiments.fiscal import fiscal_table, jobs_table

    policy_year = spec.parameters.policy_start_year or spec.start_year
    fiscal = fiscal_table(results, policy_year, spec.parameters.discount_rate, spec.currency)
    jobs = jobs_table(results, years)
    fiscal.to_csv(out / "fiscal.csv", index=False)
    jobs.to_csv(out / "jobs.csv", index=False)
    for title, frame in (
        (
            f"Fiscal balance, {policy_year}-{int(results['year'].max())}, present value at "
            f"{policy_year} ({100 * spec.parameters.discount_rate:g}%/yr; {spec.currency})",
            fiscal,
        ),
        ("Jobs: gross in zones, net national, displacement", jobs),
    ):
        t = Table(title=title, header_style="bold")
        for col in ("measure", "policy", *(["year"] if "year" in frame else []), "mean", "95% CI"):
            t.add_column(col, justify="left" if col in ("measure", "policy") else "right")
        for r in frame.to_dict("records"):
            ci = (
                "-"
                if r["ci_low"] != r["ci_low"]
                else f"[{_fmt(r['ci_low'])}, {_fmt(r['ci_high'])}]"
            )
            year = [str(r["year"])] if "year" in r else []
            mean = f"{r['mean']:.3f}" if r["unit"].startswith("1") else _fmt(r["mean"])
            t.add_row(r["measure"], r["policy"], *year, mean, ci)
        console.print(t)
    return fiscal, jobs


def _posterior_version(path: Path | None) -> str | None:
    """Hash of a posterior file and its draws (None without a posterior)."""
    if path is None:
        return None
    import hashlib

    from sim.posterior import load_posterior

    draws = load_posterior(path).draws.to_csv(index=False, float_format="%.10g")
    return hashlib.sha256(path.read_bytes() + draws.encode()).hexdigest()[:16]


def _years_option(text: str, first: int, last: int) -> list[int]:
    """Parse ``--years 2021,2030``: whole years within the simulated span."""
    years = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            year = int(part)
        except ValueError:
            _fail(f"--years: {part!r} is not a year; allowed: comma-separated years (2021,2030)")
        if not first <= year <= last:
            _fail(f"--years: {year} is not simulated; allowed: {first}-{last}")
        years.append(year)
    if not years:
        _fail(f"--years: no year given; allowed: comma-separated years in {first}-{last}")
    return years


@app.command()
def compare(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    replications: Annotated[int, typer.Option(min=1, help="Replications per policy.")] = 30,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    until: Annotated[int | None, typer.Option(help="Last year to simulate.")] = None,
    seed: Annotated[int, typer.Option(min=0, help="Base seed; replication k uses seed+k.")] = 1,
    policies: Annotated[
        str, typer.Option(help="Comma-separated policies.")
    ] = "merge,no_merge,heterodox",
    years: Annotated[
        str | None,
        typer.Option(help="Years of the synergy table, comma-separated [default: 2021,2030,2040]."),
    ] = None,
    backend: Annotated[str, typer.Option(help="local | dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address.")] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing store in --out.")] = False,
    decomposition: Annotated[
        Path | None,
        typer.Option(help="Folder of a `sezsim decompose` run to add to the report."),
    ] = None,
    discovery: Annotated[
        Path | None,
        typer.Option(help="Folder of a `sezsim discover` run: its PRIM box goes in the report."),
    ] = None,
    posterior_file: Annotated[
        Path | None,
        typer.Option(
            "--posterior",
            help="Posterior file (sezsim posterior): each replication also runs with its own "
            "parameter draw, so the synergy's interval includes parameter uncertainty.",
        ),
    ] = None,
    set_: RunOverrides = None,
) -> None:
    """Merge vs no-merge (and heterodox) with common random numbers: synergy table + report."""
    from sim.experiments.analysis import synergy_table
    from sim.experiments.spec import Experiment
    from sim.experiments.store import ResultStore

    if discovery is not None and not (discovery / "discovery" / "discovery.json").is_file():
        _fail(f"--discovery: {discovery} holds no scenario discovery results; run sezsim discover")
    try:
        fixed = _overrides(set_)
        spec = load_scenario(scenario, overrides=fixed or None)
    except ScenarioError as e:
        _fail(str(e))
    _check_out(out)
    if decomposition is not None and not (decomposition / "decomposition.csv").is_file():
        _fail(f"--decomposition: no decomposition.csv in {decomposition} (run sezsim decompose)")
    span = f"{spec.start_year}-{spec.end_year} (the years of {scenario})"
    if until is not None and not spec.start_year <= until <= spec.end_year:
        _fail(f"--until: {until} is outside the scenario; allowed: {span}")
    last = until or spec.end_year
    wanted = _years_option(years, spec.start_year, last) if years is not None else []
    chosen = [p.strip() for p in policies.split(",") if p.strip()]
    unknown = [p for p in chosen if p not in POLICIES]
    if unknown or not chosen:
        _fail(f"--policies: unknown policy {unknown or policies!r}; allowed: {', '.join(POLICIES)}")
    if posterior_file is not None:
        from sim.posterior import check_against_scenario, load_posterior

        try:
            check_against_scenario(load_posterior(posterior_file), posterior_file, scenario)
        except ScenarioError as e:
            _fail(f"--posterior: {e}")
    exp = Experiment(
        name=f"compare-{scenario.stem}",
        scenario=str(scenario.resolve()),
        policies=chosen,
        replications=replications,
        seed=seed,
        until=until,
        indicators=INDICATORS.names,
        scopes=["national", "region", "sez", "cluster"],
        years=wanted,
        fixed=fixed,
        posterior=str(posterior_file.resolve()) if posterior_file is not None else None,
        posterior_seed=seed,
        posterior_version=_posterior_version(posterior_file),
    )
    out = out or Path("results") / f"compare-{scenario.stem}"
    store = ResultStore(out)
    if overwrite:
        _erase_store(out)
    _execute(exp, scenario.resolve(), out, workers, backend, scheduler, resume=True)
    everything = store.results()
    # With a posterior, point 0 is the estimate (seed noise only), point 1 the draws.
    results = everything[everything["point"] == 0] if not everything.empty else everything
    sections: dict = {}
    defaults = [y for y in (2021, 2030, 2040) if spec.start_year <= y <= last]
    shown = wanted or defaults or [last]
    synergy_indicators = [
        "taxes",
        "turnover",
        "investment",
        "fdi_inflow",
        "exports",
        "employment",
        "innovations",
        "privilege_cost",
    ]
    if {"merge", "no_merge"} <= set(exp.policies) and not results.empty:
        table = synergy_table(results, synergy_indicators, shown)
        policy_year = spec.parameters.policy_start_year or spec.start_year
        console.print(
            _synergy_rich(
                table,
                f"Synergy effect, merge - no_merge, merging from {policy_year} "
                f"({spec.currency}/yr; persons; counts)",
            )
        )
        sections["fiscal"], sections["jobs"] = _fiscal_and_jobs(results, spec, shown, out)
        if posterior_file is not None:
            from sim.experiments.analysis import uncertainty_table

            both = uncertainty_table(everything, synergy_indicators, shown)
            both.to_csv(out / "synergy_uncertainty.csv", index=False)
            console.print(_uncertainty_rich(both, posterior_file))
            sections["uncertainty"] = (both, str(posterior_file))
    if decomposition is not None:
        sections["channels"] = pd.read_csv(decomposition / "decomposition.csv")
        for png in decomposition.glob("waterfall_*.png"):
            shutil.copyfile(png, out / png.name)
    path = _report(exp, scenario.resolve(), out, discovery=discovery, **sections)
    console.print(f"report: {path}")


@app.command()
def decompose(
    scenario: Annotated[Path, typer.Argument(help="Scenario YAML file.")],
    replications: Annotated[int, typer.Option(min=2, help="Replications per arm.")] = 40,
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    years: Annotated[str, typer.Option(help="Years to decompose.")] = "2021,2030,2040",
    indicators: Annotated[
        str, typer.Option(help="Comma-separated indicators.")
    ] = "taxes,turnover,investment,employment,exports,innovations",
    channels: Annotated[
        str, typer.Option(help="Channels to attribute (the others stay off).")
    ] = "finance,industry,labour,innovation",
    seed: Annotated[int, typer.Option(min=0, help="Base seed; replication k uses seed+k.")] = 1,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    resume: Annotated[bool, typer.Option(help="Complete an interrupted decomposition.")] = False,
    overwrite: Annotated[
        bool,
        typer.Option(help="Replace the results in --out (e.g. of an older code version)."),
    ] = False,
    set_: RunOverrides = None,
) -> None:
    """The synergy of merging by channel: exact Shapley values over the 2^n channel arms."""
    from sim.experiments.decompose import (
        decomposition_experiment,
        decomposition_table,
        plot_waterfalls,
    )
    from sim.experiments.store import ResultStore
    from sim.parameters import CHANNELS

    wanted_channels = tuple(c.strip() for c in channels.split(",") if c.strip())
    unknown = [c for c in wanted_channels if c not in CHANNELS]
    if unknown or not wanted_channels:
        _fail(f"--channels: unknown channel {unknown[0] if unknown else '(none)'!r}; "
              f"allowed: {', '.join(CHANNELS)}")  # fmt: skip
    wanted_channels = tuple(c for c in CHANNELS if c in wanted_channels)
    names = [i.strip() for i in indicators.split(",") if i.strip()]
    bad = [i for i in names if i not in INDICATORS.names]
    if bad or not names:
        _fail(f"--indicators: unknown indicator {bad[0] if bad else '(none)'!r}; "
              f"allowed: {', '.join(INDICATORS.names)}")  # fmt: skip
    try:
        fixed = _overrides(set_)
        spec = load_scenario(scenario, overrides=fixed or None)
    except ScenarioError as e:
        _fail(str(e))
    _check_out(out)
    wanted_years = _years_option(years, spec.start_year, spec.end_year)
    exp = decomposition_experiment(
        str(scenario.resolve()),
        replications=replications,
        seed=seed,
        until=max(wanted_years),
        indicators=names,
        channels=wanted_channels,
        fixed=fixed,
    )
    out = out or Path("results") / f"decompose-{scenario.stem}"
    if overwrite and resume:
        _fail("--overwrite and --resume: choose one (replace the results, or complete them)")
    if overwrite:
        _erase_store(out)
    _execute(exp, scenario.resolve(), out, workers, "local", None, resume=resume)
    results = ResultStore(out).results()
    table = decomposition_table(results, names, wanted_years, wanted_channels)
    table.to_csv(out / "decomposition.csv", index=False)
    policy_year = spec.parameters.policy_start_year or spec.start_year
    t = Table(
        title=f"Synergy by channel, merge - no_merge from {policy_year} (Shapley values; "
        f"{spec.currency}/yr, persons, counts)",
        header_style="bold",
    )
    for col in ("indicator", "year", "channel", "contribution", "95% CI", "n"):
        t.add_column(col, justify="left" if col in ("indicator", "channel") else "right")
    for r in table.itertuples():
        ci = f"[{_fmt(r.ci_low)}, {_fmt(r.ci_high)}]"
        channel = f"[bold]{r.channel}[/]" if r.channel == "total" else r.channel
        t.add_row(r.indicator, str(r.year), channel, _fmt(r.contribution), ci, str(r.n))
    console.print(t)
    for year in wanted_years:
        plot_waterfalls(table, year, out / f"waterfall_{year}.png", spec.currency)
    console.print(f"table: {out / 'decomposition.csv'}; waterfalls: {out}/waterfall_*.png")


@app.command()
def experiment(
    file: Annotated[Path, typer.Argument(help="Experiment YAML file.")],
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    backend: Annotated[str, typer.Option(help="local | dask")] = "local",
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler, tcp://host:8786.")] = None,
    resume: Annotated[bool, typer.Option(help="Complete an interrupted store.")] = False,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
) -> None:
    """Run any experiment file (designs, replications, policies) into a results store."""
    from sim.experiments.analysis import sensitivity
    from sim.experiments.design import salib_problem, sample_matrix
    from sim.experiments.spec import load_experiment
    from sim.experiments.store import ResultStore

    try:
        exp, scenario_path = load_experiment(file)
        spec = load_scenario(scenario_path)
    except ScenarioError as e:
        _fail(str(e))
    _check_out(out)
    out = out or Path("results") / exp.name
    outcome = _execute(exp, scenario_path, out, workers, backend, scheduler, resume)
    si = None
    if exp.design.type in ("sobol", "morris") and outcome.failed == 0:
        a = exp.analysis
        year = a.year or exp.until or spec.end_year
        si = sensitivity(
            ResultStore(out).results(),
            salib_problem(exp.design),
            exp.design.type,
            sample_matrix(exp.design),
            a.indicator,
            year,
            a.treatment,
            a.control,
            a.scope,
            a.name,
        )
        console.print(f"sensitivity of the {a.indicator} synergy effect in {year}:")
        console.print(si.to_string(index=False))
    console.print(f"report: {_report(exp, scenario_path, out, si)}")


@app.command()
def discover(
    file: Annotated[Path, typer.Argument(help="Experiment YAML file with a sampled design.")],
    workers: Annotated[int | None, typer.Option(min=1, help="Worker processes.")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder.")] = None,
    resume: Annotated[bool, typer.Option(help="Complete an interrupted store.")] = False,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing store in --out.")] = False,
    outcome: Annotated[
        str | None,
        typer.Option(
            help="INDICATOR_YEAR_SCOPE[_ID], e.g. taxes_2030_national or "
            "employment_2030_region_karaganda (default: the file's `analysis`)."
        ),
    ] = None,
) -> None:
    """Scenario discovery: where merging wins or loses (PRIM boxes, CART, feature scores)."""
    from sim.experiments.discover import DiscoveryError
    from sim.experiments.discover import discover as run_discovery
    from sim.experiments.outcome import Outcome, OutcomeError
    from sim.experiments.report import write_discovery_report
    from sim.experiments.spec import load_experiment
    from sim.experiments.store import ResultStore

    try:
        exp, scenario_path = load_experiment(file)
        spec = load_scenario(scenario_path)
    except ScenarioError as e:
        _fail(str(e))
    a = exp.analysis
    design = exp.design
    if design.type not in ("latin_hypercube", "sobol", "morris", "grid"):
        _fail(
            f"{file}: design.type: scenario discovery needs a sampled design over the "
            "uncertain parameters; allowed: latin_hypercube, sobol, morris, grid"
        )
    for policy in (a.treatment, a.control):
        if policy not in exp.policies:
            _fail(
                f"{file}: policies: discovery compares {a.treatment} with {a.control}; "
                f"{policy!r} is not among {', '.join(exp.policies)}"
            )
    where = "--outcome" if outcome else f"{file}: analysis"
    try:
        goal = (
            Outcome.parse(outcome)
            if outcome
            else Outcome(a.indicator, a.year or exp.until or spec.end_year, a.scope, a.name)
        )
        goal.check(spec, exp.until)
    except OutcomeError as e:
        _fail(f"{where}: {e}")
    if goal.indicator not in exp.indicators:
        _fail(
            f"{where}: indicator {goal.indicator!r} is not kept by the experiment; "
            f"kept: {', '.join(exp.indicators)}"
        )
    if goal.scope not in exp.scopes:
        _fail(
            f"{where}: scope {goal.scope!r} is not kept by the experiment; "
            f"kept: {', '.join(exp.scopes)}"
        )
    out = out or Path("results") / exp.name
    if overwrite and not resume:
        _erase_store(out)
    outcome_run = _execute(exp, scenario_path, out, workers, "local", None, resume)
    store = ResultStore(out)
    settings = exp.discovery
    parameters = list(design.parameters)
    started = time.perf_counter()
    try:
        found = run_discovery(
            store.results(),
            goal,
            parameters,
            treatment=a.treatment,
            control=a.control,
            threshold=settings.threshold,
            min_density=settings.min_density,
            peel_alpha=settings.peel_alpha,
            mass_min=settings.mass_min,
            seed=settings.seed,
            expected_points=outcome_run.total // (len(exp.policies) * exp.replications),
        )
    except DiscoveryError as e:
        _fail(f"{out}: {e}")
    found.write(out / "discovery")
    ranges = {
        p: (r.low, r.high) if r.values is None else (min(r.values), max(r.values))
        for p, r in design.parameters.items()
    }
    report = write_discovery_report(
        out, found, f"Scenario discovery {exp.name}", exp.description, ranges, store.runs()
    )
    summary = found.summary()
    console.print(
        f"{goal} synergy ({a.treatment} - {a.control}): merging wins at {summary['wins']} "
        f"and loses at {summary['loses']} of {summary['points']} points"
    )
    for case, box in found.boxes.items():
        st = box.stats
        limits = ", ".join(f"{p} in [{r.low:.3g}, {r.high:.3g}]" for p, r in box.limits.iterrows())
        console.print(
            f"PRIM box ({case}): coverage {st['coverage']:.2f}, density {st['density']:.2f}, "
            f"{st['res_dim']} restricted: {limits or 'none'}"
        )
    console.print(
        "feature scores: "
        + ", ".join(f"{r.parameter} {r.score:.2f}" for r in found.scores.itertuples())
    )
    console.print(f"analysis in {time.perf_counter() - started:.1f} s; report: {report}")


@app.command()
def results(
    folder: Annotated[Path, typer.Argument(help="An experiment's output folder.")],
    verify: Annotated[
        bool,
        typer.Option(
            "--verify",
            help="Check the store end to end (checksums, every page, runs against rows); "
            "exit 1 naming what is damaged.",
        ),
    ] = False,
) -> None:
    """Show what a finished or partial results store holds (checksums checked)."""
    from sim.experiments.store import ResultStore, StoreError

    store = ResultStore(folder)
    if not folder.is_dir() or not store.manifest_path.is_file():
        _fail(f"{folder}: not a results store (no manifest.json)")
    try:
        store.manifest()
    except StoreError as e:
        _fail(str(e))
    try:
        if verify:
            problems = store.verify()
            if problems:
                _fail(
                    f"{folder}: {len(problems)} problem(s)\n"
                    + "\n".join(f"  {p}" for p in problems)
                    + "\nrun the experiment again with --resume: damaged batches are "
                    "quarantined and their runs rerun",
                    code=1,
                )
        else:
            damaged = store.check_batches()
            if damaged:
                _fail(
                    f"{folder}: {len(damaged)} damaged batch(es)\n"
                    + "\n".join(f"  {d}" for d in damaged)
                    + "\nrun the experiment again with --resume: damaged batches are "
                    "quarantined and their runs rerun",
                    code=1,
                )
        man = store.manifest()
        runs = store.runs()
        res = store.results()
    except StoreError as e:
        _fail(str(e), code=1)
    ok = int((runs["status"] == "ok").sum())
    failed = int((runs["status"] != "ok").sum())
    total = int(man["runs"])
    exp = man["experiment"]
    t = Table(title=f"{folder}", show_header=False)
    t.add_row("experiment", exp["name"])
    t.add_row("scenario", f"{man['scenario_file']} ({man['scenario_version']})")
    t.add_row("code version", man["code_version"])
    t.add_row("created", man["created"])
    t.add_row("policies", ", ".join(exp["policies"]))
    t.add_row(
        "design",
        f"{exp['design']['type']} over {', '.join(exp['design']['parameters'])}"
        if exp["design"]["parameters"]
        else exp["design"]["type"],
    )
    t.add_row("runs", f"{ok} ok, {failed} failed, {total - ok - failed} missing of {total}")
    if "batches" in man:
        t.add_row(
            "batches",
            f"{len(man['batches'])} committed, checksums "
            + ("and pages verified" if verify else "verified"),
        )
    if not res.empty:
        t.add_row(
            "rows",
            f"{len(res):,} (years {res['year'].min()}-{res['year'].max()}, "
            f"scopes {', '.join(sorted(set(res['scope'])))})",
        )
        t.add_row("indicators", ", ".join(c for c in res.columns if c in INDICATORS.names))
    console.print(t)
    if failed:
        console.print(runs[runs["status"] != "ok"][["run_id", "error"]].to_string(index=False))
    console.print(
        f"read with pandas: pd.read_parquet('{folder}/results')  |  duckdb: "
        f"SELECT * FROM read_parquet('{folder}/results/*.parquet')"
    )


@app.command()
def validation(
    quick: Annotated[
        bool, typer.Option("--quick", help="Two (sigma, mu) sets, fewer points and seeds.")
    ] = False,
    out: Annotated[Path, typer.Option(help="Folder for the PNGs.")] = Path("docs/img"),
    workers: Annotated[int | None, typer.Option(help="Processes (default: all cores).")] = None,
) -> None:
    """Theory closed forms and stylised facts: write the validation PNGs, print a summary."""
    import os

    from sim.validation import plot_all, run_validation

    started = time.perf_counter()
    result = run_validation(quick=quick, workers=workers or os.cpu_count() or 1)
    paths = plot_all(result, out)
    table = Table(title="Validation (docs/validation.md)", header_style="bold")
    for column in ("check", "model", "reference", "verdict"):
        table.add_column(column)
    for row in result.summary:
        table.add_row(*row)
    console.print(table)
    console.print(result.points.round(5).to_string(index=False))
    for path in paths:
        console.print(f"wrote {path}")
    console.print(f"{time.perf_counter() - started:.0f} s")


@app.command()
def bench(
    quick: Annotated[
        bool, typer.Option("--quick", help="Small sizes: checks the suite runs (CI), not speed.")
    ] = False,
    json_out: Annotated[
        Path | None, typer.Option("--json", help="Also write the results as JSON.")
    ] = None,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Also draw time per year and throughput against firms (PNG)."),
    ] = None,
) -> None:
    """Performance suite (issue 5): throughput, Mesa reference, overhead, memory, sweeps."""
    from sim.bench import BenchConfig, plot_scaling, run_suite, tables

    config = BenchConfig.quick() if quick else BenchConfig()
    out = run_suite(config, log=lambda msg: err_console.print(msg, highlight=False))
    for table in tables(out):
        console.print(table)
    if json_out is not None:
        json_out.parent.mkdir(parents=True, exist_ok=True)
        json_out.write_text(json.dumps(out, indent=2))
        console.print(f"wrote {json_out}")
    if plot is not None:
        console.print(f"wrote {plot_scaling(out, plot)}")


# ---------------------------------------------------------------------- the UI
@app.command()
def ui(
    port: Annotated[int, typer.Option(help="Port of the Solara server.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to bind (localhost by default).")] = (
        "127.0.0.1"
    ),
    dev: Annotated[bool, typer.Option(help="Solara's development mode (hot reload).")] = False,
) -> None:
    """Start the web UI (Explore, Compare, Scenario pages); see docs/ui.md."""
    from sim.ui.server import serve

    serve(host=host, port=port, production=not dev)
