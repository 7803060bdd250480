"""The Solara app: Explore, Compare and Scenario pages (``sezsim ui`` or ``solara run``).

* Explore: pick a scenario and a policy, set parameters (grouped, typeable, limited to
  what the scenario accepts), step / play / pause / reset / run to a year at a chosen
  speed; monitors of the current year, the territory as a map, the indicator areas.
* Compare: N replications per policy with the Explore page's parameters, in the
  background; merge − no_merge over time with its 95% band, by region on the map, as a
  wide table with units and n; CSV and PNG downloads.
* Scenario: the loaded scenario as tables; an invalid file shows the validation message.

The page's settings (scenario, policy, seed, changed parameters, replications, last
year) live in the URL, so a reload or a shared link restores them.

Why not Mesa's ``SolaraViz`` as is: it rebuilds the model only through its own reset,
cannot show a scenario's validation message instead of a traceback, steps in the event
handler (the page waits), and is one page. The pieces here follow its design (a
reactive model, a controller with step / play / pause / reset, components that read
the model) with the model stepped by one background loop (:mod:`sim.ui.runloop`).
"""

from __future__ import annotations

import io
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast
from urllib.parse import parse_qsl, urlencode

import pandas as pd
import solara
import solara.lab
import solara.widgets
from solara.components.input import use_change

from sim.policy import POLICIES
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.ui.charts import (
    AREAS,
    MAP_INDICATORS,
    area_chart,
    band_chart,
    channel_waterfall,
    map_chart,
    synergy_chart,
    synergy_map,
)
from sim.ui.compare import COMPARED, CompareCancelled, CompareResult, run_compare
from sim.ui.labels import (
    PARAMETER_GROUPS,
    format_amount,
    glossary,
    indicator_label,
    indicator_unit,
    money_scale,
    parameter_group,
)
from sim.ui.runloop import SPEEDS
from sim.ui.session import (
    ExploreSession,
    ParameterControl,
    accepted_ranges,
    parameter_controls,
    shipped_scenarios,
)

__all__ = ["Compare", "Explore", "Layout", "ScenarioPage", "routes"]

#: While running to a year, the page redraws at most this often (seconds).
RUN_TO_REDRAW = 0.5
#: While the loop runs, the map and charts redraw at most this often (seconds): the
#: browser needs about this long to draw them, and a page sent more frames than it can
#: draw stops answering clicks (the freeze of issue 15). The year and the monitors
#: follow every year; the charts catch up when the loop stops.
CHART_INTERVAL = 1.0
#: The loop waits at most this long for the page to draw a year (seconds)...
DRAW_WAIT = 5.0
#: ...and then at least this long before the next year, so a redraw can reach the
#: browser even at the fastest speed.
MIN_GAP = 0.05
#: Below this many pairs of runs, the Compare page warns and claims no significance.
SMALL_N = 10
#: Monitors: the big numbers of the current year.
MONITORS = [
    "turnover",
    "employment",
    "exports",
    "taxes",
    "privilege_cost",
    "fdi_inflow",
    "sez_registered",
    "innovations",
]
#: Environment variable naming a chart that raises while drawing (tests the error
#: boundary in a real server; never set in normal use).
BREAK_CHART = "SEZSIM_UI_BREAK_CHART"

logger = logging.getLogger(__name__)

_DEFAULT = next((p for p in shipped_scenarios() if p.stem == "kazakhstan"), None)
_CONTROLS = parameter_controls()
_CONTROL = {c.name: c for c in _CONTROLS}
_RANGES: dict[tuple[str, tuple], dict[str, tuple[float, float]]] = {}

# Per-user state: Solara keeps one value of each reactive variable per browser session.
scenario_path = solara.reactive(str(_DEFAULT) if _DEFAULT else "")
policy = solara.reactive("merge")
seed = solara.reactive(42)
overrides: solara.Reactive[dict[str, Any]] = solara.reactive({})
param_errors: solara.Reactive[dict[str, str]] = solara.reactive({})
session: solara.Reactive[ExploreSession | None] = solara.reactive(None)
load_error = solara.reactive("")
tick = solara.reactive(0)  # bumped after simulated years: redraws what reads the model
control_tick = solara.reactive(0)  # bumped by clicks: redraws the buttons only
chart_tick = solara.reactive(0)  # bumped at most every CHART_INTERVAL: redraws the charts
loop_error = solara.reactive("")
speed = solara.reactive("normal")
selected: solara.Reactive[tuple[str, str] | None] = solara.reactive(None)
map_indicator = solara.reactive("turnover")
#: "Run to year" (0: the scenario's last year). A reactive, not component state, so the
#: Run button reads the year typed last even when it is clicked before the page redraws.
run_to_year: solara.Reactive[int | None] = solara.reactive(None)
url_adopted = solara.reactive(False)
open_groups: solara.Reactive[frozenset[str]] = solara.reactive(frozenset())

