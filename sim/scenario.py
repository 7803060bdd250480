"""Scenario files: the typed schema, loading, validation and overrides.

A scenario is a YAML file that describes a territory (regions), its sectors, its SEZs
and clusters, the initial firm population and, optionally, parameter overrides. It is
validated against one typed schema (pydantic) plus cross-reference checks; every
problem is reported as a :class:`ScenarioError` naming the file, the field path and
what is allowed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sim.parameters import ModelParameters

__all__ = [
    "SEZ",
    "Cluster",
    "FirmGroup",
    "FirmSizes",
    "GovernmentRules",
    "Institute",
    "IntegratorSpec",
    "Region",
    "Scenario",
    "ScenarioError",
    "Sector",
    "SizeBand",
    "ZoneReview",
    "ZoneTargets",
    "apply_overrides",
    "load_scenario",
    "validate_rules",
]

Identifier = str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class Sector(_Strict):
    """An industry: one Dixit-Stiglitz sector with its domestic and world demand."""

    id: Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    expenditure_share: float = Field(
        gt=0.0, lt=1.0, description="mu: share of regional expenditure spent on the sector"
    )
    world_demand: float = Field(
        0.0, ge=0.0, description="World demand reachable by exports at start, million KZT/yr"
    )
    labour_share: float = Field(
        0.15, gt=0.0, lt=1.0, description="wage bill as a share of turnover"
    )
    related: list[Identifier] = Field(default_factory=list)
    source: str = ""


class Region(_Strict):
    """A region (oblast or city of republican significance): one node of the network."""

    id: Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    lat: float = Field(ge=-90.0, le=90.0)
    lon: float = Field(ge=-180.0, le=180.0)
    population: float = Field(gt=0.0, description="persons")
    labour_force: float | None = Field(None, gt=0.0, description="persons; default share*pop")
    source: str = ""


class Distance(_Strict):
    """A great-circle distance between two regions, km."""

    a: Identifier
    b: Identifier
    km: float = Field(ge=0.0)
    source: str = ""


class SEZ(_Strict):
    """A special economic zone: where, which sectors, when, how large, what privileges."""

    id: Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    region: Identifier
    sectors: list[Identifier] = Field(min_length=1)
    opens: int = Field(ge=1900, le=2200)
    closes: int = Field(ge=1900, le=2200)
    area_ha: float = Field(gt=0.0)
    infrastructure: float = Field(
        0.05, ge=0.0, le=1.0, description="productivity gain from SEZ infrastructure"
    )
    initial_participants: int = Field(0, ge=0)
    source: str = ""

    @model_validator(mode="after")
    def _period_in_order(self) -> SEZ:
        if self.closes <= self.opens:
            raise ValueError(
                f"closes ({self.closes}) must be after opens ({self.opens}): "
                "an SEZ period cannot end before it starts"
            )
        return self


class Institute(_Strict):
    """A research, education or finance organisation serving a cluster."""

    name: str
    field: Identifier
    capacity: float = Field(1.0, gt=0.0, description="researchers, hundreds (relative)")
    source: str = ""


class IntegratorSpec(_Strict):
    """The cluster management company (paper 2, Table 5)."""

    name: str
    source: str = ""


class Cluster(_Strict):
    """A cluster: a sector network anchored in a region, optionally paired with SEZs."""

    id: Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str
    sector: Identifier
    region: Identifier
    sezs: list[Identifier] = Field(default_factory=list)
    integrator: IntegratorSpec | None = None
    institutes: list[Institute] = Field(default_factory=list)
    firms: int = Field(ge=0, description="initial member firms")
    employment: float = Field(ge=0.0, description="initial employees of member firms")
    foreign_share: float = Field(0.1, ge=0.0, le=1.0)
    export_share: float = Field(0.3, ge=0.0, le=1.0)
    source: str = ""


class FirmGroup(_Strict):
    """Initial non-member firms of one sector in one region."""

    region: Identifier
    sector: Identifier
    count: int = Field(ge=0)
    employment: float | None = Field(
        None,
        ge=0.0,
        description="total employees of the group; unset: each firm's size is drawn from "
        "its sector's firm_sizes (or is the mean group size where the sector has none)",
    )
    foreign_share: float = Field(0.05, ge=0.0, le=1.0)
    export_share: float = Field(0.1, ge=0.0, le=1.0)
    source: str = ""


class SizeBand(_Strict):
    """One size class of firms: from ``min`` to ``max`` employees, and its share of firms."""

    min: float = Field(ge=1.0, description="fewest employees in the class, persons")
    max: float = Field(ge=1.0, description="most employees in the class, persons")
    share: float = Field(gt=0.0, le=1.0, description="share of the sector's firms in the class")

    @model_validator(mode="after")
    def _bounds_in_order(self) -> SizeBand:
        if self.max < self.min:
            raise ValueError(f"max ({self.max}) must be at least min ({self.min})")
        return self


class FirmSizes(_Strict):
    """The size distribution of the initial firms of some sectors (employees per firm).

    Each initial firm of these sectors draws a class by its share of firms, then a size
    log-uniformly between the class's bounds (density proportional to 1/size, assumption
    S13 of docs/scenario_sources.md); the draw sets its productivity (ODD section 5).
    A group with a given ``employment`` (a cluster, or a firm group that sets it) keeps
    that total: its drawn sizes are scaled to add up to it.
    """

    id: Identifier = Field(pattern=r"^[a-z][a-z0-9_]*$")
    sectors: list[Identifier] = Field(min_length=1, description="sectors it applies to")
    bands: list[SizeBand] = Field(
        min_length=1, description="size classes, smallest first, not overlapping"
    )
    source: str = ""

    @model_validator(mode="after")
    def _bands_partition(self) -> FirmSizes:
        for a, b in zip(self.bands, self.bands[1:], strict=False):
            if b.min <= a.max:
                raise ValueError(
                    f"bands must be in increasing order without overlap: a band starting at "
                    f"{b.min} follows one ending at {a.max}"
                )
        total = sum(b.share for b in self.bands)
        if abs(total - 1.0) > 1e-6:
            raise ValueError(
                f"band shares sum to {total:.6g}; they must sum to 1 (shares of firms)"
            )
        return self


class BudgetShare(_Strict):
    """A budget line: a share of this year's taxes plus a fixed amount (G1)."""

    share_of_taxes: float = Field(
        0.0, ge=0.0, le=0.5, description="share of the taxes booked this year (F1)"
    )
    fixed: float = Field(0.0, ge=0.0, description="million currency units per year")
    from_year: int | None = Field(
        None, ge=1900, le=2300, description="first year paid (unset: every year)"
    )


