"""The Solara app: Explore, Compare and Scenario pages (``sezsim ui`` or ``solara run``).

* Explore: pick a scenario and a policy, set parameters (units and ranges from the
  schema), step / play / pause / reset; the territory and the indicator areas update.
* Compare: N replications per policy in the background (progress, cancel), then
  trajectories with 95% bands and the synergy-effect table.
* Scenario: the loaded scenario as tables; an invalid file shows the validation message.

Why not Mesa's ``SolaraViz`` as is: it rebuilds the model only through its own reset,
cannot show a scenario's validation message instead of a traceback, steps in the event
handler (the page waits), and is one page. The pieces here follow its design (a
reactive model, a controller with step / play / pause / reset, components that read
the model) with the model stepped in a background thread.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import solara
import solara.lab

from sim.policy import POLICIES
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.ui.charts import AREAS, area_chart, band_chart, territory_chart
from sim.ui.compare import COMPARED, CompareCancelled, run_compare
from sim.ui.session import ExploreSession, parameter_controls, shipped_scenarios

__all__ = ["Compare", "Explore", "Layout", "ScenarioPage", "routes"]

#: Seconds between years while playing (the page redraws after each year).
PLAY_INTERVAL = 0.3

_DEFAULT = next((p for p in shipped_scenarios() if p.stem == "kazakhstan"), None)
_CONTROLS = parameter_controls()

# Per-user state: Solara keeps one value of each reactive variable per browser session.
scenario_path = solara.reactive(str(_DEFAULT) if _DEFAULT else "")
policy = solara.reactive("merge")
seed = solara.reactive(42)
overrides: solara.Reactive[dict[str, Any]] = solara.reactive({})
session: solara.Reactive[ExploreSession | None] = solara.reactive(None)
load_error = solara.reactive("")
tick = solara.reactive(0)  # bumped after every simulated year: redraws what reads the model
playing = solara.reactive(False)
selected: solara.Reactive[tuple[str, str] | None] = solara.reactive(None)

compare_replications = solara.reactive(5)
compare_policies = solara.reactive(list(POLICIES))
compare_until: solara.Reactive[int | None] = solara.reactive(None)
compare_progress = solara.reactive((0, 0))
compare_status = solara.reactive("")

_CSS = """
.sez-table table { border-collapse: collapse; font-size: 12px; }
.sez-table th, .sez-table td { padding: 2px 8px; border-bottom: 1px solid #e0e0e0; }
.sez-table th { text-align: left; background: #f5f5f5; }
.sez-error pre { white-space: pre-wrap; font-size: 13px; margin: 0; }
.sez-year { font-size: 22px; font-weight: 600; }
"""


# ------------------------------------------------------------------ model lifecycle
def rebuild() -> None:
    """(Re)build the model from the chosen scenario, policy, seed and parameters."""
    playing.set(False)
    selected.set(None)
    try:
        built = ExploreSession(scenario_path.value, policy.value, seed.value, overrides.value)
    except ScenarioError as err:
        session.set(None)
        load_error.set(str(err))
        return
    except Exception as err:  # never a traceback on the page: say what and where
        session.set(None)
        load_error.set(f"{scenario_path.value}: cannot build the model: {err}")
        return
    load_error.set("")
    session.set(built)
    tick.set(tick.value + 1)


def set_scenario(path: str | None) -> None:
    """Switch to another scenario file; parameter changes are kept."""
    if not path or (path == scenario_path.value and session.value is not None):
        return
    scenario_path.set(path)
    rebuild()


@solara.lab.task(prefer_threaded=True)
def advance(play: bool) -> None:
    """Simulate one year, or keep going while playing (in a thread: the page stays live)."""
    current = session.value
    while current is not None and current.running:
        current.step()
        tick.set(tick.value + 1)
        if not play or not playing.value or not advance.is_current():
            break
        time.sleep(PLAY_INTERVAL)
    playing.set(False)


def _ensure_session() -> None:
    if session.value is None and not load_error.value:
        rebuild()


# ------------------------------------------------------------------ shared components
@solara.component
def ScenarioErrorBox(message: str) -> None:
    """The validation message, as the CLI prints it, never a traceback."""
    with solara.Error(classes=["sez-error"], icon="mdi-alert"):
        solara.HTML(tag="pre", unsafe_innerHTML=_escape(message))


@solara.component
def ScenarioPicker() -> None:
    """Shipped scenarios by name, or any scenario file by path."""
    shipped = {p.stem: str(p) for p in shipped_scenarios()}
    current = next((k for k, v in shipped.items() if v == scenario_path.value), None)
    solara.Select(
        "Scenario",
        values=list(shipped),
        value=current,
        on_value=lambda stem: set_scenario(shipped[stem]),
        classes=["sez-scenario-select"],
    )
    solara.InputText(
        "…or a scenario file (path, Enter to load)",
        value=scenario_path.value,
        on_value=set_scenario,
        classes=["sez-scenario-path"],
    )


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _heading(text: str, level: int) -> None:
    # solara.Markdown would fetch mermaid from a CDN: plain HTML works offline.
    solara.HTML(tag=f"h{level}", unsafe_innerHTML=_escape(text), style="margin: 8px 0 4px")


def _table(frame, classes: list[str] | None = None, floatfmt: str = "{:,.2f}") -> None:
    html = frame.to_html(index=False, border=0, na_rep="-", float_format=floatfmt.format)
    solara.HTML(unsafe_innerHTML=html, classes=["sez-table", *(classes or [])])


# ------------------------------------------------------------------ Explore
@solara.component
def Controls() -> None:
    """Scenario, policy, seed, step / play / pause / reset and the parameters."""
    _ = tick.value
    current = session.value
    busy = advance.pending
    ScenarioPicker()
    solara.Text("Policy")
    solara.ToggleButtonsSingle(
        value=policy.value,
        values=list(POLICIES),
        on_value=lambda p: (policy.set(p), rebuild()),
        classes=["sez-policy"],
    )
    solara.InputInt("Seed", value=seed.value, on_value=lambda s: (seed.set(int(s or 0)), rebuild()))
    with solara.Row(gap="6px"):
        solara.Button(
            "Step",
            on_click=lambda: advance(False),
            disabled=current is None or not current.running or busy or playing.value,
            color="primary",
            classes=["sez-step"],
        )

        def play_pause() -> None:
            if playing.value:
                playing.set(False)
            else:
                playing.set(True)
                advance(True)

        solara.Button(
            "Pause" if playing.value else "Play",
            on_click=play_pause,
            disabled=current is None or not current.running,
            color="primary",
            outlined=True,
            classes=["sez-play"],
        )
        solara.Button("Reset", on_click=rebuild, outlined=True, classes=["sez-reset"])
    ParameterSliders()


@solara.component
def ParameterSliders() -> None:
    """One slider per parameter (unit and range from the schema); a change rebuilds."""
    query, set_query = solara.use_state("")
    changed = overrides.value

    def set_param(name: str, value: float) -> None:
        overrides.set({**overrides.value, name: value})
        rebuild()

    def restore() -> None:
        overrides.set({})
        rebuild()

    with solara.Details(f"Model parameters ({len(_CONTROLS)})", expand=True):
        solara.Text(
            "A change restarts the run at the scenario's first year.",
            style={"font-size": "12px", "color": "#666"},
        )
        solara.InputText(
            "filter", value=query, on_value=set_query, continuous_update=True, dense=True
        )
        if changed:
            solara.Button(f"Restore defaults ({len(changed)} changed)", on_click=restore, text=True)
        for c in _CONTROLS:
            if query and query.lower() not in c.name.lower():
                continue
            value = changed.get(c.name, c.default)
            with solara.Column(gap="0px", classes=[f"sez-param-{c.name}"]):
                slider = solara.SliderInt if c.integer else solara.SliderFloat
                slider(
                    c.name,
                    value=value,
                    min=c.low,
                    max=c.high,
                    step=c.step,
                    on_value=lambda v, name=c.name: set_param(name, v),
                ).key(f"slider-{c.name}")
                solara.Text(
                    f"[{c.unit}] range {c.low:g} to {c.high:g}, default {c.default:g}. "
                    + c.description,
                    style={"font-size": "11px", "color": "#777", "line-height": "1.2"},
                )


@solara.component
def YearHeader(current: ExploreSession) -> None:
    """Scenario, policy and the current year, with how long the last year took."""
    _ = tick.value  # the session object stays the same while the model steps
    spec = current.spec
    took = current.step_seconds[-1] * 1000 if current.step_seconds else None
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        label = f"Year {current.year}" if current.simulated else f"Start {current.year}"
        solara.Text(label, classes=["sez-year"])
        solara.Text(
            f"{spec.name} — policy {current.policy} — {current.simulated} of "
            f"{spec.end_year - spec.start_year + 1} years simulated"
            + (f" — last year took {took:.1f} ms" if took is not None else ""),
            classes=["sez-status"],
        )
    if current.overrides:
        text = ", ".join(f"{k} = {current.parameter(k):g}" for k in sorted(current.overrides))
        solara.Text(f"Model runs with: {text}", classes=["sez-effective"])


@solara.component
def Detail(current: ExploreSession) -> None:
    """Indicators of the region, SEZ or cluster the user clicked (or picked)."""
    _ = tick.value
    spec = current.spec
    choices = (
        [f"region: {r.id}" for r in spec.regions]
        + [f"sez: {z.id}" for z in spec.sezs]
        + [f"cluster: {c.id}" for c in spec.clusters]
    )
    value = f"{selected.value[0]}: {selected.value[1]}" if selected.value else None

    def pick(text: str | None) -> None:
        if text:
            kind, _, ident = text.partition(": ")
            selected.set((kind, ident))

    with solara.Card("Details", margin=0, classes=["sez-detail"]):
        solara.Select("Region / SEZ / cluster", values=choices, value=value, on_value=pick)
        if selected.value is None:
            solara.Text("Hover the map for a summary; click a region, SEZ or cluster.")
            return
        kind, ident = selected.value
        latest = current.latest(kind)
        if latest.empty or ident not in latest.index:
            solara.Text("Not simulated yet: press Step.")
            return
        row = latest.loc[ident].drop(labels=["year"]).dropna()
        frame = row.rename("value").reset_index().rename(columns={"index": "indicator"})
        solara.Text(
            f"{kind} {ident}, {int(latest.loc[ident, 'year'])}", classes=["sez-detail-title"]
        )
        _table(frame, ["sez-detail-table"], "{:,.3~g}".replace("~", ""))


@solara.component
def Explore() -> None:
    """The Explore page."""
    solara.Style(_CSS)
    solara.use_effect(_ensure_session, [])
    _ = tick.value  # redraw after every simulated year
    with solara.Sidebar():
        Controls()
    if load_error.value:
        ScenarioErrorBox(load_error.value)
        return
    current = session.value
    if current is None:
        solara.ProgressLinear(True)
        return
    YearHeader(current)
    if advance.error:
        solara.Error(f"The model stopped: {advance.exception}")

    def on_click(datum: dict | None) -> None:
        if datum and datum.get("kind") in ("region", "sez", "cluster"):
            selected.set((datum["kind"], str(datum["id"])))

    frames = current.territory()
    currency = current.spec.currency
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(classes=["sez-territory"], style={"flex": "0 0 auto"}):
            solara.FigureAltair(territory_chart(frames), on_click=on_click)
        with solara.Column(style={"flex": "1 1 260px", "min-width": "260px"}):
            Detail(current)
    national = current.national()
    with solara.GridFixed(columns=3, column_gap="8px", row_gap="8px"):
        for area in AREAS:
            with solara.Column(classes=[f"sez-chart-{area}"]):
                solara.FigureAltair(area_chart(national, area, currency))


# ------------------------------------------------------------------ Compare
@solara.lab.task(prefer_threaded=True)
def compare_task(path: str, replications: int, chosen: list[str], until: int | None):
    """Run the comparison in a thread; ``compare_task.cancel()`` stops it."""
    compare_progress.set((0, replications * len(chosen)))
    compare_status.set("running")

    def progress(done: int, total: int) -> None:
        compare_progress.set((done, total))

    try:
        result = run_compare(
            path,
            replications,
            chosen,
            until=until,
            workers=min(os.cpu_count() or 1, 4),
            progress=progress,
            cancelled=lambda: not compare_task.is_current(),
        )
    except CompareCancelled as err:
        compare_status.set(f"Cancelled: {err}.")
        return None
    except ScenarioError as err:
        compare_status.set("error")
        load_error.set(str(err))
        return None
    compare_status.set(
        f"Done: {result.runs} runs in {result.seconds:.1f} s (store: {result.store})."
    )
    return result


def _toggle_policy(name: str, on: bool) -> None:
    chosen = set(compare_policies.value) - {name} | ({name} if on else set())
    compare_policies.set([p for p in POLICIES if p in chosen])


@solara.component
def Compare() -> None:
    """The Compare page."""
    solara.Style(_CSS)
    try:
        spec = load_scenario(scenario_path.value)
    except ScenarioError as err:
        ScenarioErrorBox(str(err))
        return
    running = compare_task.pending
    with solara.Card(f"Compare policies on {spec.name}", margin=0):
        solara.Text(
            "Each policy runs with the same seeds (common random numbers); "
            "the synergy effect is merge minus no_merge, with 95% confidence intervals."
        )
        with solara.Row(style={"align-items": "center", "flex-wrap": "wrap"}):
            solara.SliderInt(
                "Replications per policy",
                value=compare_replications,
                min=2,
                max=50,
                disabled=running,
            )
            last = compare_until.value or spec.end_year
            solara.SliderInt(
                "Last year",
                value=last,
                min=spec.start_year + 1,
                max=spec.end_year,
                on_value=compare_until.set,
                disabled=running,
            )
            for p in POLICIES:
                solara.Checkbox(
                    label=p,
                    value=p in compare_policies.value,
                    on_value=lambda on, p=p: compare_policies.set(
                        [
                            q
                            for q in POLICIES
                            if (q == p and on) or (q != p and q in compare_policies.value)
                        ]
                    ),
                    disabled=running,
                )
        with solara.Row():
            solara.Button(
                "Run comparison",
                color="primary",
                disabled=running or len(compare_policies.value) < 1,
                on_click=lambda: compare_task(
                    scenario_path.value,
                    compare_replications.value,
                    list(compare_policies.value),
                    compare_until.value,
                ),
                classes=["sez-compare-run"],
            )
            solara.Button(
                "Cancel",
                disabled=not running,
                on_click=compare_task.cancel,
                outlined=True,
                classes=["sez-compare-cancel"],
            )
    done, total = compare_progress.value
    if running:
        fraction = 100 * done / total if total else 0
        solara.ProgressLinear(fraction if done else True, classes=["sez-compare-progress"])
        solara.Text(f"{done} of {total} runs", classes=["sez-compare-count"])
    if compare_status.value and compare_status.value != "running":
        solara.Text(compare_status.value, classes=["sez-compare-status"])
    result = compare_task.value if compare_task.finished else None
    if result is None:
        return
    with solara.GridFixed(columns=4, column_gap="6px", row_gap="6px"):
        for name in COMPARED:
            with solara.Column(classes=[f"sez-band-{name}"]):
                solara.FigureAltair(band_chart(result.bands[name], name, result.currency, 190))
    if not result.synergy.empty:
        _heading("Synergy effect (merge − no_merge), 95% confidence intervals", 4)
        table = result.synergy.assign(
            relative=lambda f: (100 * f["relative"]).map("{:+.1f}%".format),
            significant=lambda f: f["significant"].map({True: "yes", False: "no"}),
        )[["indicator", "year", "mean", "ci_low", "ci_high", "relative", "significant", "n"]]
        _table(table, ["sez-synergy"])


# ------------------------------------------------------------------ Scenario
def _scenario_tables(spec: Scenario) -> dict[str, Any]:
    import pandas as pd

    return {
        "SEZs": pd.DataFrame(
            [
                {
                    "id": z.id,
                    "name": z.name,
                    "region": z.region,
                    "priority sectors": ", ".join(z.sectors),
                    "period": f"{z.opens}-{z.closes}",
                    "area (ha)": z.area_ha,
                    "infrastructure": z.infrastructure,
                    "initial participants": z.initial_participants,
                }
                for z in spec.sezs
            ]
        ),
        "Clusters": pd.DataFrame(
            [
                {
                    "id": c.id,
                    "name": c.name,
                    "sector": c.sector,
                    "region": c.region,
                    "paired SEZs": ", ".join(c.sezs) or "-",
                    "firms": c.firms,
                    "employment": c.employment,
                    "institutes": len(c.institutes),
                }
                for c in spec.clusters
            ]
        ),
        "Integrators": pd.DataFrame(
            [
                {"cluster": c.id, "integrator": c.integrator.name, "source": c.integrator.source}
                for c in spec.clusters
                if c.integrator is not None
            ],
            columns=["cluster", "integrator", "source"],
        ),
        "Periods": pd.DataFrame(
            [{"what": "scenario", "opens": spec.start_year, "closes": spec.end_year}]
            + [{"what": f"SEZ {z.id}", "opens": z.opens, "closes": z.closes} for z in spec.sezs]
        ),
        "Regions": pd.DataFrame(
            [
                {"id": r.id, "name": r.name, "lat": r.lat, "lon": r.lon, "population": r.population}
                for r in spec.regions
            ]
        ),
        "Sectors": pd.DataFrame(
            [
                {
                    "id": s.id,
                    "name": s.name,
                    "expenditure share": s.expenditure_share,
                    "world demand": s.world_demand,
                    "related": ", ".join(s.related),
                }
                for s in spec.sectors
            ]
        ),
    }


@solara.component
def ScenarioPage() -> None:
    """The Scenario page."""
    solara.Style(_CSS)
    with solara.Card("Scenario file", margin=0):
        ScenarioPicker()
    spec = None
    try:
        spec = load_scenario(scenario_path.value)
    except ScenarioError as err:
        ScenarioErrorBox(str(err))
    if spec is None:
        return
    _heading(spec.name, 3)
    solara.Text(spec.description)
    solara.Text(
        f"{spec.country} — {spec.start_year} to {spec.end_year}, {spec.currency}; "
        f"{len(spec.regions)} regions, {len(spec.sectors)} sectors, {len(spec.sezs)} SEZs, "
        f"{len(spec.clusters)} clusters."
    )
    for title, frame in _scenario_tables(spec).items():
        _heading(title, 4)
        _table(frame, [f"sez-table-{title.lower()}"], "{:,.6g}")


# ------------------------------------------------------------------ layout and routes
_PAGES = [("/", "Explore"), ("/compare", "Compare"), ("/scenario", "Scenario")]


@solara.component
def Layout(children: list | None = None) -> None:
    """App bar with the title and one button per page."""
    router = solara.use_router()
    here = "/" + router.path.strip("/")
    with solara.AppLayout(children=children or [], title="sezsim", navigation=False):
        with solara.AppBar():
            for path, label in _PAGES:
                solara.Button(
                    label,
                    on_click=lambda path=path: router.push(path),
                    text=path != here,
                    outlined=path == here,
                    classes=[f"sez-nav-{label.lower()}"],
                )


routes = [
    solara.Route(path="/", component=Explore, label="Explore", layout=Layout),
    solara.Route(path="compare", component=Compare, label="Compare"),
    solara.Route(path="scenario", component=ScenarioPage, label="Scenario"),
]


def _path_of_this_file() -> Path:
    return Path(__file__)
