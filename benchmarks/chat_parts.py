"""The child processes of the chat benchmark (``benchmarks/bench_chat.py``).

``bench_chat.py`` runs each part here in a fresh process::

    python benchmarks/chat_parts.py PART OPTIONS_JSON

* ``seed`` (Django, ``DATABASE_URL`` set): migrates the empty database, creates the clients,
  counsellors (confirmed TOTP device each), engagements and database sessions, and writes them
  as JSON to ``options["result"]``.
* ``load`` (no Django): the load generator. Opens a client socket on one server and a
  counsellor socket on the other for every engagement, sends at a steady rate from both sides
  and times every message until the other side has it (see ``Load``).
* ``check`` (Django): compares the ``ChatMessage`` rows with what the load generator sent.

``echo_application`` (attribute of this module, for ``daphne chat_parts:echo_application``) is a
consumer with the same protocol that stores nothing: ``--transport-only`` measures daphne,
Channels and Redis alone with it. Not a command for people: run ``bench_chat.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent

# What people write in a counselling chat, in plain words; lengths from a few words to a
# short paragraph (sealing and the socket frames grow with the text).
TEXTS = (
    "Hi.",
    "Are you there?",
    "Thanks for making time today.",
    "I had a rough week at school, people keep talking about what happened.",
    "Can we talk about my brother? He spends all night in those groups.",
    "I am not sure I want to go back to the old friends.",
    "That sounds hard. What helped you last time you felt like this?",
    "Take your time, there is no rush here.",
    "My dad says I should just stop thinking about it but that does not work.",
    "I deleted the app like we said. It was weird the first two days, now it is a bit better.",
    "Would it help to write down the moments when the anger comes up, and what you did next?",
    "ok",
    "I think so, yes. Maybe Thursday works better for me than Tuesday.",
    "Honestly I do not know who to trust any more. Everyone online seems so sure about "
    "everything and I used to be like that too. Now I just feel tired of it.",
    "You said something last time about the football club. Did you go and have a look?",
    "Not yet. I was scared they would know about me.",
)


def child_command(part: str, options: dict[str, Any]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), part, json.dumps(options)]


def log(*parts: object) -> None:
    print(*parts, file=sys.stderr, flush=True)


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99/max (nearest rank) of ``values`` in ms, rounded; zeros when empty."""
    if not values:
        return {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0, "max": 0.0}
    ordered = sorted(values)

    def rank(q: float) -> float:
        return ordered[min(len(ordered) - 1, max(0, int(q * len(ordered) + 0.999999) - 1))]

    return {"n": len(ordered), "p50": round(rank(0.50), 2), "p95": round(rank(0.95), 2),
            "p99": round(rank(0.99), 2), "max": round(ordered[-1], 2)}