class ResearchGrants(BudgetShare):
    """Grants to research institutes: how much (G1) and to whom (G2)."""

    allocation: Literal["capacity", "equal", "partners"] = Field(
        "capacity",
        description="split among institutes in proportion to their capacity, equally, or "
        "to their number of collaboration partners last year",
    )


class IntegratorFunding(BudgetShare):
    """Funding of cluster integrators (G1, G2); read by the integrators' effort."""

    allocation: Literal["members", "equal"] = Field(
        "members", description="split among integrators by their cluster's members, or equally"
    )


class ZoneTargets(_Strict):
    """What a zone must reach at a review (Kazakhstan's SEZ law: targets per zone)."""

    participants: int = Field(0, ge=0, description="producing participants at the review")
    investment: float = Field(
        0.0, ge=0.0, description="participants' investment since the last review, million"
    )
    employment: float = Field(0.0, ge=0.0, description="participants' employees, persons")


class ZoneReview(_Strict):
    """The periodic review of every zone against its targets (G3)."""

    every_years: int = Field(0, ge=0, le=50, description="years between reviews (0: none)")
    targets: ZoneTargets = Field(default_factory=ZoneTargets)
    zones: dict[Identifier, ZoneTargets] = Field(
        default_factory=dict, description="targets of particular zones, by SEZ id"
    )
    on_miss: Literal["close", "shrink"] = "close"
    shrink_share: float = Field(
        0.5, gt=0.0, lt=1.0, description="share of the zone's land withdrawn when it shrinks"
    )
    on_meet: Literal["extend", "keep"] = "extend"
    extend_years: int = Field(
        5,
        ge=0,
        le=50,
        description="years added when a zone that meets its targets would "
        "close before the next review",
    )


