"""The documentation matches the code: parameter table, equation labels, scenarios."""

import re

from sim.parameters import ModelParameters, parameter_markdown
from sim.scenario import SEZ, Cluster, FirmGroup, Region, Sector
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def test_assumptions_page_holds_the_generated_parameter_table():
    text = (DOCS / "assumptions.md").read_text()
    assert parameter_markdown() in text, "regenerate with: sezsim parameters --markdown"


def test_every_assumption_id_used_in_the_code_is_explained():
    source = (ROOT / "sim" / "parameters.py").read_text()
    used = set(re.findall(r"\(A(\d+)\)|level A(\d+)", source))
    ids = {a or b for a, b in used}
    text = (DOCS / "assumptions.md").read_text()
    missing = [i for i in sorted(ids, key=int) if f"| A{i} |" not in text]
    assert ids and not missing


def test_odd_documents_every_equation_label_used_in_the_code():
    odd = (DOCS / "ODD.md").read_text()
    labels = set()
    for path in (ROOT / "sim").rglob("*.py"):
        labels |= set(re.findall(r"\(([MPDFXJ]\d)(?:[-,]|\))", path.read_text()))
    assert {"M1", "P1", "D1", "F1"} <= labels
    missing = sorted(label for label in labels if f"**{label}" not in odd)
    assert not missing, f"equations not in docs/ODD.md: {missing}"


def test_odd_names_every_parameter_it_relies_on_exist():
    odd = (DOCS / "ODD.md").read_text()
    names = set(re.findall(r"`([a-z_]+)`", odd))
    params = set(ModelParameters.model_fields)
    fields = {f for m in (Cluster, FirmGroup, Region, SEZ, Sector) for f in m.model_fields}
    assert len(names & params) >= 25
    # Anything that looks like a parameter name ending in a known suffix must exist.
    for name in names:
        if name.endswith(("_rate", "_elasticity", "_share", "_relief")):
            assert name in params | fields, f"docs/ODD.md names unknown parameter {name}"


def test_scenario_sources_page_covers_every_shipped_scenario():
    text = (DOCS / "scenario_sources.md").read_text()
    for path in (ROOT / "scenarios").glob("*.yaml"):
        assert f"`{path.name}`" in text
