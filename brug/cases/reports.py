"""Reads for the process pages: the AS-IS vs TO-BE report (how long steps and whole cases take,
per process version), the stored process versions, and the shipped processes' test cases.

Read model only, about the process and never about a person: counts and durations, no labels,
no names, no per-case rows. Every figure is computed in Python over a fixed number of
``.values()`` queries (four, whatever the number of cases), scoped to the actor's organisation.

Definitions used:

* a **step** is a user step of the process (an inbox item); its duration runs from when it was
  opened to when it was completed. Steps that were cancelled (e.g. interrupted by a timer) are
  not durations of the step and are left out.
* a **timer's wait** runs from when the process reached the timer until it fired. The engine
  records a fired timer at the moment it fired; when it was reached is the latest earlier event
  of the same case's process (a step opened or completed, or the process started).
* **end to end**, a case starts at the earliest linked signal's arrival when the case came from
  signals, else when the case was opened. Milestones are the first contact a partner recorded,
  the partner's acceptance of the referral, and the recorded outcome (the earliest of each
  over the case's referrals).
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import math
import statistics
import subprocess
import sys
import threading
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Min, Q
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from brug.accounts.access import require_capability
from brug.accounts.models import User
from brug.accounts.roles import Cap, Role
from brug.errors import NotFound

from .models import (
    Case,
    CaseOrigin,
    CaseStatus,
    InstanceStatus,
    ProcessDefinition,
    ProcessInstance,
    ProcessStep,
    Referral,
    ReferralStatus,
    StepStatus,
)
from .workflow import PROCESSES_DIR

logger = logging.getLogger("brug.cases")

Row = Mapping[str, Any]  # one ``.values()`` row
SMALL_N = 5          # below this many cases a figure is marked "few cases: read with care"
DAY = 86400.0


# --- figures -------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100) with linear interpolation between closest ranks
    (the "inclusive" method; numpy's default). Precondition: ``values`` is not empty."""
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class Figure:
    """n durations (in days) summarised by their median and 90th percentile."""

    n: int
    median: float | None
    p90: float | None

    @classmethod
    def of(cls, days: Sequence[float]) -> Figure:
        if not days:
            return cls(0, None, None)
        return cls(len(days), statistics.median(days), percentile(days, 90))

    @property
    def small(self) -> bool:
        return 0 < self.n < SMALL_N


def _days(start: datetime.datetime, end: datetime.datetime) -> float:
    # A milestone recorded before the start would be a data error; it counts as no time.
    return max(0.0, (end - start).total_seconds() / DAY)


# --- the report ----------------------------------------------------------------------------

MILESTONES: list[tuple[str, Promise]] = [
    ("first_contact", _("Start → first contact")),
    ("accepted", _("Start → referral accepted")),
    ("outcome", _("Start → outcome recorded")),
]


@dataclass
class StepRow:
    node_id: str
    name: str
    kind: str          # "user" or "timer"
    role: str          # the role that does a user step ("" for timers)
    done: int = 0      # completed user steps, fired timers
    open: int = 0      # open user steps, now
    figure: Figure = field(default_factory=lambda: Figure(0, None, None))
    samples: list[float] = field(default_factory=list, repr=False)
    positions: list[int] = field(default_factory=list, repr=False)

    @property
    def role_label(self) -> str:
        return str(Role(self.role).label) if self.role in Role.values else ""


@dataclass
class MilestoneRow:
    key: str
    label: str
    figure: Figure
    open_without: int  # open cases that have not reached it yet
    closed_without: int  # closed cases that never reached it


@dataclass
class VersionReport:
    definition_id: int
    key: str
    version: int
    title: str
    cases: int = 0
    open_cases: int = 0
    milestones: list[MilestoneRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)

    @property
    def short_label(self) -> str:
        """E.g. "TO-BE v2": short enough for a chart label."""
        return f"{self.key.replace('_', '-').upper()} v{self.version}"


@dataclass
class Report:
    versions: list[VersionReport]

    def milestone_groups(self) -> list[tuple[str, str, list[tuple[VersionReport,
                                                                   MilestoneRow]]]]:
        """(key, label, [(version, its row)]) per milestone: the chart's and table's groups."""
        groups = []
        for index, (key, label) in enumerate(MILESTONES):
            groups.append((key, str(label), [(v, v.milestones[index]) for v in self.versions]))
        return groups


