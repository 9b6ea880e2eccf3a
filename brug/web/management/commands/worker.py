"""`brug worker`: runs queued background jobs and puts the periodic ones on the queue.

The queue loop is django-tasks-db's own ``Worker`` (claiming, locking, recording results and
failures); a daemon thread ticks every ``--interval`` seconds and enqueues the periodic jobs of
``brug/web/schedule.py`` that are due. SIGTERM/SIGINT stop cleanly: a running job finishes
first (a second signal cuts it short, as in ``db_worker``).

``--once`` enqueues what is due, runs everything queued, and exits (tests, demo, cron).
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import OperationalError, close_old_connections, connection
from django.tasks import TaskResultStatus
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from brug.web.schedule import enqueue_due

logger = logging.getLogger("brug.worker")

Handler = int | signal.Handlers | None | Any
STOP_SIGNALS = [signal.SIGINT, signal.SIGTERM]


class BrugWorker(Worker):
    """django-tasks-db's worker, counting what it ran; a failed job is logged and left behind."""

    ran = 0
    failed = 0

    def run_task(self, db_task_result: DBTaskResult[Any, Any]) -> None:
        super().run_task(db_task_result)  # catches every exception and records it as FAILED
        self.ran += 1
        if db_task_result.status == TaskResultStatus.FAILED:
            self.failed += 1
            logger.warning("job %s (%s) failed: %s", db_task_result.id,
                           db_task_result.task_path, db_task_result.exception_class_path)


class Scheduler(threading.Thread):
    """Every ``interval`` seconds, enqueues the due periodic jobs. Never dies of an error."""

    def __init__(self, interval: float) -> None:
        super().__init__(name="brug-scheduler", daemon=True)
        self.interval = interval
        self.stopped = threading.Event()

    def tick(self) -> list[str]:
        try:
            return enqueue_due()
        except Exception:  # e.g. the database is briefly unavailable: try again next tick
            logger.exception("periodic scheduling failed; trying again in %ss", self.interval)
            return []
        finally:
            close_old_connections()

    def run(self) -> None:
        try:
            while not self.stopped.is_set():
                self.tick()
                self.stopped.wait(self.interval)
        finally:
            connection.close()  # this thread's own connection

    def stop(self) -> None:
        self.stopped.set()


def positive(value: str) -> float:
    number = float(value)
    if not number > 0:
        raise ValueError(value)
    return number


class Command(BaseCommand):
    help = "Run background jobs (all queues) and schedule the periodic ones."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true",
                            help="enqueue due periodic jobs, run everything queued, then exit")
        parser.add_argument("--interval", type=positive, default=30.0,
                            help="seconds between two checks for due periodic jobs (default 30)")
        parser.add_argument("--poll", type=positive, default=1.0,
                            help="seconds to wait when the queue is empty (default 1)")
        parser.add_argument("--queue-name", default="*",
                            help="queues to run, comma-separated; * for all (default)")
        parser.add_argument("--worker-id", default="",
                            help="unique id of this process (default: random)")

    def handle(self, *args: Any, once: bool = False, interval: float = 30.0,
               poll: float = 1.0, queue_name: str = "*", worker_id: str = "",
               **options: Any) -> None:
        if options.get("verbosity", 1) > 1:
            logger.setLevel(logging.DEBUG)
        queues = [name.strip() for name in queue_name.split(",") if name.strip()]
        if not queues:
            raise CommandError("--queue-name needs at least one queue name, or *")
        worker = BrugWorker(
            queue_names=queues, interval=poll, batch=once, backend_name="default",
            startup_delay=not once, max_tasks=None, excluded_queue_names=[],
            worker_id=(worker_id or get_random_string(32))[:64])
        if once:
            enqueued = enqueue_due()
            worker.run()
            self.stdout.write(f"enqueued {len(enqueued)} periodic jobs; ran {worker.ran} jobs "
                              f"({worker.failed} failed)")
            return
        self._run_forever(worker, interval)

    def _run_forever(self, worker: BrugWorker, interval: float) -> None:
        scheduler = Scheduler(interval)
        previous: dict[signal.Signals, Handler] = {s: signal.getsignal(s) for s in STOP_SIGNALS}

        def shutdown(signum: int, frame: FrameType | None) -> None:
            scheduler.stop()
            worker.shutdown(signum, frame)  # exits at once when idle, else after the job

        for stop_signal in STOP_SIGNALS:
            signal.signal(stop_signal, shutdown)
        self.stdout.write(f"brug worker {worker.worker_id}: queues {','.join(worker.queue_names)}"
                          f", periodic jobs checked every {interval:g}s")
        scheduler.start()
        try:
            self._run_through_locks(worker)
        except SystemExit as exc:
            if exc.code not in (0, None):
                raise
        finally:
            scheduler.stop()
            scheduler.join(timeout=max(5.0, interval))
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        self.stdout.write("brug worker stopped")

    @staticmethod
    def _run_through_locks(worker: BrugWorker) -> None:
        """Run the worker loop; a database that is briefly locked (SQLite, while the scheduler
        thread or another process writes) costs a pause, never the worker. The library retries
        a locked claim itself, but not a lock met when its transaction begins."""
        while True:
            try:
                worker.run()
                return
            except OperationalError as exc:
                if "locked" not in str(exc).lower() or not worker.running:
                    raise
                logger.warning("database locked, the worker waits and goes on: %s", exc)
                connection.close()
                time.sleep(min(worker.interval or 0.1, 1.0))
