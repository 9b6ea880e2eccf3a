from __future__ import annotations

import pytest

from brug.accounts.models import Organisation, User
from brug.errors import NotAllowed
from brug.signals.models import SignalStatus
from brug.web.selectors import _share, queue_summary
from tests.factories import make_message, make_signal, make_source


def _signals(org: Organisation, spec: list[tuple[str, str]]) -> None:
    source = make_source(org)
    for category, status in spec:
        make_signal(make_message(source), [category], status=status)


def test_counts_open_and_urgent_per_category_in_one_query(
        prevention_worker: User, org: Organisation, other_org: Organisation,
        django_assert_num_queries: object) -> None:
    _signals(org, [("hate_speech", SignalStatus.OPEN), ("hate_speech", SignalStatus.OPEN),
                   ("violent_intent", SignalStatus.AWAITING_CONFIRMATION),
                   ("alienation", SignalStatus.DECIDED),
                   ("alienation", SignalStatus.MONITORING)])
    _signals(other_org, [("hate_speech", SignalStatus.OPEN)] * 3)
    with django_assert_num_queries(1):  # type: ignore[operator]
        summary = queue_summary(actor=prevention_worker)
    rows = {row.category: row for row in summary.rows}
    assert [r.category for r in summary.rows] == ["violent_intent", "hate_speech",
                                                  "extremist_narrative", "alienation"]
    assert (rows["hate_speech"].open, rows["hate_speech"].urgent) == (2, 0)
    assert (rows["violent_intent"].open, rows["violent_intent"].urgent) == (0, 1)
    assert rows["alienation"].open == 0  # decided and monitored are not open
    assert (summary.open_total, summary.urgent_total) == (2, 1)
    assert rows["hate_speech"].share == 100 and rows["alienation"].share == 0


def test_a_signal_counts_once_under_its_most_serious_category(
        prevention_worker: User, org: Organisation) -> None:
    source = make_source(org)
    make_signal(make_message(source), ["alienation", "violent_intent"])
    summary = queue_summary(actor=prevention_worker)
    assert summary.open_total == 1
    assert {r.category: r.open for r in summary.rows}["violent_intent"] == 1


def test_roles_without_the_queue_get_no_counts(dpo: User, counsellor: User) -> None:
    for person in (dpo, counsellor):
        with pytest.raises(NotAllowed):
            queue_summary(actor=person)


@pytest.mark.parametrize(("value", "largest", "share"),
                         [(0, 0, 0), (0, 5, 0), (1, 1000, 5), (5, 10, 50), (7, 7, 100),
                          (2, 3, 65)])
def test_bar_share(value: int, largest: int, share: int) -> None:
    assert _share(value, largest) == share
