"""The ``sezsim`` command line: run a scenario, validate a scenario file.

User errors (a bad scenario, an unknown policy, a bad ``--set``) print one clear message
naming the file and field and exit with status 2, without a traceback.
"""

from __future__ import annotations

import json
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


def _overrides(pairs: list[str] | None) -> dict:
    out = {}
    for text in pairs or []:
        key, value = parse_override(text)
        out[key] = value
    return out


def _summary_table(frame: pd.DataFrame, title: str, every: int) -> Table:
    """National main indicators, every ``every`` years plus the last year."""
    nat = frame[frame["scope"] == "national"]
    years = nat["year"].tolist()
    keep = [y for i, y in enumerate(years) if i % every == 0 or i == len(years) - 1]
    table = Table(title=title, show_lines=False, header_style="bold")
    cols = INDICATORS.main
    table.add_column("year", justify="right")
    for c in cols:
        table.add_column(_SHORT.get(c, c), justify="right")
    table.caption = "money: million currency units per year; jobs: persons; counts: firms"
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
    seed: Annotated[int, typer.Option(help="Random seed (Mesa's rng).")] = 42,
    until: Annotated[int | None, typer.Option(help="Last year to simulate.")] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Override: parameter=value or dotted.path=value."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Directory for indicators.parquet / .csv.")
    ] = None,
    every: Annotated[int, typer.Option(help="Print every N-th year.")] = 5,
) -> None:
    """Run one simulation and print the main national indicators by year."""
    from sim.model import SEZClusterModel

    if policy not in POLICIES:
        _fail(f"--policy: unknown policy {policy!r}; allowed: {', '.join(POLICIES)}")
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
            frame, f"{spec.name} - policy {policy} - seed {seed} ({spec.currency})", every
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


def main() -> None:  # pragma: no cover - console entry for `python -m sim`
    """Entry point for ``python -m sim``."""
    sys.exit(app())