def process_report(*, actor: User) -> Report:
    """The report for the actor's organisation's cases. Four queries, whatever their number."""
    org = require_capability(actor, Cap.PROCESS_VIEW)
    instances = list(
        ProcessInstance.objects.filter(case__organisation_id=org)
        .values("pk", "case_id", "started_at", "definition_id", "definition__key",
                "definition__version", "definition__title", "case__opened_at",
                "case__status", "case__origin")
        .order_by())
    steps = list(
        ProcessStep.objects.filter(case__organisation_id=org)
        .values("instance_id", "node_id", "name", "kind", "role", "status", "opened_at",
                "completed_at")
        .order_by("instance_id", "opened_at", "id"))
    first_signal = {
        row["case_id"]: row["first"] for row in
        Case.signals.through.objects.filter(case__organisation_id=org)
        .values("case_id").annotate(first=Min("signal__created_at")).order_by()}
    referrals = list(
        Referral.objects.filter(case__organisation_id=org)
        .values("case_id", "status", "answered_at", "first_contact_at", "outcome_at")
        .order_by())
    return build_report(instances, steps, first_signal, referrals)


def build_report(instances: Sequence[Row], steps: Sequence[Row],
                 first_signal: dict[int, datetime.datetime],
                 referrals: Sequence[Row]) -> Report:
    """Aggregate the rows of :func:`process_report` (pure: no database access)."""
    versions: dict[int, VersionReport] = {}
    version_of_instance: dict[int, int] = {}
    started: dict[int, datetime.datetime] = {}
    for row in instances:
        definition_id = row["definition_id"]
        if definition_id not in versions:
            versions[definition_id] = VersionReport(
                definition_id, row["definition__key"], row["definition__version"],
                row["definition__title"])
        version_of_instance[row["pk"]] = definition_id
        started[row["pk"]] = row["started_at"]

    _steps_per_version(versions, version_of_instance, started, steps)
    _milestones_per_version(versions, instances, first_signal, referrals)
    ordered = sorted(versions.values(), key=lambda v: (v.key, v.version))
    return Report(ordered)


def _steps_per_version(versions: dict[int, VersionReport], version_of_instance: dict[int, int],
                       started: dict[int, datetime.datetime],
                       steps: Iterable[Row]) -> None:
    rows: dict[tuple[int, str], StepRow] = {}
    by_instance: dict[int, list[Row]] = defaultdict(list)
    for step in steps:
        by_instance[step["instance_id"]].append(step)
    for instance_id, own in by_instance.items():
        definition_id = version_of_instance.get(instance_id)
        if definition_id is None:
            continue
        for position, step in enumerate(own):
            kind = step["kind"]
            if kind not in ("user", "timer"):
                continue
            row = rows.get((definition_id, step["node_id"]))
            if row is None:
                row = rows[(definition_id, step["node_id"])] = StepRow(
                    step["node_id"], step["name"], kind, step["role"] or "")
            row.positions.append(position)
            if kind == "user":
                if step["status"] == StepStatus.OPEN:
                    row.open += 1
                elif step["status"] == StepStatus.DONE and step["completed_at"]:
                    row.done += 1
                    row.samples.append(_days(step["opened_at"], step["completed_at"]))
            elif step["completed_at"]:
                row.done += 1
                fired = step["completed_at"]
                row.samples.append(_days(_reached(own, position, started[instance_id]), fired))
    for (definition_id, _node), row in rows.items():
        row.figure = Figure.of(row.samples)
        versions[definition_id].steps.append(row)
    for version in versions.values():
        # In the order the steps usually come in a case (their mean position in the history).
        version.steps.sort(key=lambda r: (statistics.fmean(r.positions), r.name))


def _reached(own: list[Row], position: int,
             started: datetime.datetime) -> datetime.datetime:
    """When the process reached the timer at ``position``: the latest earlier event."""
    fired = own[position]["completed_at"]
    reached = started
    for step in own[:position]:
        for moment in (step["opened_at"], step["completed_at"]):
            if moment is not None and reached < moment < fired:
                reached = moment
    return reached


def _milestones_per_version(versions: dict[int, VersionReport],
                            instances: Iterable[Row],
                            first_signal: dict[int, datetime.datetime],
                            referrals: Iterable[Row]) -> None:
    reached: dict[int, dict[str, datetime.datetime]] = defaultdict(dict)
    for referral in referrals:
        moments = reached[referral["case_id"]]
        # Answered and not declined means accepted (a withdrawn referral was answered only
        # when it had been accepted; an outcome is recorded only on an accepted referral).
        accepted = (referral["answered_at"]
                    if referral["status"] != ReferralStatus.DECLINED else None)
        for key, moment in (("first_contact", referral["first_contact_at"]),
                            ("accepted", accepted), ("outcome", referral["outcome_at"])):
            if moment is not None and (key not in moments or moment < moments[key]):
                moments[key] = moment

    durations: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    open_without: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    closed_without: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for row in instances:
        version = versions[row["definition_id"]]
        case_id = row["case_id"]
        is_open = row["case__status"] == CaseStatus.OPEN
        version.cases += 1
        version.open_cases += is_open
        start = row["case__opened_at"]
        if row["case__origin"] == CaseOrigin.SIGNAL and case_id in first_signal:
            start = first_signal[case_id]
        moments = reached.get(case_id, {})
        for key, _label in MILESTONES:
            if key in moments:
                durations[version.definition_id][key].append(_days(start, moments[key]))
            elif is_open:
                open_without[version.definition_id][key] += 1
            else:
                closed_without[version.definition_id][key] += 1
    for version in versions.values():
        version.milestones = [
            MilestoneRow(key, str(label), Figure.of(durations[version.definition_id][key]),
                         open_without[version.definition_id][key],
                         closed_without[version.definition_id][key])
            for key, label in MILESTONES]