compare_replications = solara.reactive(5)
compare_policies = solara.reactive(list(POLICIES))
compare_until: solara.Reactive[int | None] = solara.reactive(None)
compare_progress = solara.reactive((0, 0))
compare_status = solara.reactive("")
compare_indicator = solara.reactive("taxes")

_CSS = """
.sez-table table { border-collapse: collapse; font-size: 12px; }
.sez-table th, .sez-table td { padding: 2px 8px; border-bottom: 1px solid #e0e0e0; }
.sez-table th { text-align: left; background: #f5f5f5; }
.sez-error pre { white-space: pre-wrap; font-size: 13px; margin: 0; }
.sez-year { font-size: 22px; font-weight: 600; }
.sez-monitor { padding: 6px 10px; border: 1px solid #e0e0e0; border-radius: 6px;
  min-width: 150px; background: #fafafa; }
.sez-monitor-value { font-size: 22px; font-weight: 600; line-height: 1.2; }
.sez-monitor-label { font-size: 12px; color: #555; }
.sez-monitor-change { font-size: 11px; color: #777; }
.sez-param-error { font-size: 12px; white-space: pre-wrap; }
.sez-note { font-size: 12px; color: #555; }
"""


# ------------------------------------------------------------------ settings in the URL
def settings_query() -> str:
    """The page's settings as a URL query (what a shared link restores)."""
    shipped = {str(p): p.stem for p in shipped_scenarios()}
    items: list[tuple[str, str]] = [
        ("scenario", shipped.get(scenario_path.value, scenario_path.value)),
        ("policy", policy.value),
        ("seed", str(seed.value)),
    ]
    items += [(f"p.{k}", f"{v:g}") for k, v in sorted(overrides.value.items())]
    items += [("reps", str(compare_replications.value))]
    if compare_until.value:
        items += [("until", str(compare_until.value))]
    return urlencode(items)


def adopt_query(search: str | None) -> None:
    """Set the page's settings from a URL query (once per browser session)."""
    if url_adopted.value:
        return
    url_adopted.set(True)
    if not search:
        return
    shipped = {p.stem: str(p) for p in shipped_scenarios()}
    changed: dict[str, Any] = {}
    for key, value in parse_qsl(search):
        try:
            if key == "scenario":
                scenario_path.set(shipped.get(value, value))
            elif key == "policy" and value in POLICIES:
                policy.set(value)
            elif key == "seed":
                seed.set(int(value))
            elif key == "reps":
                compare_replications.set(max(2, min(50, int(value))))
            elif key == "until":
                compare_until.set(int(value))
            elif key.startswith("p.") and key[2:] in _CONTROL:
                c = _CONTROL[key[2:]]
                changed[c.name] = int(float(value)) if c.integer else float(value)
        except ValueError:
            continue  # a mangled link: keep the default of that setting
    overrides.set(changed)
    session.set(None)


# ------------------------------------------------------------------ model lifecycle
def _build(changes: dict[str, Any]) -> ExploreSession:
    return ExploreSession(scenario_path.value, policy.value, seed.value, changes)


def _stop_loop() -> None:
    current = session.value
    if current is not None:
        current.control.request("stop")


def rebuild() -> None:
    """(Re)build the model from the chosen scenario, policy, seed and parameters."""
    _stop_loop()
    selected.set(None)
    try:
        built = _build(overrides.value)
    except ScenarioError as err:
        session.set(None)
        load_error.set(str(err))
        return
    except Exception as err:  # never a traceback on the page: say what and where
        session.set(None)
        load_error.set(f"{scenario_path.value}: cannot build the model: {err}")
        return
    built.control.delay = SPEEDS[speed.value]
    load_error.set("")
    param_errors.set({})
    first, last = built.spec.start_year, built.spec.end_year
    if not first <= (run_to_year.value or 0) <= last:
        run_to_year.set(last)  # the field starts at the scenario's last year
    session.set(built)
    tick.set(tick.value + 1)


def set_scenario(path: str | None) -> None:
    """Switch to another scenario file; parameter changes are kept."""
    if not path or (path == scenario_path.value and session.value is not None):
        return
    scenario_path.set(path)
    rebuild()


