"""A chat server with timing probes, for ``bench_chat.py --profile`` and ``--experiment``.

Runs daphne in this process (``python benchmarks/chat_probe.py OPTIONS_JSON``) after wrapping a
few functions, so the benchmark can say where a message's time goes on the server:

* ``queue``: from the consumer handing a message to ``database_sync_to_async`` until a thread
  starts on it (Channels runs every such call of a process on *one* thread by default);
* ``store``: the consumer's ``_store`` in that thread (``chat_post`` + ``message_payload``),
  split into opening the database connection (``connect``; Channels closes it after every call
  unless ``CONN_MAX_AGE`` keeps it), SQL statements (``sql``, wall time, lock waits included),
  the commit (``commit``), sealing (``seal``) and the rest (Python);
* ``group_send``: the Redis round trips of ``group_send`` on the event loop;
* ``transport``: from ``group_send`` starting until a consumer's ``chat_message`` handler runs
  (on either server: the event carries a wall-clock stamp, the processes share a clock), i.e.
  Redis, the layer's receive loop and the consumer's queue;
* ``loop_lag``: how late the event loop wakes from a 10 ms sleep (GIL and CPU contention).

Experiments change one thing *in the benchmark's server only* to measure a proposed fix; the
application's code is not edited:

* ``threads``: ``_store`` runs with ``thread_sensitive=False`` (the loop's thread pool, several
  threads) instead of the one shared thread;
* ``persistent``: ``CONN_MAX_AGE=600``, so each server thread keeps its database connection;
* ``pubsub``: the Redis Pub/Sub channel layer (``channels_redis.pubsub``) instead of
  ``RedisChannelLayer``: a group message is one PUBLISH, received as a push, instead of a Lua
  script per send and three round trips (cleanup script, BZPOPMIN, ZADD) per message received;
* ``lean``: the store call only cleans the text and INSERTs the row (the sender's right to post
  and the display name cached on the socket, no unread-notice queries): a lower bound for a
  leaner ``chat_post``, *not* a drop-in (it skips notices and the per-post team check);
* ``nonblocking``: the consumer hands each incoming message to a per-socket task (in order)
  instead of awaiting the store inside the receive handler, so messages for that socket are
  delivered while its own post waits for the database.

On SIGTERM daphne stops and the figures are written as JSON to ``options["stats"]``.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


class Probe:
    """Durations by name; ``local`` collects the parts of the store call running in a thread."""

    def __init__(self) -> None:
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.lock = threading.Lock()
        self.local = threading.local()

    def add(self, name: str, seconds: float) -> None:
        with self.lock:
            self.samples[name].append(seconds * 1000)

    def part(self, name: str, seconds: float) -> None:
        parts = getattr(self.local, "parts", None)
        if parts is not None:
            parts[name] = parts.get(name, 0.0) + seconds

    def timed_part(self, name: str, function: Any) -> Any:
        probe = self

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                probe.part(name, time.perf_counter() - started)

        return wrapper

    def summary(self) -> dict[str, dict[str, float]]:
        sys.path.insert(0, str(HERE))
        from chat_parts import percentiles

        out = {}
        for name, values in sorted(self.samples.items()):
            out[name] = {**percentiles(values), "mean": round(sum(values) / len(values), 3),
                         "total_s": round(sum(values) / 1000, 2)}
        return out


def instrument(probe: Probe, experiments: list[str]) -> None:
    """Wrap the consumer's store call, the database layer, sealing and ``group_send``."""
    from channels.db import database_sync_to_async
    from channels_redis.core import RedisChannelLayer
    from channels_redis.pubsub import RedisPubSubLoopLayer
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.utils import CursorWrapper

    import brug.privacy.sealed as sealed
    from brug.counselling import consumers

    BaseDatabaseWrapper.connect = probe.timed_part("connect", BaseDatabaseWrapper.connect)
    BaseDatabaseWrapper._commit = probe.timed_part("commit", BaseDatabaseWrapper._commit)
    close = BaseDatabaseWrapper.close

    def timed_close(connection: Any) -> None:
        # Outside ``store``: close_old_connections() runs around every thread hop.
        started = time.perf_counter()
        was_open = connection.connection is not None
        close(connection)
        if was_open:
            probe.add("close", time.perf_counter() - started)

    BaseDatabaseWrapper.close = timed_close
    CursorWrapper.execute = probe.timed_part("sql", CursorWrapper.execute)
    sealed.seal_text = probe.timed_part("seal", sealed.seal_text)

    original = (lean_store if "lean" in experiments
                else consumers.ChatConsumer.__dict__["_store"].func)  # the function in_thread
    if "nonblocking" in experiments:
        consumers.ChatConsumer._post = queued(consumers.ChatConsumer._post)

    def timed_store(consumer: Any, text: Any, ref: Any, queued_at: float) -> Any:
        started = time.perf_counter()
        probe.add("queue", started - queued_at)
        probe.local.parts = {}
        try:
            return original(consumer, text, ref)
        finally:
            parts, probe.local.parts = probe.local.parts, None
            total = time.perf_counter() - started
            probe.add("store", total)
            for name, seconds in parts.items():
                probe.add(f"store.{name}", seconds)
            probe.add("store.python", total - sum(parts.values()))

    # One call = one thread hop, as in the consumer; close_old_connections around it as well.
    hop = database_sync_to_async(timed_store, thread_sensitive="threads" not in experiments)

    async def store(consumer: Any, text: Any, ref: Any) -> Any:
        return await hop(consumer, text, ref, time.perf_counter())

    consumers.ChatConsumer._store = store

    for layer_class in (RedisChannelLayer, RedisPubSubLoopLayer):
        layer_class.group_send = timed_group_send(probe, layer_class.group_send)
    chat_message = consumers.ChatConsumer.chat_message

    async def timed_chat_message(consumer: Any, event: dict[str, Any]) -> None:
        stamp = event.get("probe_sent_at")
        if isinstance(stamp, float):
            probe.add("transport", time.time() - stamp)
        await chat_message(consumer, event)

    consumers.ChatConsumer.chat_message = timed_chat_message