class GovernmentRules(_Strict):
    """The government's spending and review rules: data, not code (docs/ODD.md, 7.10)."""

    description: str = ""
    research_grants: ResearchGrants = Field(default_factory=ResearchGrants)
    integrators: IntegratorFunding = Field(default_factory=IntegratorFunding)
    zone_review: ZoneReview = Field(default_factory=ZoneReview)
    source: str = ""


class Scenario(_Strict):
    """A whole scenario file."""

    name: str
    description: str = ""
    country: str = ""
    start_year: int = Field(ge=1900, le=2200)
    end_year: int = Field(ge=1900, le=2300)
    currency: Literal["million KZT", "million RUB", "model units"] = "million KZT"
    parameters: ModelParameters = Field(default_factory=ModelParameters)
    sectors: list[Sector] = Field(min_length=1)
    regions: list[Region] = Field(min_length=1)
    distances: list[Distance] = Field(default_factory=list)
    sezs: list[SEZ] = Field(default_factory=list)
    clusters: list[Cluster] = Field(default_factory=list)
    firms: list[FirmGroup] = Field(default_factory=list)
    firm_sizes: list[FirmSizes] = Field(
        default_factory=list,
        description="size distributions of the initial firms, by sector (none: every firm "
        "of a group has the group's mean size)",
    )
    sources: list[str] = Field(default_factory=list)
    government: GovernmentRules = Field(
        default_factory=GovernmentRules,
        description="the government's budget and review rules, inline or as the path of a "
        "rules file relative to the scenario file",
    )
    calibration: dict[str, Any] | None = Field(
        None, description="record of the calibration that produced this file (sezsim calibrate)"
    )

    @model_validator(mode="after")
    def _years_in_order(self) -> Scenario:
        if self.end_year <= self.start_year:
            raise ValueError(
                f"end_year ({self.end_year}) must be after start_year ({self.start_year})"
            )
        year = self.parameters.policy_start_year
        if year is not None and not self.start_year <= year <= self.end_year:
            raise ValueError(
                f"parameters.policy_start_year ({year}) must lie in the scenario's span "
                f"[{self.start_year}, {self.end_year}]"
            )
        return self

    # Convenience look-ups used by the model and the UI.
    def region_index(self) -> dict[str, int]:
        """Map region id to its row in every regional array."""
        return {r.id: i for i, r in enumerate(self.regions)}

    def sector_index(self) -> dict[str, int]:
        """Map sector id to its row in every sectoral array."""
        return {s.id: i for i, s in enumerate(self.sectors)}

    def sizes_of_sector(self) -> dict[str, FirmSizes]:
        """Map sector id to the size distribution of its initial firms (if it has one)."""
        return {k: sizes for sizes in self.firm_sizes for k in sizes.sectors}


class ScenarioError(Exception):
    """A scenario file is wrong. ``problems`` holds (field path, message) pairs."""

    def __init__(self, file: str, problems: list[tuple[str, str]]):
        self.file = file
        self.problems = problems
        lines = [f"{file}: {len(problems)} problem(s)"]
        lines += [f"  {path}: {msg}" for path, msg in problems]
        super().__init__("\n".join(lines))


def _path(loc: tuple[Any, ...], data: Any) -> str:
    """Render a pydantic location as a dotted path, naming list items by their id."""
    parts: list[str] = []
    node = data
    for key in loc:
        if isinstance(key, int) and parts and isinstance(node, list):
            item = node[key] if 0 <= key < len(node) else None
            item_id = item.get("id") if isinstance(item, dict) else None
            parts[-1] = f"{parts[-1]}[{key}]" + (f"({item_id})" if item_id else "")
        else:
            parts.append(str(key))
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            node = None
    return ".".join(parts) or "(top level)"


def _model_in(annotation: Any) -> tuple[Any, bool]:
    """The pydantic model an annotation holds, and whether it sits under mapping keys.

    ``Design`` -> (Design, False); ``dict[str, ParameterRange]`` -> (ParameterRange, True);
    ``list[Sector]`` -> (Sector, False), since list indices are skipped anyway.
    """
    origin = getattr(annotation, "__origin__", None)
    args = getattr(annotation, "__args__", ())
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation, False
    if origin is dict and len(args) == 2:
        inner, _ = _model_in(args[1])
        return inner, inner is not None
    for arg in args:
        inner, keyed = _model_in(arg)
        if inner is not None:
            return inner, keyed
    return None, False