def set_parameter(name: str, value: float | None) -> None:
    """Run the model with a new value of one parameter, or say why not, under its slider.

    A value outside the schema's range, or one the scenario rejects with the other
    parameters as they are, leaves the model as it was; the message names the slider.
    """
    c = _CONTROL[name]
    errors = {k: v for k, v in param_errors.value.items() if k != name}
    if value is None:
        param_errors.set(errors)
        return
    value = round(value) if c.integer else float(value)
    if not c.low <= value <= c.high:
        errors[name] = (
            f"{name} = {value:g} is outside its range {c.low:g} to {c.high:g} [{c.unit}]; "
            "the model keeps the previous value."
        )
        param_errors.set(errors)
        return
    changes = {**overrides.value, name: value}
    if value == c.default:
        changes.pop(name)
    _stop_loop()
    try:
        built = _build(changes)
    except ScenarioError as err:
        kept = overrides.value.get(name, c.default)
        reasons = "\n".join(f"  {path}: {msg}" for path, msg in err.problems[:3])
        more = len(err.problems) - 3
        errors[name] = (
            f"{name} = {value:g} is not accepted by this scenario "
            f"({len(err.problems)} problem(s)):\n{reasons}"
            + (f"\n  … and {more} more" if more > 0 else "")
            + f"\nThe model keeps {name} = {kept:g}."
        )
        param_errors.set(errors)
        tick.set(tick.value + 1)
        return
    built.control.delay = SPEEDS[speed.value]
    overrides.set(changes)
    param_errors.set(errors)
    selected.set(None)
    session.set(built)
    tick.set(tick.value + 1)


def run_loop(current: ExploreSession) -> None:
    """The one run loop: simulate years while the session's control asks for them.

    Clicks change ``current.control``; this loop alone steps the model, one year at a
    time in order, and ends when nothing more is asked (or the model is replaced). It
    runs in its own thread inside the browser session's kernel context, so each year's
    redraw reaches the page while the loop goes on.
    """
    import solara.server.kernel_context as kernel_context

    context = kernel_context.get_current_context()

    def loop() -> None:
        with context:
            _loop(current)

    threading.Thread(target=loop, name="sezsim-run-loop", daemon=True).start()


def _redraw(current: ExploreSession, chart: bool) -> None:
    """Ask for a redraw and wait until the page has drawn it (at most DRAW_WAIT seconds).

    Backpressure: a loop that asks for the next year's redraw while the page still
    draws the last one keeps Solara re-rendering without a pause, and nothing reaches
    the browser until it stops (the freeze of issue 15).
    """
    current.drawn.clear()
    if chart:
        chart_tick.set(chart_tick.value + 1)
    tick.set(tick.value + 1)
    current.drawn.wait(DRAW_WAIT)


def _loop(current: ExploreSession) -> None:
    control = current.control
    drawn = charts_drawn = time.perf_counter()
    try:
        while control.next_year(current.model.year, current.running and session.value is current):
            current.step()
            now = time.perf_counter()
            if control.target is None or now - drawn >= RUN_TO_REDRAW:
                _redraw(current, chart=now - charts_drawn >= CHART_INTERVAL)
                drawn = time.perf_counter()
                if now - charts_drawn >= CHART_INTERVAL:
                    charts_drawn = drawn
            if control.playing:
                time.sleep(max(control.delay, MIN_GAP))
    except Exception as err:
        with control.lock:
            control.playing, control.steps, control.target = False, 0, None
            control.looping = False
        loop_error.set(f"The model stopped: {type(err).__name__}: {err}")
    finally:
        tick.set(tick.value + 1)
        chart_tick.set(chart_tick.value + 1)
        control_tick.set(control_tick.value + 1)


def click(action: str, year: int | None = None) -> None:
    """A Play / Pause / Step / run-to click: record it; start the loop if none runs."""
    current = session.value
    if current is None:
        return
    if current.control.request(action, year):
        run_loop(current)
    control_tick.set(control_tick.value + 1)


def _drawn() -> None:
    if session.value is not None:
        session.value.drawn.set()


def _ensure_session(search: str | None) -> None:
    adopt_query(search)
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
    html = frame.to_html(index=False, border=0, na_rep="—", float_format=floatfmt.format)
    solara.HTML(unsafe_innerHTML=html, classes=["sez-table", *(classes or [])])


def _chart_spec(name: str, build: Callable[[], Any]) -> tuple[dict | None, str]:
    """The chart's Vega-Lite specification, or why it could not be built."""
    try:
        if os.environ.get(BREAK_CHART) == name:
            raise RuntimeError(f"chart {name!r} broken on purpose ({BREAK_CHART})")
        chart = build()
        return (chart if isinstance(chart, dict) else chart.to_dict()), ""
    except Exception as err:  # one chart's failure must not take the page down
        logger.warning("chart %s could not be drawn: %s: %s", name, type(err).__name__, err)
        return None, f"{type(err).__name__}: {err}"


@solara.component
def SafeChart(
    name: str, build: Callable[[], Any], on_click: Callable | None = None, version: Any = None
) -> None:
    """A chart behind an error boundary: if it fails, it says so; the page carries on.

    Building and serialising the chart happen here, under the boundary (the Altair
    error of issue 15 came from there); what the browser's Vega does with a valid
    specification cannot raise on the server.

    Args:
        name: the chart's name (CSS class ``sez-chart-<name>``).
        build: returns the Altair chart or a Vega-Lite specification.
        on_click: called with the clicked datum.
        version: the chart is rebuilt only when this changes (not on every redraw).
    """
    attempt, set_attempt = solara.use_state(0)
    spec, error = solara.use_memo(lambda: _chart_spec(name, build), [version, attempt])
    with solara.Column(classes=[f"sez-chart-{name}"], gap="0px"):
        if spec is None:
            with solara.Warning(classes=["sez-chart-error"]):
                solara.Text(
                    f"The chart '{name}' could not be drawn ({error}). The rest of the page works."
                )
            solara.Button(
                "Try again",
                on_click=lambda: set_attempt(attempt + 1),
                text=True,
                classes=["sez-chart-retry"],
            )
            return
        solara.widgets.VegaLite.element(
            spec=spec, on_click=on_click, listen_to_click=on_click is not None
        )


