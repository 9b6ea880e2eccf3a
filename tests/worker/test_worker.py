"""`brug worker`: queued jobs, the periodic schedule, failures and shutdown."""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from brug.web import schedule
from brug.web.models import PeriodicJobState
from brug.web.schedule import PeriodicJob, claim, enqueue_due, periodic_jobs

from . import jobs

PERIODIC = PeriodicJob("tests.worker.jobs.periodic", 60)


@pytest.fixture(autouse=True)
def calls() -> Iterator[list[str]]:
    jobs.CALLS.clear()
    yield jobs.CALLS
    jobs.CALLS.clear()


@pytest.fixture
def test_schedule(monkeypatch: pytest.MonkeyPatch) -> list[PeriodicJob]:
    planned = [PERIODIC, PeriodicJob("tests.worker.jobs.does_not_exist", 60),
               PeriodicJob("tests.worker.jobs.not_a_task", 60)]
    monkeypatch.setattr(schedule, "periodic_jobs", lambda: planned)
    return planned


# The worker calls close_old_connections() like a real process; inside a test transaction
# that would close PostgreSQL's connection, so tests that run jobs commit for real.
ran_by_the_worker = pytest.mark.django_db(transaction=True)


def run_once() -> str:
    out = StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


@ran_by_the_worker
def test_once_runs_queued_jobs_of_all_queues_and_due_periodic_ones(
        test_schedule: list[PeriodicJob], calls: list[str]) -> None:
    jobs.remember.enqueue("queued before")
    jobs.on_another_queue.enqueue()
    out = run_once()
    assert sorted(calls) == ["periodic", "queued before", "scoring queue"]
    assert "enqueued 1 periodic jobs; ran 3 jobs (0 failed)" in out
    assert not DBTaskResult.objects.ready().exists()


@ran_by_the_worker
def test_periodic_job_not_enqueued_twice_within_its_period(
        test_schedule: list[PeriodicJob], calls: list[str]) -> None:
    run_once()
    run_once()
    assert calls == ["periodic"]
    state = PeriodicJobState.objects.get(path=PERIODIC.path)
    assert state.last_enqueued_at is not None


def test_enqueue_due_respects_the_period(db: None, test_schedule: list[PeriodicJob]) -> None:
    t0 = timezone.now()
    assert enqueue_due(now=t0) == [PERIODIC.path]
    DBTaskResult.objects.all().delete()  # as if it ran
    assert enqueue_due(now=t0 + timedelta(seconds=59)) == []
    assert enqueue_due(now=t0 + timedelta(seconds=60)) == [PERIODIC.path]


def test_no_pile_up_while_the_last_one_still_waits(db: None,
                                                   test_schedule: list[PeriodicJob]) -> None:
    t0 = timezone.now()
    enqueue_due(now=t0)
    assert enqueue_due(now=t0 + timedelta(hours=3)) == []
    assert DBTaskResult.objects.filter(task_path=PERIODIC.path).count() == 1


def test_claim_is_compare_and_set(db: None) -> None:
    now = timezone.now()
    assert claim(PERIODIC, now) is True
    assert claim(PERIODIC, now) is False  # a second worker process at the same moment
    assert claim(PERIODIC, now + timedelta(seconds=60)) is True


def test_missing_or_wrong_task_is_logged_not_fatal(db: None, test_schedule: list[PeriodicJob],
                                                   caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="brug.worker"):
        assert enqueue_due() == [PERIODIC.path]
    assert "tests.worker.jobs.does_not_exist is not available" in caplog.text
    assert "tests.worker.jobs.not_a_task is not a task" in caplog.text
    assert not PeriodicJobState.objects.filter(path__endswith="does_not_exist").exists()


@ran_by_the_worker
def test_failing_job_does_not_stop_the_worker(test_schedule: list[PeriodicJob],
                                              calls: list[str]) -> None:
    failing = jobs.explode.enqueue()
    jobs.remember.enqueue("after the failure")
    out = run_once()
    assert "explode" in calls and "after the failure" in calls and "periodic" in calls
    assert "(1 failed)" in out
    result = DBTaskResult.objects.get(id=failing.id)
    assert result.status == TaskResultStatus.FAILED
    assert "RuntimeError" in result.exception_class_path


def test_the_real_schedule(db: None) -> None:
    with override_settings(BRUG_FEED_POLL_SECONDS=120, BRUG_PURGE_SECONDS=900,
                           BRUG_TIMER_SWEEP_SECONDS=30, BRUG_REMINDER_SWEEP_SECONDS=300):
        planned = {job.path: job.every for job in periodic_jobs()}
    assert planned == {"brug.sources.tasks.feeds_poll_due": 120,
                       "brug.privacy.tasks.retention_purge_job": 900,
                       "brug.signals.tasks.monitoring_recheck_due": 3600,
                       "brug.cases.tasks.process_timers_due": 30,
                       "brug.counselling.tasks.appointment_reminders_due": 300}
    for path, every in planned.items():
        assert PeriodicJob(path, every).load() is not None


@ran_by_the_worker
def test_once_runs_the_real_purge_job(calls: list[str]) -> None:
    out = run_once()
    assert DBTaskResult.objects.filter(
        task_path="brug.privacy.tasks.retention_purge_job",
        status=TaskResultStatus.SUCCESSFUL).exists()
    assert "ran" in out


@pytest.mark.django_db(transaction=True)
def test_loop_schedules_runs_and_stops_cleanly_on_sigterm(test_schedule: list[PeriodicJob],
                                                          calls: list[str]) -> None:
    before = signal.getsignal(signal.SIGTERM)
    done = threading.Event()

    def stop_when_the_periodic_job_ran() -> None:
        for _ in range(200):  # at most ~20 s, then stop anyway (the assertions will tell)
            if "periodic" in calls or done.is_set():
                break
            time.sleep(0.1)
        time.sleep(0.3)  # a few more ticks: the job must not be scheduled again
        if not done.is_set():
            os.kill(os.getpid(), signal.SIGTERM)

    stopper = threading.Thread(target=stop_when_the_periodic_job_ran, daemon=True)
    stopper.start()
    out = StringIO()
    try:
        call_command("worker", "--interval", "0.1", "--poll", "0.1", stdout=out)
    finally:
        done.set()
        stopper.join()
    assert "brug worker stopped" in out.getvalue()
    assert calls == ["periodic"]  # scheduled by the thread, run by the loop, only once
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_briefly_locked_database_costs_a_pause_not_the_worker() -> None:
    from django.db import OperationalError

    from brug.web.management.commands.worker import Command

    class Flaky:
        interval, running, runs = 0.01, True, 0

        def run(self) -> None:
            self.runs += 1
            if self.runs == 1:
                raise OperationalError("database table is locked")

    flaky = Flaky()
    Command._run_through_locks(flaky)  # type: ignore[arg-type]
    assert flaky.runs == 2

    class Broken(Flaky):
        def run(self) -> None:
            raise OperationalError("no such table: django_tasks_db_dbtaskresult")

    with pytest.raises(OperationalError):
        Command._run_through_locks(Broken())  # type: ignore[arg-type]
