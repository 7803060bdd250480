"""The UI in a real browser: Debian's Chromium driven by Playwright against ``sezsim ui``.

The server is started by the test on a free localhost port, exactly as a user starts it,
and serves Solara's front-end from the local asset cache (no CDN is reachable). Every
page is screenshotted into ``tests/artifacts/`` (with ``SEZSIM_UPDATE_SCREENSHOTS=1``
also into ``docs/img/``, the README's pictures). Timings go to
``tests/artifacts/ui-timings.json`` (measured, never asserted).
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.ui

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMINGS: dict[str, float | list[float]] = {}
FAILED_LOADS: list[str] = []

if not Path(CHROMIUM).exists() and not os.environ.get("CI"):
    pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)", allow_module_level=True)

from playwright.sync_api import Page, expect, sync_playwright  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    ARTIFACTS.mkdir(exist_ok=True)
    port = _free_port()
    log_path = ARTIFACTS / "ui-server.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "ui", "--port", str(port), "--host", "127.0.0.1"],
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 180  # the first start fetches the assets with npm
    while True:
        if proc.poll() is not None:
            pytest.fail(f"sezsim ui exited with {proc.returncode}:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(url + "/", timeout=5) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"sezsim ui did not answer:\n{log_path.read_text()}")
        time.sleep(0.5)
    yield url, log_path
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
    log.close()
    (ARTIFACTS / "ui-timings.json").write_text(json.dumps(TIMINGS, indent=2))


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def page(server, browser):
    """A fresh browser session (a fresh model) at 1280x800, recording failed loads."""
    url, _ = server
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    pg.set_default_timeout(60_000)

    def failed(request):
        FAILED_LOADS.append(f"{request.url}: {request.failure}")

    def bad_status(response):
        if response.status >= 400:
            FAILED_LOADS.append(f"{response.url}: HTTP {response.status}")

    pg.on("requestfailed", failed)
    pg.on("response", bad_status)
    pg.base = url  # type: ignore[attr-defined]
    yield pg
    context.close()


def _shot(page: Page, name: str) -> None:
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path))
    if os.environ.get("SEZSIM_UPDATE_SCREENSHOTS"):
        (ROOT / "docs" / "img").mkdir(parents=True, exist_ok=True)
        shutil.copy(path, ROOT / "docs" / "img" / f"{name}.png")


def _open_explore(page: Page) -> None:
    started = time.perf_counter()
    page.goto(page.base + "/")
    expect(page.locator(".sez-year")).to_have_text("Start 2005")
    page.locator(".sez-territory svg.marks path[aria-label]").first.wait_for()
    page.locator(".sez-chart-Finance svg.marks").wait_for()
    TIMINGS.setdefault("explore_load_seconds", []).append(time.perf_counter() - started)


def _chart(page: Page, area: str) -> str:
    return page.locator(f".sez-chart-{area} svg.marks").inner_html()


def test_explore_steps_and_charts_change(page):
    _open_explore(page)
    _shot(page, "explore-start")
    before = {area: _chart(page, area) for area in ("Finance", "Industry", "Labour")}
    territory_before = page.locator(".sez-territory svg.marks").inner_html()
    clicks = []
    for year in range(2005, 2012):
        started = time.perf_counter()
        page.locator(".sez-step").click()
        expect(page.locator(".sez-year")).to_have_text(f"Year {year}")
        clicks.append(time.perf_counter() - started)
    TIMINGS["explore_step_click_to_year_seconds"] = clicks
    expect(page.locator(".sez-status")).to_contain_text("7 of 41 years simulated")
    expect(page.locator(".sez-status")).to_contain_text("last year took")
    for area, html in before.items():
        page.wait_for_function(
            "([sel, old]) => document.querySelector(sel).innerHTML !== old",
            arg=[f".sez-chart-{area} svg.marks", html],
        )
    assert page.locator(".sez-territory svg.marks").inner_html() != territory_before
    # each area chart has one line per indicator, with a point per simulated year
    points = page.locator(".sez-chart-Finance svg.marks path[aria-label^='year: 2011']")
    expect(points).to_have_count(2)  # taxes and privilege_cost

    # hovering a region shows its indicators; clicking an SEZ opens its details
    region = page.locator(".sez-territory path[aria-label*='region: Karaganda region']").first
    box = region.bounding_box()
    # a real pointer, near the circle's left edge (SEZs and clusters sit nearer the centre)
    page.mouse.move(box["x"] + 0.15 * box["width"], box["y"] + 0.5 * box["height"])
    expect(page.locator("#vg-tooltip-element")).to_contain_text("Karaganda region")
    sez = page.locator(".sez-territory path[aria-roledescription='square']").first
    sez.dispatch_event("click")
    expect(page.locator(".sez-detail-title")).to_contain_text("sez ")
    expect(page.locator(".sez-detail-table")).to_contain_text("sez_registered")
    _shot(page, "explore")


def test_slider_changes_the_model(page):
    _open_explore(page)
    thumb = page.locator(".sez-param-sigma [role=slider]")
    expect(thumb).to_have_attribute("aria-valuenow", "4")
    thumb.focus()
    page.keyboard.press("ArrowRight")
    # the model is rebuilt with the new value: the page reads it back from model.params
    expect(page.locator(".sez-effective")).to_have_text("Model runs with: sigma = 4.01")
    expect(page.locator(".sez-year")).to_have_text("Start 2005")
    page.locator(".sez-step").click()
    expect(page.locator(".sez-year")).to_have_text("Year 2005")
    expect(page.locator(".sez-effective")).to_have_text("Model runs with: sigma = 4.01")


def test_switch_policy_and_play_pause(page):
    _open_explore(page)
    page.locator(".sez-policy").get_by_text("no_merge").click()
    expect(page.locator(".sez-status")).to_contain_text("policy no_merge")
    page.locator(".sez-play").click()
    expect(page.locator(".sez-play")).to_have_text("Pause")
    expect(page.locator(".sez-status")).to_contain_text("3 of 41 years simulated")
    page.locator(".sez-play").click()
    expect(page.locator(".sez-play")).to_have_text("Play")
    year = page.locator(".sez-year").inner_text()
    assert year.startswith("Year 20")
    page.locator(".sez-reset").click()
    expect(page.locator(".sez-year")).to_have_text("Start 2005")
    expect(page.locator(".sez-status")).to_contain_text("policy no_merge")


def test_compare_runs_to_completion_and_cancels(page):
    page.goto(page.base + "/compare")
    run = page.locator(".sez-compare-run")
    expect(run).to_be_enabled()
    started = time.perf_counter()
    run.click()
    expect(page.locator(".sez-compare-count")).to_contain_text("of 15 runs")
    expect(page.locator(".sez-synergy")).to_contain_text("taxes", timeout=300_000)
    TIMINGS["compare_15_runs_seconds"] = time.perf_counter() - started
    expect(page.locator(".sez-compare-status")).to_contain_text("Done: 15 runs")
    for name in ("taxes", "employment", "exports", "fdi_inflow"):
        expect(page.locator(f".sez-band-{name} svg.marks")).to_be_visible()
    _shot(page, "compare")

    # a larger run, cancelled while it goes
    slider = page.locator("[role=slider]").first
    slider.focus()
    page.keyboard.press("End")  # 50 replications x 3 policies
    run.click()
    expect(page.locator(".sez-compare-count")).to_contain_text("of 150 runs")
    page.locator(".sez-compare-cancel").click()
    expect(page.locator(".sez-compare-status")).to_contain_text("Cancelled", timeout=120_000)
    expect(run).to_be_enabled()


def test_scenario_page_and_broken_scenario(page, tmp_path):
    page.goto(page.base + "/scenario")
    expect(page.locator(".sez-table-sezs")).to_contain_text("Saryarka")
    expect(page.locator(".sez-table-integrators")).to_be_visible()
    expect(page.locator(".sez-table-periods")).to_contain_text("scenario")
    _shot(page, "scenario")

    broken = tmp_path / "broken.yaml"
    text = (ROOT / "tests" / "data" / "small.yaml").read_text()
    broken.write_text(
        text.replace("region: north, sectors: [metal]", "region: karagandy, sectors: [metal]")
    )
    box = page.locator(".sez-scenario-path input")
    box.fill(str(broken))
    box.press("Enter")
    error = page.locator(".sez-error")
    expect(error).to_contain_text("unknown region 'karagandy'")
    expect(error).to_contain_text("sezs[0](zone1).region")
    assert "Traceback" not in page.locator("body").inner_text()
    _shot(page, "scenario-error")
    # the Explore page of the same session shows the same message, not a model
    page.locator(".sez-nav-explore").click()
    expect(page.locator(".sez-error")).to_contain_text("unknown region 'karagandy'")


def test_no_failed_asset_loads(server, page):
    """Runs last in this module: every page so far loaded everything locally."""
    _open_explore(page)
    _, log_path = server
    log = log_path.read_text()
    assert "Could not load URL" not in log
    assert "Traceback" not in log
    assert FAILED_LOADS == []