# ------------------------------------------------------------------ Explore
@solara.component
def RunControls() -> None:
    """Step, Play / Pause, Reset, the speed, and "run to year"."""
    RunButtons()
    RunToYear()


@solara.component
def RunButtons() -> None:
    """Step, Play / Pause, Reset and the speed; redrawn every year (they follow the run)."""
    _ = tick.value, control_tick.value
    current = session.value
    can_run = current is not None and current.running
    busy = current is not None and current.control.busy
    with solara.Row(gap="6px"):
        solara.Button(
            "Step",
            on_click=lambda: click("step"),
            disabled=not can_run or busy,
            color="primary",
            classes=["sez-step"],
        )
        solara.Button(
            "Pause" if busy else "Play",
            # the button does what it says, even if the state changed since it was drawn
            on_click=lambda: click("pause" if busy else "play"),
            disabled=not can_run and not busy,
            color="primary",
            outlined=True,
            classes=["sez-play"],
        )
        solara.Button("Reset", on_click=rebuild, outlined=True, classes=["sez-reset"])

    def set_speed(name: str) -> None:
        speed.set(name)
        if session.value is not None:
            session.value.control.delay = SPEEDS[name]

    with solara.Row(style={"align-items": "center"}):
        solara.Text("Speed", style={"font-size": "12px"})
        solara.ToggleButtonsSingle(
            value=speed.value, values=list(SPEEDS), on_value=set_speed, classes=["sez-speed"]
        )


@solara.component
def RunToYear() -> None:
    """The "run to year" field and its Run button, side by side."""
    with solara.Row(style={"align-items": "center"}, gap="6px"):
        RunToYearField()
        RunToButton()


def _run_to_target() -> int:
    """The year "Run" runs to: the one typed last, or the scenario's last year."""
    current = session.value
    return run_to_year.value or (current.spec.end_year if current is not None else 2030)


@solara.component
def RunToYearField() -> None:
    """The field alone.

    It reads neither `tick` nor `control_tick`: a simulated year or a click elsewhere
    does not draw it anew under the user's typing.
    """
    # Every keystroke is kept in `run_to_year` (continuous update): should the field be
    # drawn anew while the model runs, it is drawn with what was typed.
    solara.InputInt(
        "Run to year",
        value=run_to_year.value,
        on_value=run_to_year.set,
        continuous_update=True,
        dense=True,
        classes=["sez-run-to-year"],
    )


@solara.component
def RunToButton() -> None:
    """Run to the year typed; enabled when the run can go on and is not busy."""
    _ = control_tick.value
    current = session.value
    can_run = current is not None and current.running
    busy = current is not None and current.control.busy
    solara.Button(
        "Run",
        on_click=lambda: click("run_to", _run_to_target()),
        disabled=not can_run or busy,
        outlined=True,
        classes=["sez-run-to"],
    )


@solara.component
def Controls() -> None:
    """Scenario, policy, seed, the run controls and the parameters."""
    ScenarioPicker()
    solara.Text("Policy")
    solara.ToggleButtonsSingle(
        value=policy.value,
        values=list(POLICIES),
        on_value=lambda p: (policy.set(p), rebuild()),
        classes=["sez-policy"],
    )
    solara.InputInt("Seed", value=seed.value, on_value=lambda s: (seed.set(int(s or 0)), rebuild()))
    RunControls()
    ParameterSliders()


def _ranges() -> dict[str, tuple[float, float]]:
    key = (scenario_path.value, tuple(sorted(overrides.value.items())))
    if key not in _RANGES:
        _RANGES[key] = accepted_ranges(scenario_path.value, overrides.value, _CONTROLS)
    return _RANGES[key]


@solara.component
def ParameterInput(c: ParameterControl, value: float) -> None:
    """A parameter's typeable value, committed on Enter or when the field is left.

    What is typed is kept, keystroke by keystroke, as this field's draft: should the field
    be drawn anew while the model runs, it is drawn with the draft, not the old value.
    """
    draft, set_draft = solara.use_state(cast(str | None, None))

    def commit(text: str | None) -> None:
        set_draft(None)
        if text is None or text.strip() in ("", str(value)):
            return
        try:
            number = int(text) if c.integer else float(text)
        except ValueError:
            kind = "a whole number" if c.integer else "a number"
            param_errors.set(
                {
                    **param_errors.value,
                    c.name: f"{c.name} = {text!r} is not {kind}; the model keeps {value:g}.",
                }
            )
            return
        set_parameter(c.name, number)

    field = solara.v.TextField(
        v_model=draft if draft is not None else str(value),
        on_v_model=set_draft,
        label=c.name,
        dense=True,
        hide_details=True,
        suffix="" if c.unit == "1" else c.unit,
        class_="sez-param-input",
    )
    use_change(field, commit)