def cpu_seconds(pid: int) -> float | None:
    """CPU time (user + system) of a process so far, from Linux ``/proc``; None if unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


# =========================================================================== seed (Django)
def seed_child(options: dict[str, Any]) -> dict[str, Any]:
    """Migrate, then create ``sessions`` engagements: one client each, the counsellors taking
    ``sessions / counsellors`` clients each. Returns the sessions the sockets will present."""
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import transaction
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from brug.accounts.models import Organisation, User
    from brug.accounts.roles import OrganisationType, Role
    from brug.counselling.auth import SESSION_CLIENT, SESSION_HASH, client_session_hash
    from brug.counselling.models import (
        Client,
        CounsellorProfile,
        Engagement,
        EngagementMember,
        Pool,
    )

    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    migrated = time.perf_counter() - started
    n_sessions, n_counsellors = options["sessions"], options["counsellors"]
    backend = "django.contrib.auth.backends.ModelBackend"
    assert backend in settings.AUTHENTICATION_BACKENDS
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench exit programme",
                                          kind=OrganisationType.EXIT_PROGRAMME)
        pool = Pool.objects.create(slug="help", name="Exit support")
        pool.organisations.set([org])
        staff: list[tuple[Any, Any, CounsellorProfile]] = []
        for i in range(n_counsellors):
            user = User.objects.create_user(username=f"bench-counsellor-{i:03d}",
                                            organisation=org, role=Role.COUNSELLOR,
                                            first_name=f"Counsellor {i}")
            user.set_unusable_password()
            user.save()
            device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
            profile = CounsellorProfile.objects.create(
                user=user, display_name=f"Sam {i}", kind="professional", age_band="26-35",
                languages=["en", "nl"], formats=["chat"], published=True)
            staff.append((user, device, profile))
        # An unusable passphrase is a unique random string: cheap, and nobody can sign in
        # with it; the session hash only needs a stable value.
        clients = Client.objects.bulk_create([
            Client(nickname=f"bench{i:04d}", nickname_key=f"bench{i:04d}",
                   passphrase=make_password(None), pool=pool) for i in range(n_sessions)])
        engagements = Engagement.objects.bulk_create([Engagement(client=c) for c in clients])
        per = max(1, -(-n_sessions // n_counsellors))  # ceil: 200 / 20 = 10 clients each
        EngagementMember.objects.bulk_create([
            EngagementMember(engagement=e, counsellor=staff[min(i // per, n_counsellors - 1)][2],
                             lead=True) for i, e in enumerate(engagements)])

    def new_session(data: dict[str, Any]) -> str:
        store = SessionStore()
        store.update(data)
        store.set_expiry(settings.SESSION_COOKIE_AGE)
        store.create()
        assert store.session_key
        return store.session_key

    # One session per counsellor (one browser, a tab per client), one per client.
    staff_keys = [new_session({SESSION_KEY: str(user.pk), BACKEND_SESSION_KEY: backend,
                               HASH_SESSION_KEY: user.get_session_auth_hash(),
                               "otp_device_id": device.persistent_id})
                  for user, device, _profile in staff]
    pairs = []
    for i, (client, engagement) in enumerate(zip(clients, engagements, strict=True)):
        counsellor = min(i // per, n_counsellors - 1)
        pairs.append({"engagement": engagement.pk,
                      "client_session": new_session({SESSION_CLIENT: client.pk,
                                                     SESSION_HASH: client_session_hash(client)}),
                      "counsellor_session": staff_keys[counsellor], "counsellor": counsellor})
    return {"pairs": pairs, "cookie_name": settings.SESSION_COOKIE_NAME,
            "migrate_s": round(migrated, 1), "seed_s": round(time.perf_counter() - started, 1)}


# =========================================================================== check (Django)
def check_child(options: dict[str, Any]) -> dict[str, Any]:
    """Every message sent stored exactly once, by the right side, in the right engagement."""
    import django

    django.setup()
    from collections import Counter

    from brug.counselling.models import ChatMessage

    sent: dict[tuple[int, str], str] = {}
    for line in Path(options["sent"]).read_text(encoding="utf-8").splitlines():
        ref, engagement, side = json.loads(line)
        sent[(int(engagement), ref)] = side
    engagements = sorted({e for e, _ref in sent})
    rows = Counter()
    wrong_side = 0
    for engagement, ref, side in (ChatMessage.objects.filter(engagement_id__in=engagements)
                                  .values_list("engagement_id", "client_ref", "sender")
                                  .iterator(chunk_size=5000)):
        key = (engagement, str(ref))
        rows[key] += 1
        if key in sent and sent[key] != side:
            wrong_side += 1
    return {"sent": len(sent), "rows": sum(rows.values()),
            "stored_once": sum(1 for k in sent if rows.get(k) == 1),
            "missing": sum(1 for k in sent if k not in rows),
            "duplicated": sum(1 for n in rows.values() if n > 1),
            "extra": sum(1 for k in rows if k not in sent), "wrong_side": wrong_side}


# =========================================================================== load (asyncio)
@dataclass
class Sent:
    at: float  # time.monotonic() just before the frame was handed to the socket
    engagement: int
    side: str
    measured: bool


@dataclass
class Load:
    """The load generator's state. One process, one event loop, every socket.

    Latency of a message = its receipt at the *other* side (the counsellor's socket for a
    client's message, on the other server) minus its send time, both ``time.monotonic()`` in
    this process. The sender's own copy (its acknowledgement) is timed separately.
    """

    options: dict[str, Any]
    sent: dict[str, Sent] = field(default_factory=dict)
    got: dict[tuple[str, str], int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)
    delivery: list[float] = field(default_factory=list)
    ack: list[float] = field(default_factory=list)
    timeline: dict[int, list[float]] = field(default_factory=dict)
    send_lag: list[float] = field(default_factory=list)
    loop_lag: list[float] = field(default_factory=list)
    connect_ms: list[float] = field(default_factory=list)
    problems: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)
    closing: bool = False
    t_start: float = 0.0
    t_measure: float = 0.0
    t_end: float = 0.0

    def problem(self, kind: str, example: str = "") -> None:
        self.problems[kind] = self.problems.get(kind, 0) + 1
        if example and len(self.examples) < 10:
            self.examples.append(f"{kind}: {example[:300]}")

    # ------------------------------------------------------------------ sockets
    async def open(self, port: int, engagement: int, cookie: str) -> Any:
        """Connect and wait for the history frame; None (counted) when that fails."""
        from websockets.asyncio.client import connect

        started = time.monotonic()
        try:
            ws = await connect(f"ws://127.0.0.1:{port}/ws/chat/{engagement}/",
                               origin=f"http://127.0.0.1:{port}",  # type: ignore[arg-type]
                               additional_headers={"Cookie": cookie}, open_timeout=60,
                               max_size=2 ** 20)
            first = json.loads(await asyncio.wait_for(ws.recv(), timeout=60))
        except Exception as exc:  # any failure to connect is a finding, not a crash
            self.problem("connect_failed", f"engagement {engagement}: {exc!r}")
            return None
        if first.get("type") != "history":
            self.problem("no_history_first", json.dumps(first))
        self.connect_ms.append((time.monotonic() - started) * 1000)
        return ws

    async def reader(self, ws: Any, side: str, engagement: int) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in ws:
                now = time.monotonic()
                self.receive(json.loads(raw), now, side, engagement)
        except ConnectionClosed as exc:
            if not self.closing:
                self.problem("closed_early", f"{side} of {engagement}: {exc!r}")
            return
        if not self.closing:
            self.problem("closed_early", f"{side} of {engagement}: closed by the server")

    def receive(self, data: dict[str, Any], now: float, side: str, engagement: int) -> None:
        kind = data.get("type")
        if kind == "error":
            self.problem("error_frames", json.dumps(data))
            return
        if kind != "message":
            return  # other events (e.g. presence) are not part of the benchmark
        ref = str(data.get("ref"))
        info = self.sent.get(ref)
        if info is None:
            self.problem("unexpected", json.dumps(data))
            return
        key = (ref, side)
        count = self.got.get(key, 0) + 1
        self.got[key] = count
        if count > 1:
            self.problem("duplicate_receipts")
            return
        if info.engagement != engagement:
            self.problem("wrong_engagement", ref)
        if data.get("sender") != info.side:
            self.problem("wrong_sender", json.dumps(data))
        known = self.ids.setdefault(ref, data.get("id", -1))
        if known != data.get("id"):
            self.problem("id_mismatch", f"{ref}: {known} != {data.get('id')}")
        if not info.measured:
            return
        latency = (now - info.at) * 1000
        if side == info.side:
            self.ack.append(latency)
        else:
            self.delivery.append(latency)
            self.timeline.setdefault(int(info.at - self.t_measure), []).append(latency)

    async def sender(self, ws: Any, side: str, engagement: int, rng: random.Random) -> None:
        """Send one message every ``1 / rate`` seconds, on a fixed schedule (no drift), from a
        random phase so the sockets do not all send in the same millisecond."""
        from websockets.exceptions import ConnectionClosed

        interval = 1.0 / self.options["rate"]
        due = self.t_start + rng.uniform(0, interval)
        while due < self.t_end:
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            ref = str(uuid.uuid4())
            frame = json.dumps({"type": "message", "text": rng.choice(TEXTS), "ref": ref})
            now = time.monotonic()
            self.send_lag.append((now - due) * 1000)
            self.sent[ref] = Sent(now, engagement, side, now >= self.t_measure)
            try:
                await ws.send(frame)
            except ConnectionClosed:
                del self.sent[ref]
                return  # counted by the reader
            due += interval

    async def watch_loop(self) -> None:
        """How late this event loop wakes up (a busy generator would add to every latency)."""
        while not self.closing:
            before = time.monotonic()
            await asyncio.sleep(0.01)
            self.loop_lag.append((time.monotonic() - before - 0.01) * 1000)

    def snapshot_cpu(self, label: str) -> None:
        for name, pid in {**self.options["pids"], "load": os.getpid()}.items():
            value = cpu_seconds(int(pid))
            if value is not None:
                self.cpu.setdefault(name, {})[label] = value

    async def at(self, moment: float, label: str) -> None:
        await asyncio.sleep(max(0.0, moment - time.monotonic()))
        self.snapshot_cpu(label)

    # ------------------------------------------------------------------ the run
    async def run(self) -> dict[str, Any]:
        opts = self.options
        pairs = opts["pairs"]
        cookie = opts["cookie_name"]
        ports = opts["ports"]
        gate = asyncio.Semaphore(opts.get("connect_concurrency", 20))

        async def open_pair(pair: dict[str, Any]) -> tuple[Any, Any]:
            async with gate:
                client = await self.open(ports[0], pair["engagement"],
                                         f"{cookie}={pair['client_session']}")
                counsellor = await self.open(ports[1], pair["engagement"],
                                             f"{cookie}={pair['counsellor_session']}")
                return client, counsellor

        connect_started = time.monotonic()
        sockets = await asyncio.gather(*(open_pair(p) for p in pairs))
        connect_wall = time.monotonic() - connect_started
        log(f"load: {sum(s is not None for pair in sockets for s in pair)} sockets open "
            f"in {connect_wall:.1f} s")
        # ``idle``: every socket stays quiet this long first, as a conversation at night does.
        self.t_start = time.monotonic() + 0.5 + opts.get("idle", 0.0)
        self.t_measure = self.t_start + opts["warmup"]
        self.t_end = self.t_measure + opts["seconds"]
        tasks: list[asyncio.Task[None]] = []
        senders: list[asyncio.Task[None]] = []
        rng = random.Random(opts.get("seed", 0))
        for pair, (client_ws, counsellor_ws) in zip(pairs, sockets, strict=True):
            for ws, side in ((client_ws, "client"), (counsellor_ws, "counsellor")):
                if ws is None:
                    continue
                tasks.append(asyncio.create_task(self.reader(ws, side, pair["engagement"])))
                if client_ws is not None and counsellor_ws is not None:
                    senders.append(asyncio.create_task(self.sender(
                        ws, side, pair["engagement"], random.Random(rng.random()))))
        watcher = asyncio.create_task(self.watch_loop())
        marks = [asyncio.create_task(self.at(self.t_measure, "start")),
                 asyncio.create_task(self.at(self.t_end, "end"))]
        await asyncio.gather(*senders, *marks)
        # Stragglers: wait until both sides have every message, or give up after a while.
        deadline = time.monotonic() + opts["straggle"]
        while time.monotonic() < deadline and len(self.got) < 2 * len(self.sent):
            await asyncio.sleep(0.05)
        waited = time.monotonic() - self.t_end
        self.closing = True
        await asyncio.gather(*(ws.close() for pair in sockets for ws in pair if ws is not None),
                             return_exceptions=True)
        await asyncio.gather(*tasks, watcher, return_exceptions=True)
        return self.result(connect_wall, waited)

    def result(self, connect_wall: float, waited: float) -> dict[str, Any]:
        Path(self.options["sent_file"]).write_text(
            "".join(json.dumps([ref, s.engagement, s.side]) + "\n"
                    for ref, s in self.sent.items()), encoding="utf-8")
        measured = sum(1 for s in self.sent.values() if s.measured)
        lost_delivery = lost_ack = 0
        for ref, info in self.sent.items():
            other = "counsellor" if info.side == "client" else "client"
            lost_delivery += (ref, other) not in self.got
            lost_ack += (ref, info.side) not in self.got
        seconds = self.options["seconds"]
        worst = max(self.timeline.items(), key=lambda kv: max(kv[1]), default=(0, [0.0]))
        cpu = {name: round(v["end"] - v["start"], 2) for name, v in self.cpu.items()
               if "start" in v and "end" in v}
        return {
            "sessions": len(self.options["pairs"]),
            "sockets": len(self.connect_ms), "connect_wall_s": round(connect_wall, 2),
            "connect_ms": percentiles(self.connect_ms),
            "sent": len(self.sent), "sent_measured": measured, "seconds": seconds,
            "messages_per_s": round(measured / seconds, 1),
            "delivery_ms": percentiles(self.delivery), "ack_ms": percentiles(self.ack),
            "delivery_mean_ms": round(statistics.fmean(self.delivery), 2)
            if self.delivery else 0.0,
            "lost": lost_delivery, "lost_ack": lost_ack,
            "duplicated": self.problems.get("duplicate_receipts", 0),
            "problems": self.problems, "examples": self.examples,
            "send_lag_ms": percentiles(self.send_lag), "loop_lag_ms": percentiles(self.loop_lag),
            "worst_second": {"second": worst[0], **percentiles(worst[1])},
            "timeline_p99_ms": {str(k): percentiles(v)["p99"]
                                for k, v in sorted(self.timeline.items())},
            "cpu_s": cpu, "straggle_wait_s": round(waited, 2),
        }


def load_child(options: dict[str, Any]) -> dict[str, Any]:
    options = {**options, **json.loads(Path(options["seeded"]).read_text(encoding="utf-8"))}
    return asyncio.run(Load(options).run())


# =========================================================================== echo app
def _echo_application() -> Any:
    """The same protocol with no database and no access check: the transport's own cost."""
    import itertools

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brug.settings")
    django.setup()
    from channels.db import database_sync_to_async
    from channels.generic.websocket import AsyncJsonWebsocketConsumer
    from channels.routing import ProtocolTypeRouter, URLRouter
    from channels.sessions import SessionMiddlewareStack
    from django.urls import path
    from django.utils import timezone

    from brug.counselling.auth import SESSION_CLIENT

    ids = itertools.count(os.getpid() * 10_000_000)

    class EchoConsumer(AsyncJsonWebsocketConsumer):  # type: ignore[misc]
        async def connect(self) -> None:
            self.group = f"bench-echo-{self.scope['url_route']['kwargs']['engagement_id']}"
            session = self.scope["session"]
            self.side = await database_sync_to_async(
                lambda: "client" if session.get(SESSION_CLIENT) else "counsellor")()
            await self.channel_layer.group_add(self.group, self.channel_name)
            await self.accept()
            await self.send_json({"type": "history", "messages": []})

        async def disconnect(self, code: int) -> None:
            await self.channel_layer.group_discard(self.group, self.channel_name)

        async def receive_json(self, content: dict[str, Any], **kwargs: Any) -> None:
            await self.channel_layer.group_send(self.group, {"type": "chat.message", "message": {
                "type": "message", "id": next(ids), "ref": content.get("ref"),
                "sender": self.side, "name": "", "text": content.get("text", ""),
                "at": timezone.now().isoformat()}})

        async def chat_message(self, event: dict[str, Any]) -> None:
            await self.send_json(event["message"])

    return ProtocolTypeRouter({"websocket": SessionMiddlewareStack(URLRouter([
        path("ws/chat/<int:engagement_id>/", EchoConsumer.as_asgi())]))})


def __getattr__(name: str) -> Any:
    # daphne imports ``chat_parts:echo_application``; Django is set up only then.
    if name == "echo_application":
        app = _echo_application()
        globals()["echo_application"] = app
        return app
    raise AttributeError(name)


# =========================================================================== entry point
def main(argv: list[str]) -> int:
    part, options = argv[1], json.loads(argv[2])
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "brug.settings")
    runners = {"seed": seed_child, "check": check_child, "load": load_child}
    result = runners[part](options)
    Path(options["result"]).write_text(json.dumps(result, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    raise SystemExit(main(sys.argv))