def _allowed_fields(loc: tuple[Any, ...], root: type[BaseModel] | None = None) -> str:
    """Name the fields allowed at the parent of ``loc`` (for 'unknown field' errors).

    Args:
        loc: the pydantic location of the unknown field.
        root: the schema of the whole file (a :class:`Scenario` by default).
    """
    model: Any = root or Scenario
    keyed = False  # the next key is a free mapping key (e.g. a parameter name)
    for key in loc[:-1]:
        if isinstance(key, int):
            continue
        if keyed:
            keyed = False
            continue
        field = model.model_fields.get(key)
        if field is None:
            return ""
        model, keyed = _model_in(field.annotation)
        if model is None:
            return ""
    if keyed:
        return ""
    return ", ".join(model.model_fields)


def format_validation_error(
    err: ValidationError, data: Any, root: type[BaseModel] | None = None
) -> list[tuple[str, str]]:
    """Turn a pydantic error into (field path, message) pairs, one per problem.

    Args:
        err: the validation error.
        data: the mapping that was validated (list items are named by their ``id``).
        root: the schema validated against, for the list of allowed fields
            (a :class:`Scenario` by default).
    """
    problems = []
    for e in err.errors():
        loc = tuple(k for k in e["loc"] if k not in ("function-after",))
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            allowed = _allowed_fields(loc, root)
            msg = f"unknown field; allowed fields here: {allowed}" if allowed else "unknown field"
        elif e["type"] == "missing":
            msg = "required field is missing"
        elif "input" in e and e["type"] not in ("value_error",):
            msg = f"{msg} (got {_short(e['input'])})"
        problems.append((_path(loc, data), msg.replace("Value error, ", "")))
    return problems