@solara.component
def ParameterSlider(c: ParameterControl, low: float, high: float) -> None:
    """One parameter: its value (typeable), a slider within what the scenario accepts."""
    value = overrides.value.get(c.name, c.default)
    error = param_errors.value.get(c.name)
    with solara.Column(gap="0px", classes=[f"sez-param-{c.name}"]):
        with solara.Row(style={"align-items": "center"}, gap="4px"):
            ParameterInput(c, value).key(f"input-{c.name}-{value}")
        slider = solara.SliderInt if c.integer else solara.SliderFloat
        slider(
            "",
            value=min(max(value, low), high),
            min=low,
            max=high,
            step=c.step,
            on_value=lambda v, name=c.name: set_parameter(name, v),
        ).key(f"slider-{c.name}-{low}-{high}")
        if error:
            solara.Error(error, classes=["sez-param-error"], dense=True)
        narrowed = (low, high) != (c.low, c.high)
        limited = " (narrowed to what the scenario accepts)" if narrowed else ""
        solara.Text(
            f"range {low:g} to {high:g}{limited}, default {c.default:g}. {c.description}",
            style={"font-size": "11px", "color": "#777", "line-height": "1.2"},
        )


@solara.component
def ParameterSliders() -> None:
    """The parameters in collapsible groups; a change restarts the run."""
    query, set_query = solara.use_state("")
    changed = overrides.value
    ranges = _ranges()

    def restore() -> None:
        overrides.set({})
        rebuild()

    solara.Text(
        "Parameters: type a value or drag; a change restarts the run at the first year.",
        style={"font-size": "12px", "color": "#666"},
    )
    solara.InputText("filter", value=query, on_value=set_query, continuous_update=True, dense=True)
    if changed:
        solara.Button(f"Restore defaults ({len(changed)} changed)", on_click=restore, text=True)
    groups = [*PARAMETER_GROUPS, "Other"]
    for group in groups:
        members = [c for c in _CONTROLS if parameter_group(c.name) == group]
        if query:
            members = [c for c in members if query.lower() in c.name.lower()]
        if not members:
            continue
        n_changed = sum(c.name in changed for c in members)
        flagged = any(c.name in param_errors.value for c in members)
        summary = f"{group} ({len(members)})" + (f" — {n_changed} changed" if n_changed else "")
        is_open = group in open_groups.value or bool(query) or flagged

        def toggle(group: str = group) -> None:
            open_groups.set(open_groups.value ^ {group})

        with solara.Column(classes=[f"sez-group-{group.lower()}"], gap="0px"):
            solara.Button(
                ("▾ " if is_open else "▸ ") + summary,
                on_click=toggle,
                text=True,
                classes=["sez-group-toggle"],
                style={"justify-content": "flex-start", "text-transform": "none"},
            )
            if is_open:
                for c in members:
                    ParameterSlider(c, *ranges.get(c.name, (c.low, c.high)))


@solara.component
def YearHeader(current: ExploreSession) -> None:
    """Scenario, policy and the current year, with how long the last year took."""
    _ = tick.value  # the session object stays the same while the model steps
    spec = current.spec
    took = current.step_seconds[-1] * 1000 if current.step_seconds else None
    with solara.Row(style={"align-items": "baseline", "flex-wrap": "wrap"}):
        label = f"Year {current.year}" if current.simulated else f"Start {current.year}"
        solara.Text(label, classes=["sez-year"])
        target = current.control.target
        solara.Text(
            f"{spec.name} — policy {current.policy} — {current.simulated} of "
            f"{spec.end_year - spec.start_year + 1} years simulated"
            + (f" — running to {target}" if target else "")
            + (" — simulating" if current.control.looping and not target else "")
            + (f" — last year took {took:.1f} ms" if took is not None else ""),
            classes=["sez-status"],
        )
    if current.overrides:
        text = ", ".join(f"{k} = {current.parameter(k):g}" for k in sorted(current.overrides))
        solara.Text(f"Model runs with: {text}", classes=["sez-effective"])