def lean_store(consumer: Any, text: Any, ref: Any) -> tuple[dict[str, Any], bool]:
    """Experiment ``lean``: clean, seal and INSERT; who may post was checked on connecting."""
    from django.db import IntegrityError, transaction

    from brug.counselling.models import ChatMessage, CounsellorProfile
    from brug.counselling.services_chat import _iso, clean_ref, clean_text

    if not hasattr(consumer, "probe_sender"):
        if consumer.client is not None:
            consumer.probe_sender = ("client", None, consumer.client.nickname)
        else:
            profile = CounsellorProfile.objects.get(user=consumer.user)
            consumer.probe_sender = ("counsellor", profile.pk, profile.display_name)
    side, counsellor_id, name = consumer.probe_sender
    message = ChatMessage(engagement_id=consumer.engagement_id, sender=side,
                          sender_counsellor_id=counsellor_id, body=clean_text(text),
                          client_ref=clean_ref(ref))
    try:
        with transaction.atomic():
            message.save(force_insert=True)
    except IntegrityError:
        message = ChatMessage.objects.get(engagement_id=consumer.engagement_id,
                                          client_ref=message.client_ref)
        created = False
    else:
        created = True
    return {"type": "message", "id": message.pk, "ref": str(message.client_ref),
            "sender": side, "name": name, "text": message.body,
            "at": _iso(message.created_at)}, created


def queued(post: Any) -> Any:
    """Experiment ``nonblocking``: ``_post`` runs in a per-socket task, in arrival order."""

    async def worker(consumer: Any, queue: asyncio.Queue[dict[str, Any]]) -> None:
        while True:
            await post(consumer, await queue.get())

    async def enqueue(consumer: Any, content: dict[str, Any]) -> None:
        queue = getattr(consumer, "probe_queue", None)
        if queue is None:
            queue = consumer.probe_queue = asyncio.Queue()
            consumer.probe_worker = asyncio.get_running_loop().create_task(
                worker(consumer, queue))
        queue.put_nowait(content)

    return enqueue


def timed_group_send(probe: Probe, group_send: Any) -> Any:
    async def wrapper(layer: Any, group: str, message: dict[str, Any]) -> None:
        started = time.perf_counter()
        try:
            # The stamp rides along in the event, not in the message the client receives.
            await group_send(layer, group, {**message, "probe_sent_at": time.time()})
        finally:
            probe.add("group_send", time.perf_counter() - started)

    return wrapper


async def watch_loop(probe: Probe) -> None:
    while True:
        before = time.perf_counter()
        await asyncio.sleep(0.01)
        probe.add("loop_lag", time.perf_counter() - before - 0.01)


def main(argv: list[str]) -> int:
    options = json.loads(argv[1])
    experiments = list(options.get("experiments", []))
    import django
    from daphne.cli import CommandLineInterface  # installs the asyncio reactor first

    django.setup()
    if "persistent" in experiments:
        from django.conf import settings

        settings.DATABASES["default"]["CONN_MAX_AGE"] = 600  # before the first connection
    if "pubsub" in experiments:
        from django.conf import settings

        settings.CHANNEL_LAYERS = {"default": {  # before the layer is first used
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [os.environ["BRUG_REDIS_URL"]]}}}
    probe = Probe()
    instrument(probe, experiments)
    from twisted.internet import reactor

    def start_watch() -> None:
        asyncio.get_event_loop().create_task(watch_loop(probe))

    reactor.callWhenRunning(start_watch)  # type: ignore[attr-defined]
    try:
        CommandLineInterface().run(options["daphne_args"])
    finally:
        Path(options["stats"]).write_text(json.dumps(
            {"pid": os.getpid(), "experiments": experiments, "probes": probe.summary()},
            indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main(sys.argv))