def _short(value: Any, limit: int = 60) -> str:
    """``repr`` of a value, cut to ``limit`` characters (a whole mapping can be huge)."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _cross_check(s: Scenario) -> list[tuple[str, str]]:
    """Check references between parts of a schema-valid scenario."""
    problems: list[tuple[str, str]] = []
    regions = {r.id for r in s.regions}
    sectors = {x.id for x in s.sectors}
    sezs = {z.id for z in s.sezs}

    def dup(kind: str, ids: list[str]) -> None:
        seen: set[str] = set()
        for i, x in enumerate(ids):
            if x in seen:
                problems.append((f"{kind}[{i}].id", f"duplicate id {x!r}"))
            seen.add(x)

    dup("sectors", [x.id for x in s.sectors])
    dup("regions", [r.id for r in s.regions])
    dup("sezs", [z.id for z in s.sezs])
    dup("clusters", [c.id for c in s.clusters])

    def need(path: str, value: str, allowed: set[str], kind: str) -> None:
        if value not in allowed:
            problems.append(
                (path, f"unknown {kind} {value!r}; allowed: {', '.join(sorted(allowed))}")
            )

    for i, sec in enumerate(s.sectors):
        for j, rel in enumerate(sec.related):
            need(f"sectors[{i}]({sec.id}).related[{j}]", rel, sectors, "sector")
    for i, d in enumerate(s.distances):
        need(f"distances[{i}].a", d.a, regions, "region")
        need(f"distances[{i}].b", d.b, regions, "region")
    for i, z in enumerate(s.sezs):
        need(f"sezs[{i}]({z.id}).region", z.region, regions, "region")
        for j, sec in enumerate(z.sectors):
            need(f"sezs[{i}]({z.id}).sectors[{j}]", sec, sectors, "sector")
    for i, c in enumerate(s.clusters):
        p = f"clusters[{i}]({c.id})"
        need(f"{p}.sector", c.sector, sectors, "sector")
        need(f"{p}.region", c.region, regions, "region")
        for j, z in enumerate(c.sezs):
            need(f"{p}.sezs[{j}]", z, sezs, "SEZ")
        for j, inst in enumerate(c.institutes):
            need(f"{p}.institutes[{j}].field", inst.field, sectors, "sector")
        if c.firms == 0 and c.employment > 0:
            problems.append((f"{p}.employment", "employment > 0 needs firms > 0"))
    for i, g in enumerate(s.firms):
        need(f"firms[{i}].region", g.region, regions, "region")
        need(f"firms[{i}].sector", g.sector, sectors, "sector")
        if g.count == 0 and g.employment:
            problems.append((f"firms[{i}].employment", "employment > 0 needs count > 0"))
    dup("firm_sizes", [x.id for x in s.firm_sizes])
    sized: dict[str, str] = {}
    for i, sizes in enumerate(s.firm_sizes):
        for j, k in enumerate(sizes.sectors):
            where = f"firm_sizes[{i}]({sizes.id}).sectors[{j}]"
            need(where, k, sectors, "sector")
            if k in sized:
                problems.append(
                    (where, f"sector {k!r} already has the size distribution {sized[k]!r}")
                )
            sized.setdefault(k, sizes.id)
    for z in s.government.zone_review.zones:
        need(f"government.zone_review.zones.{z}", z, sezs, "SEZ")
    markup_cost = 1.0 - 1.0 / s.parameters.sigma
    for i, sec in enumerate(s.sectors):
        if sec.labour_share > markup_cost:
            problems.append(
                (
                    f"sectors[{i}]({sec.id}).labour_share",
                    f"{sec.labour_share} exceeds the variable-cost share 1 - 1/sigma = "
                    f"{markup_cost:.3f}; allowed: (0, {markup_cost:.3f}]",
                )
            )
    share = sum(x.expenditure_share for x in s.sectors)
    if share >= 1.0:
        problems.append(
            ("sectors", f"expenditure shares sum to {share:.3f}; they must sum to less than 1")
        )
    if s.parameters.initial_share_a is not None and len(s.regions) < 2:
        problems.append(("parameters.initial_share_a", "needs at least two regions"))
    return problems


def validate_scenario(data: Any, file: str = "<scenario>") -> Scenario:
    """Validate a parsed scenario mapping; raise :class:`ScenarioError` on any problem."""
    if not isinstance(data, dict):
        raise ScenarioError(
            file, [("(top level)", f"expected a mapping of fields, got {type(data).__name__}")]
        )
    data = include_rules(data, file)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(file, format_validation_error(err, data)) from None
    problems = _cross_check(scenario)
    if problems:
        raise ScenarioError(file, problems)
    return scenario


#: libyaml's safe loader when PyYAML was built with it (6x faster on the Kazakhstan
#: scenario, the same data), else the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> Any:
    """Parse a YAML file; anything unreadable becomes one :class:`ScenarioError`.

    Covers a missing file, a folder, bytes that are not UTF-8 text (a binary file),
    malformed YAML and values YAML itself cannot build (``2020-13-45`` as a date).
    """
    p = Path(path)
    if not p.exists():
        raise ScenarioError(str(p), [("(file)", "no such file")])
    if not p.is_file():
        raise ScenarioError(str(p), [("(file)", "not a file; expected a YAML file")])
    try:
        text = p.read_bytes().decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            str(p),
            [
                (
                    "(file)",
                    f"not a UTF-8 text file (byte 0x{err.object[err.start]:02x} at offset "
                    f"{err.start}); expected a YAML file",
                )
            ],
        ) from None
    except OSError as err:
        raise ScenarioError(str(p), [("(file)", f"cannot read: {err.strerror}")]) from None
    try:
        return yaml.load(text, Loader=_SafeLoader)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "(file)"
        problem = getattr(err, "problem", None) or str(err)
        raise ScenarioError(str(p), [(where, f"malformed YAML: {problem}")]) from None
    except (ValueError, TypeError, OverflowError, RecursionError) as err:
        # PyYAML's constructors raise these for values it parses but cannot build
        # (an impossible date, a nesting too deep).
        raise ScenarioError(str(p), [("(file)", f"malformed YAML: {err}")]) from None


def load_scenario(path: str | Path, overrides: dict[str, Any] | None = None) -> Scenario:
    """Read, override and validate a scenario file.

    Args:
        path: the YAML file.
        overrides: ``{"dotted.path": value}``; a bare name is a model parameter
            (``sigma`` means ``parameters.sigma``), except ``government``, which takes
            a rules file (relative to the scenario file) or a mapping; list items are
            addressed by id (``sectors.metallurgy.expenditure_share``).

    Returns:
        The validated :class:`Scenario`.
    """
    data = include_rules(read_yaml(path), path)
    if overrides:
        # A whole rules file first (``government=rules/x.yaml``), then values inside it.
        whole = {k: v for k, v in overrides.items() if k == "government"}
        rest = {k: v for k, v in overrides.items() if k != "government"}
        if whole:
            data = include_rules(apply_overrides(data, whole, file=str(path)), path)
        if rest:
            data = apply_overrides(data, rest, file=str(path))
    return validate_scenario(data, file=str(path))


def validate_rules(data: Any, file: str = "<rules>") -> GovernmentRules:
    """Validate a parsed government rules file; raise :class:`ScenarioError` naming it."""
    if not isinstance(data, dict):
        raise ScenarioError(
            file, [("(top level)", f"expected a mapping of fields, got {type(data).__name__}")]
        )
    try:
        return GovernmentRules.model_validate(data)
    except ValidationError as err:
        raise ScenarioError(file, format_validation_error(err, data, GovernmentRules)) from None


def include_rules(data: Any, scenario_path: str | Path) -> Any:
    """Replace a ``government:`` path by the rules file it names (validated on its own).

    The path is relative to the scenario file's folder. Errors in the rules file name
    the rules file and the field; the scenario then holds the rules as a mapping, so
    ``--set government.zone_review.every_years=3`` reaches them.
    """
    if not (isinstance(data, dict) and isinstance(data.get("government"), str)):
        return data
    path = Path(scenario_path).parent / data["government"]
    rules = read_yaml(path)
    validate_rules(rules, file=str(path))
    return {**data, "government": rules}


def apply_overrides(
    data: Any, overrides: dict[str, Any], file: str, label: str = "--set {key}"
) -> Any:
    """Return a copy of a scenario mapping with dotted-path overrides applied.

    Args:
        data: the parsed scenario mapping (not changed).
        overrides: ``{"dotted.path": value}``; a bare name is a model parameter.
        file: the file named in errors.
        label: how an override is named in errors, ``{key}`` standing for its path
            (``fixed.{key}`` for an experiment file).

    Returns:
        The changed copy.
    """
    import copy

    data = copy.deepcopy(data) if isinstance(data, dict) else data
    if not isinstance(data, dict):
        return data
    problems = []
    for key, value in overrides.items():
        parts = key.split(".")
        if len(parts) == 1 and key not in ("government",):
            if key not in ModelParameters.model_fields:
                allowed = ", ".join(ModelParameters.model_fields)
                problems.append((label.format(key=key), f"unknown parameter; allowed: {allowed}"))
                continue
            parts = ["parameters", key]
        node: Any = data
        ok = True
        for part in parts[:-1]:
            if isinstance(node, list):
                match = [x for x in node if isinstance(x, dict) and x.get("id") == part]
                if not match and part.isdigit() and int(part) < len(node):
                    match = [node[int(part)]]
                if not match:
                    ids = ", ".join(str(x.get("id")) for x in node if isinstance(x, dict))
                    problems.append((label.format(key=key), f"no item {part!r}; items: {ids}"))
                    ok = False
                    break
                node = match[0]
            elif isinstance(node, dict):
                node = node.setdefault(part, {})
            else:
                problems.append((label.format(key=key), f"{part!r} is not a mapping"))
                ok = False
                break
        if ok:
            if not isinstance(node, dict):
                problems.append((label.format(key=key), "target is not a mapping"))
            else:
                node[parts[-1]] = value
    if problems:
        raise ScenarioError(file, problems)
    return data


def parse_override(text: str) -> tuple[str, Any]:
    """Parse ``key=value`` (value as YAML: numbers, booleans, lists) from the CLI."""
    if "=" not in text:
        raise ScenarioError("--set", [(text, "expected key=value")])
    key, raw = text.split("=", 1)
    try:
        value = yaml.safe_load(raw) if raw.strip() else None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as err:
        problem = getattr(err, "problem", None) or str(err)
        raise ScenarioError("--set", [(text, f"value is not valid YAML: {problem}")]) from None
    if not key.strip():
        raise ScenarioError("--set", [(text, "expected key=value with a non-empty key")])
    return key.strip(), value


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in km (R = 6371.0088 km, as in data/kz_city_distances.csv)."""
    r = 6371.0088
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(h))