@solara.component
def Monitors(current: ExploreSession) -> None:
    """Big numbers of the current year, each with its unit and the change on last year."""
    _ = tick.value
    national = current.national()
    currency = current.spec.currency
    with solara.Row(style={"flex-wrap": "wrap"}, gap="8px", classes=["sez-monitors"]):
        for name in MONITORS:
            value = float(national[name].iloc[-1]) if not national.empty else float("nan")
            before = float(national[name].iloc[-2]) if len(national) > 1 else float("nan")
            with solara.Column(gap="0px", classes=["sez-monitor", f"sez-monitor-{name}"]):
                solara.Text(indicator_label(name), classes=["sez-monitor-label"])
                solara.Text(
                    format_amount(name, value, currency)
                    if not national.empty
                    else "— (press Step)",
                    classes=["sez-monitor-value"],
                )
                if len(national) > 1:
                    delta = value - before
                    sign = "+" if delta >= 0 else "−"
                    solara.Text(
                        f"{sign}{format_amount(name, abs(delta), currency)} on last year",
                        classes=["sez-monitor-change"],
                    )


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
        frame = pd.DataFrame(
            {
                "indicator": [indicator_label(n) for n in row.index],
                "value": [format_amount(n, float(v), spec.currency) for n, v in row.items()],
                "column": list(row.index),
            }
        )
        solara.Text(
            f"{kind} {ident}, {int(latest.loc[ident, 'year'])}", classes=["sez-detail-title"]
        )
        _table(frame, ["sez-detail-table"])


@solara.component
def Glossary(currency: str) -> None:
    """Every indicator: human name, column, unit and formula (from the registry)."""
    with solara.Column(classes=["sez-glossary"]):
        with solara.Details("Glossary: indicators, units and what they measure"):
            _table(pd.DataFrame(glossary(currency)), ["sez-glossary-table"])


@solara.component
def IndicatorSelect(
    label: str, choices: list[str], shown: str, state: solara.Reactive, css: str
) -> None:
    """A drop-down of indicators by their labels; picking one stores its name in ``state``."""
    solara.Select(
        label,
        values=[indicator_label(n) for n in choices],
        value=indicator_label(shown),
        on_value=lambda text: state.set(next(n for n in choices if indicator_label(n) == text)),
        classes=[css],
    )


@solara.component
def TerritoryMap(current: ExploreSession) -> None:
    """The map, the indicator it is coloured by, and the details of what was clicked."""
    _ = tick.value

    def on_click(datum: dict | None) -> None:
        if datum and datum.get("kind") in ("region", "sez", "cluster"):
            selected.set((datum["kind"], str(datum["id"])))

    frames = current.territory()
    choices = [n for n in MAP_INDICATORS if n in frames.regions.columns]
    shown = map_indicator.value if map_indicator.value in choices else choices[0]
    with solara.Row(style={"align-items": "flex-start", "flex-wrap": "wrap"}):
        with solara.Column(classes=["sez-territory"], style={"flex": "0 0 auto"}, gap="0px"):
            IndicatorSelect(
                "Colour the regions by", choices, shown, map_indicator, "sez-map-indicator"
            )
            SafeChart(
                "map",
                lambda: map_chart(frames, current.spec, shown, current.scales, current.merged),
                on_click,
                version=(id(current), chart_tick.value, shown),
            )
            solara.Text(
                "Grey units: not in the scenario. Scales stay fixed from year to year (they "
                "widen to the next round number only when a value exceeds them). "
                + (
                    "Dashed lines: cluster ↔ paired SEZ (this policy merges them)."
                    if current.merged
                    else "No pairing lines yet: merging starts in "
                    f"{current.model.policy_start_year}."
                    if current.model.target_policy.merge_clusters_into_sezs
                    else "No pairing lines: this policy does not merge clusters into SEZs."
                ),
                classes=["sez-note", "sez-map-note"],
            )
        with solara.Column(style={"flex": "1 1 260px", "min-width": "260px"}):
            Detail(current)


@solara.component
def Explore() -> None:
    """The Explore page."""
    solara.Style(_CSS)
    router = solara.use_router()
    solara.use_effect(lambda: _ensure_session(router.search), [])
    # The page itself does not read `tick`: a simulated year redraws ExploreYear only, so
    # the sidebar's fields are not drawn anew (and what is being typed in them not wiped)
    # while the model runs.
    with solara.Sidebar():
        Controls()
    if load_error.value:
        ScenarioErrorBox(load_error.value)
        return
    current = session.value
    if current is None:
        solara.ProgressLinear(True)
        return
    ExploreYear(current)


@solara.component
def ExploreYear(current: ExploreSession) -> None:
    """What changes every simulated year: header, monitors, map and charts."""
    _ = tick.value  # redraw after every simulated year
    # after the page is drawn (effects run once the render pass is done), the run loop
    # may go on (see _redraw)
    solara.use_effect(_drawn, [tick.value, id(current)])
    YearHeader(current)
    if load_error.value == "" and loop_error.value:
        solara.Error(loop_error.value, classes=["sez-loop-error"])
    Monitors(current)
    TerritoryMap(current)
    national = current.national()
    currency = current.spec.currency
    years = (current.spec.start_year, current.spec.end_year)
    with solara.GridFixed(columns=3, column_gap="8px", row_gap="8px"):
        for area in AREAS:
            SafeChart(
                area,
                lambda area=area: area_chart(national, area, currency, years),
                version=(id(current), chart_tick.value),
            )
    Glossary(currency)