# --- the chart -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Bar:
    label: str          # the version, e.g. "TO-BE v1"
    title: str          # the definition's title (tooltip)
    css: str            # colour class, one per version
    figure: Figure
    y: str
    width: str          # of the median bar
    end_x: str          # where the median bar ends
    p90_x: str | None
    mark_y1: str        # the 90th-percentile mark runs a little beyond the bar
    mark_y2: str
    mid_y: str          # a thin whisker joins the bar's end to the mark
    text_x: str
    text_y: str


@dataclass(frozen=True)
class BarGroup:
    label: str
    y: str
    bars: list[Bar]


@dataclass(frozen=True)
class Tick:
    x: str
    days: float


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int           # where the bars start (version labels end just before)
    label_x: int
    bar_height: int
    axis_y: str         # bottom of the grid lines
    tick_y: str         # baseline of the tick labels
    unit_x: str
    groups: list[BarGroup]
    ticks: list[Tick]


CHART_WIDTH, LABEL_WIDTH, PLOT_WIDTH = 750, 150, 470
BAR_HEIGHT, BAR_GAP, GROUP_HEAD, GROUP_GAP = 20, 6, 24, 14


def _nice_step(maximum: float) -> float:
    for step in (0.5, 1, 2, 5, 7, 10, 14, 20, 30, 50, 60, 90, 100, 180, 365):
        if maximum / step <= 6:
            return step
    return float(math.ceil(maximum / 6 / 365) * 365)


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def report_chart(report: Report) -> Chart | None:
    """Horizontal bars: one group per milestone, one bar per process version (length: the
    median; a tick mark: the 90th percentile). Geometry is computed here, so the template
    writes only SVG attributes (the CSP forbids inline styles)."""
    if not report.versions:
        return None
    groups = report.milestone_groups()
    longest = max((row.figure.p90 or 0.0 for _k, _l, rows in groups for _v, row in rows),
                  default=0.0)
    step = _nice_step(longest) if longest > 0 else 1.0
    top = max(step, math.ceil(longest / step) * step)
    scale = PLOT_WIDTH / top
    css = {v.definition_id: f"report-v{i % 6}" for i, v in enumerate(report.versions)}
    y = 8.0
    out: list[BarGroup] = []
    for _key, label, rows in groups:
        group_y = y + 14
        y += GROUP_HEAD
        bars = []
        for version, row in rows:
            width = (row.figure.median or 0.0) * scale
            p90_x = (LABEL_WIDTH + row.figure.p90 * scale) if row.figure.p90 is not None \
                else None
            text_x = LABEL_WIDTH + max(width, (p90_x or 0) - LABEL_WIDTH) + 6
            bars.append(Bar(
                version.short_label, version.title, css[version.definition_id], row.figure,
                _fmt(y), _fmt(width), _fmt(LABEL_WIDTH + width),
                _fmt(p90_x) if p90_x is not None else None,
                _fmt(y - 3), _fmt(y + BAR_HEIGHT + 3), _fmt(y + BAR_HEIGHT / 2),
                _fmt(min(text_x, LABEL_WIDTH + PLOT_WIDTH + 6)), _fmt(y + BAR_HEIGHT - 6)))
            y += BAR_HEIGHT + BAR_GAP
        out.append(BarGroup(label, _fmt(group_y), bars))
        y += GROUP_GAP
    ticks = []
    value = 0.0
    while value <= top + 1e-9:
        ticks.append(Tick(_fmt(LABEL_WIDTH + value * scale), value))
        value += step
    height = int(y) + 24
    return Chart(CHART_WIDTH, height, LABEL_WIDTH, LABEL_WIDTH - 8, BAR_HEIGHT, _fmt(y),
                 _fmt(y + 16), _fmt(LABEL_WIDTH + PLOT_WIDTH + 18), out, ticks)


# --- process definitions (reads for the process pages) -------------------------------------