# ------------------------------------------------------------------ Compare
@solara.lab.task(prefer_threaded=True)
def compare_task(
    path: str,
    replications: int,
    chosen: list[str],
    until: int | None,
    parameters: dict[str, Any],
):
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
            parameters=parameters,
            workers=min(os.cpu_count() or 1, 4),
            progress=progress,
            cancelled=lambda: not compare_task.is_current(),
        )
    except CompareCancelled as err:
        compare_status.set(f"Cancelled: {err}.")
        return None
    except ScenarioError as err:
        compare_status.set(f"The scenario rejects these settings:\n{err}")
        return None
    compare_status.set(
        f"Done: {result.runs} runs in {result.seconds:.1f} s (store: {result.store})."
    )
    return result


def _parameters_sentence(parameters: dict[str, Any]) -> str:
    if not parameters:
        return "the scenario's default parameters (none changed on Explore)"
    text = ", ".join(
        f"{k} = {v:g} (default {_CONTROL[k].default:g})" if k in _CONTROL else f"{k} = {v}"
        for k, v in sorted(parameters.items())
    )
    return f"the parameters set on Explore: {text}"


def _cell(row: pd.Series, currency: str) -> str:
    """One cell: mean, 95% CI and change on no_merge, e.g. -218 [-325, -111] bn KZT/yr."""
    name = row["indicator"]
    if row["mean"] == 0 and row["control_mean"] == 0:
        return "—"  # both policies at zero: no effect to report, no percentage
    values = [row["mean"]] + ([row["ci_low"], row["ci_high"]] if row["n"] > 1 else [])
    divisor, unit = money_scale(name, max(abs(v) for v in values), currency)
    shown = [
        f"{v / divisor:,.3g}" if abs(v / divisor) < 1000 else f"{v / divisor:,.0f}" for v in values
    ]
    text = shown[0] + (f" [{shown[1]}, {shown[2]}]" if len(shown) == 3 else "")
    if unit.startswith("count"):
        text += unit.removeprefix("count")  # "/yr", or nothing
    elif unit not in ("1", "index"):
        text += f" {unit}"
    if pd.notna(row["relative"]) and row["control_mean"]:
        text += f" ({100 * row['relative']:+.1f}%)"
    return text


def synergy_wide(result: CompareResult) -> pd.DataFrame:
    """The synergy table for people: one row per indicator, one column per year."""
    table = result.synergy
    if table.empty:
        return pd.DataFrame()
    cells = table.assign(cell=table.apply(_cell, axis=1, currency=result.currency))
    wide = cells.pivot(index="indicator", columns="year", values="cell")
    wide = wide.reindex([i for i in COMPARED if i in wide.index])
    wide.columns = [str(y) for y in wide.columns]
    wide.insert(0, "unit", [indicator_unit(i, result.currency) for i in wide.index])
    wide.insert(0, "indicator", [indicator_label(i) for i in wide.index])
    return wide.reset_index(drop=True)


def synergy_csv(result: CompareResult) -> str:
    """The synergy over time as CSV: indicator, unit, year, mean, CI, n, relative."""
    table = result.synergy_over_time.copy()
    table.insert(1, "label", [indicator_label(i) for i in table["indicator"]])
    table.insert(2, "unit", [indicator_unit(i, result.currency) for i in table["indicator"]])
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue()


def load_decomposition(scenario: str, root: Path | None = None) -> tuple[pd.DataFrame, Path] | None:
    """The ``sezsim decompose`` table of a scenario, if one was run (``make decompose``).

    Looked for in ``results/decompose-<scenario stem>/decomposition.csv`` under ``root``
    (default: the working directory), where ``sezsim decompose`` writes by default.
    """
    path = (root or Path.cwd()) / "results" / f"decompose-{Path(scenario).stem}"
    table = path / "decomposition.csv"
    if not table.is_file():
        return None
    try:
        return pd.read_csv(table), table
    except (OSError, ValueError, pd.errors.ParserError):
        return None


@solara.component
def CompareResults(result: CompareResult, spec: Scenario) -> None:
    """Merge − no_merge first: over time, by region, as a table; then the trajectories."""
    if result.synergy.empty:
        solara.Info("Choose both merge and no_merge to see the synergy effect.")
    else:
        n = int(result.synergy["n"].min())
        _heading("Does merging win? Synergy effect = merge − no_merge", 3)
        solara.Text(
            f"n = {n} pairs of runs (common random numbers), 95% confidence intervals; "
            f"run with {_parameters_sentence(result.parameters)}.",
            classes=["sez-compare-n"],
        )
        if n < SMALL_N:
            solara.Warning(
                f"Small sample: n = {n} pairs of runs. The intervals are wide and rough; "
                f"use at least {SMALL_N} replications before reading a sign into them.",
                classes=["sez-small-n"],
            )
        with solara.GridFixed(columns=4, column_gap="6px", row_gap="6px"):
            for name in COMPARED:
                SafeChart(
                    f"synergy-{name}",
                    lambda name=name: synergy_chart(
                        result.synergy_over_time, name, result.currency, 190
                    ),
                    version=id(result),
                )
        choices = [i for i in COMPARED if i in set(result.synergy_by_region["indicator"])]
        if choices:
            shown = compare_indicator.value if compare_indicator.value in choices else choices[0]
            final = int(result.synergy_by_region["year"].max())
            _heading(f"Where merging wins and loses, {final}", 4)
            IndicatorSelect(
                "Indicator", choices, shown, compare_indicator, "sez-synergy-map-indicator"
            )
            by_region = result.synergy_by_region
            by_region = by_region[by_region["indicator"] == shown].rename(
                columns={"region": "name"}
            )
            SafeChart(
                "synergy-map",
                lambda: synergy_map(by_region, spec, shown),
                version=(id(result), shown),
            )
            solara.Text(
                "Blue: the region gains under merge; red: it loses (activity displaced to or "
                "from other regions). Grey: not in the scenario.",
                classes=["sez-note"],
            )
        found = load_decomposition(scenario_path.value)
        with solara.Card("Decomposition of the synergy effect", margin=0):
            if found is None:
                solara.Text(
                    "The channels behind merge − no_merge (finance, industry, labour, "
                    "innovation) come from `sezsim decompose` (16 arms; `make decompose`), "
                    "not from the runs above; none was found for this scenario in "
                    f"results/decompose-{Path(scenario_path.value).stem}/.",
                    classes=["sez-note", "sez-waterfall-placeholder"],
                )
            else:
                table, source = found
                year = int(table["year"].max())
                names = [i for i in COMPARED if i in set(table["indicator"])]
                with solara.GridFixed(columns=3, column_gap="6px", row_gap="6px"):
                    for name in names[:3]:
                        SafeChart(
                            f"waterfall-{name}",
                            lambda name=name: channel_waterfall(
                                table, name, year, spec.currency, 240
                            ),
                            version=(str(source), name),
                        )
                n = int(table["n"].min())
                solara.Text(
                    f"Exact Shapley values of the four channels, {year}, from `sezsim "
                    f"decompose` ({n} replications per arm, {source}), at the scenario's "
                    "own parameters (not the ones set above); the channels add up to the "
                    "total, merge − no_merge.",
                    classes=["sez-note", "sez-waterfall-source"],
                )
        _heading("Synergy effect by indicator and year", 4)
        _table(synergy_wide(result), ["sez-synergy"])
        with solara.Row():
            solara.FileDownload(
                lambda: synergy_csv(result),
                filename="sezsim-synergy.csv",
                label="Download CSV (all years)",
                mime_type="text/csv",
            )
            solara.Text(
                "PNG: the ⋯ menu of each chart saves it as PNG or SVG.", classes=["sez-note"]
            )
    _heading("Trajectories per policy (mean and 95% band)", 4)
    with solara.GridFixed(columns=4, column_gap="6px", row_gap="6px"):
        for name in COMPARED:
            with solara.Column(classes=[f"sez-band-{name}"]):
                SafeChart(
                    f"band-{name}",
                    lambda name=name: band_chart(result.bands[name], name, result.currency, 190),
                    version=id(result),
                )


@solara.component
def Compare() -> None:
    """The Compare page."""
    solara.Style(_CSS)
    router = solara.use_router()
    solara.use_effect(lambda: adopt_query(router.search), [])
    try:
        spec = load_scenario(scenario_path.value, overrides=overrides.value or None)
    except ScenarioError as err:
        ScenarioErrorBox(str(err))
        return
    running = compare_task.pending
    with solara.Card(f"Compare policies on {spec.name}", margin=0):
        solara.Text(
            "Each policy runs with the same seeds (common random numbers); the synergy "
            "effect is merge minus no_merge, with 95% confidence intervals."
        )
        solara.Text(
            f" Runs with {_parameters_sentence(overrides.value)}.",
            classes=["sez-compare-parameters"],
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
                    dict(overrides.value),
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
    CompareResults(result, spec)


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
    """App bar with the title and one button per page; the settings kept in the URL."""
    router = solara.use_router()
    here = "/" + router.path.strip("/")
    query = settings_query()

    def keep_in_url() -> None:
        # only after the page adopted the URL it was opened with (else a shared link
        # would be overwritten by the defaults before it is read)
        if url_adopted.value and (router.search or "") != query:
            router.push(f"{here}?{query}")

    solara.use_effect(keep_in_url, [query, url_adopted.value, here])
    with solara.AppLayout(children=children or [], title="sezsim", navigation=False):
        with solara.AppBar():
            for path, label in _PAGES:
                solara.Button(
                    label,
                    on_click=lambda path=path: router.push(f"{path}?{settings_query()}"),
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