def process_versions(*, actor: User, key: str | None = None) -> list[ProcessDefinition]:
    """Every stored version (newest first within a key), with how many of the actor's
    organisation's cases run on it (``running``) or finished it (``completed``). One query.

    Counts are the organisation's own: other organisations' caseloads are not shown.
    """
    org = require_capability(actor, Cap.PROCESS_VIEW)
    qs = ProcessDefinition.objects.select_related("uploaded_by").defer("bpmn")
    if key is not None:
        qs = qs.filter(key=key)
    mine = Q(instances__case__organisation_id=org)
    return list(qs.annotate(
        running=Count("instances", filter=mine & Q(instances__status=InstanceStatus.RUNNING)),
        completed=Count("instances",
                        filter=mine & Q(instances__status=InstanceStatus.COMPLETED)),
    ).order_by("key", "-version"))


def access_process_definition(*, actor: User, id: int) -> ProcessDefinition:
    """A stored process version. Definitions belong to the installation, not to one
    organisation: anyone with ``Cap.PROCESS_VIEW`` may read them (they hold no personal data)."""
    require_capability(actor, Cap.PROCESS_VIEW)
    definition = ProcessDefinition.objects.select_related("uploaded_by").filter(pk=id).first()
    if definition is None:
        raise NotFound(gettext("There is no such process version."))
    return definition


# --- the shipped processes' JSON test cases ------------------------------------------------

@dataclass(frozen=True)
class TestCaseResult:
    file: str
    name: str
    failures: list[str]

    @property
    def ok(self) -> bool:
        return not self.failures


@dataclass(frozen=True)
class ShippedTests:
    results: list[TestCaseResult]
    same_file: bool    # the folder's BPMN file is this very version
    error: str = ""    # the runner itself failed

    @property
    def failed(self) -> int:
        return sum(not r.ok for r in self.results)


# The JSON test cases move the clock with time_machine, which changes the time for the whole
# process: they run in a child process so that no request of the web server sees a false time.
_RUNNER = """
import json, sys
from pathlib import Path
from brug.cases.engine.parsing import inspect
from brug.cases.engine.testcases import run_case
job = json.load(sys.stdin)
bpmn = job["bpmn"].encode("utf-8")
model = inspect(bpmn)
out = []
for item in job["cases"]:
    result = run_case(bpmn, model, item["case"], Path(item["file"]))
    out.append({"file": item["file"], "name": result.name, "failures": result.failures})
json.dump(out, sys.stdout)
"""
_RESULTS: dict[str, ShippedTests] = {}
_RESULTS_LOCK = threading.Lock()


def shipped_tests(definition: ProcessDefinition) -> ShippedTests | None:
    """Run the JSON test cases shipped beside the process file against this stored version
    (once per version and test set in each server process). ``None`` when there are none."""
    if not definition.shipped:
        return None
    folder = PROCESSES_DIR / definition.key
    files = sorted((folder / "tests").glob("*.json")) if folder.is_dir() else []
    if not files:
        return None
    texts = [(path.name, path.read_text("utf-8")) for path in files]
    bpmn_file = folder / f"{definition.key}.bpmn"
    same = bpmn_file.exists() and \
        hashlib.sha256(bpmn_file.read_bytes()).hexdigest() == definition.sha256
    digest = hashlib.sha256(json.dumps([definition.sha256, texts]).encode()).hexdigest()
    with _RESULTS_LOCK:
        cached = _RESULTS.get(digest)
    if cached is not None:
        return cached
    unreadable: list[TestCaseResult] = []
    cases = []
    for name, text in texts:
        try:
            cases.append({"file": name, "case": json.loads(text)})
        except ValueError as exc:
            unreadable.append(TestCaseResult(name, name, [f"not valid JSON: {exc}"]))
    outcome = _run_child(definition.bpmn, cases)
    if isinstance(outcome, str):
        return ShippedTests(unreadable, same, outcome)  # not cached: may work next time
    results = ShippedTests(sorted(unreadable + outcome, key=lambda r: r.file), same)
    with _RESULTS_LOCK:
        _RESULTS[digest] = results
    return results


def _run_child(bpmn: str, cases: list[dict[str, Any]]) -> list[TestCaseResult] | str:
    try:
        child = subprocess.run(
            [sys.executable, "-c", _RUNNER], input=json.dumps({"bpmn": bpmn, "cases": cases}),
            capture_output=True, text=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        logger.warning("process test cases could not run: %s", exc)
        return str(gettext("The test cases could not be run."))
    if child.returncode != 0:
        logger.warning("process test cases failed to run: %s", child.stderr[-2000:])
        return str(gettext("The test cases could not be run."))
    return [TestCaseResult(r["file"], r["name"], list(r["failures"]))
            for r in json.loads(child.stdout)]
