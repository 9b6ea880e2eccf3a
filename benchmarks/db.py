"""Databases for the platform benchmark: throwaway SQLite files and PostgreSQL databases.

Stdlib only (plus psycopg, imported lazily, to create and drop PostgreSQL databases).

* ``sqlite_url(folder, name)``: a ``DATABASE_URL`` for a new SQLite file.
* ``PostgresServer``: where PostgreSQL runs. ``from_env()`` takes ``DATABASE_URL`` when it is a
  PostgreSQL URL (the role needs CREATEDB); ``start_throwaway()`` starts a cluster of its own on
  127.0.0.1 and a spare port under a temporary folder, as the ``postgres`` user when run as
  root, with PostgreSQL's *default durability settings* (fsync and synchronous commit on):
  ``scripts/pg`` turns those off to make the test suite fast, which would flatter ingestion
  figures here. ``stop()`` removes the cluster again.
* ``PostgresServer.fresh_database(name)`` creates an empty database and returns its URL;
  ``drop_database(name)`` removes it.
"""

from __future__ import annotations

import contextlib
import os
import random
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlparse, urlunparse


def sqlite_url(folder: Path, name: str) -> str:
    """``DATABASE_URL`` of a new SQLite file ``folder/name.sqlite3`` (removed first if present)."""
    path = (folder / f"{name}.sqlite3").resolve()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    return f"sqlite:///{path}"


def is_postgres_url(url: str | None) -> bool:
    return bool(url) and urlparse(url or "").scheme in {"postgres", "postgresql", "pgsql"}


def _bin_dir() -> Path | None:
    configured = os.environ.get("BRUG_PG_BIN")
    if configured:
        return Path(configured) if (Path(configured) / "pg_ctl").exists() else None
    def version(path: Path) -> list[int]:
        return [int(x) if x.isdigit() else 0 for x in path.parent.name.split(".")]

    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=version)
    for candidate in reversed(candidates):
        if (candidate / "pg_ctl").exists() and (candidate / "initdb").exists():
            return candidate
    found = shutil.which("pg_ctl")
    return Path(found).parent if found and shutil.which("initdb") else None


def postgres_available() -> tuple[bool, str]:
    """Whether a PostgreSQL server can be used, and if not, why (a sentence)."""
    if is_postgres_url(os.environ.get("DATABASE_URL")):
        return True, "DATABASE_URL"
    try:
        import psycopg  # noqa: F401
    except ImportError:
        return False, "psycopg is not installed"
    if _bin_dir() is None:
        return False, ("PostgreSQL is not installed (Debian: apt-get install postgresql) and "
                       "DATABASE_URL does not point at a PostgreSQL server")
    if os.geteuid() == 0:
        try:
            subprocess.run(["id", "postgres"], check=True, capture_output=True)
        except (OSError, subprocess.CalledProcessError):
            return False, "running as root needs the 'postgres' system user"
    return True, "throwaway cluster"


def _spare_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class PostgresServer:
    """A PostgreSQL server the benchmark may create databases on."""

    base_url: str
    folder: Path | None = None  # set when we started the cluster ourselves
    bin_dir: Path | None = None
    created: list[str] = field(default_factory=list)

    @classmethod
    def from_env(cls) -> PostgresServer | None:
        url = os.environ.get("DATABASE_URL")
        return cls(base_url=url) if url and is_postgres_url(url) else None

    @classmethod
    def start_throwaway(cls) -> PostgresServer:
        """Start a cluster with default durability on 127.0.0.1. Raises RuntimeError on failure."""
        bin_dir = _bin_dir()
        if bin_dir is None:
            raise RuntimeError("PostgreSQL binaries not found")
        folder = Path(tempfile.mkdtemp(prefix="brug-bench-pg."))
        folder.chmod(0o755)
        data = folder / "data"
        data.mkdir()
        as_root = os.geteuid() == 0
        if as_root:
            shutil.chown(folder, "postgres", "postgres")
            shutil.chown(data, "postgres", "postgres")

        def as_owner(*cmd: str) -> subprocess.CompletedProcess[str]:
            full = ["runuser", "-u", "postgres", "--", *cmd] if as_root else list(cmd)
            return subprocess.run(full, capture_output=True, text=True, check=False)

        server = cls(base_url="", folder=folder, bin_dir=bin_dir)
        init = as_owner(str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "-A",
                        "trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions")
        if init.returncode != 0:
            server.stop()
            raise RuntimeError(f"initdb failed: {init.stderr.strip()[-500:]}")
        (data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 scram-sha-256\n", encoding="utf-8")
        if as_root:
            shutil.chown(data / "pg_hba.conf", "postgres", "postgres")
        for _attempt in range(5):
            port = _spare_port()
            start = as_owner(str(bin_dir / "pg_ctl"), "-D", str(data), "-l",
                             str(folder / "server.log"), "-w", "-t", "60", "-o",
                             f"-c listen_addresses=127.0.0.1 -p {port} "
                             f"-c unix_socket_directories={folder} -c max_connections=50",
                             "start")
            if start.returncode == 0:
                break
        else:
            server.stop()
            raise RuntimeError(f"pg_ctl start failed: {start.stderr.strip()[-500:]}")
        password = secrets.token_hex(16)
        psql = subprocess.run(
            [str(bin_dir / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(folder),
             "-p", str(port), "-U", "postgres", "-d", "postgres", "-c",
             f"CREATE ROLE brug LOGIN CREATEDB PASSWORD '{password}'"],
            capture_output=True, text=True, check=False)
        if psql.returncode != 0:
            server.stop()
            raise RuntimeError(f"creating the brug role failed: {psql.stderr.strip()[-500:]}")
        server.base_url = f"postgresql://brug:{password}@127.0.0.1:{port}/postgres"
        return server

    def version(self) -> str:
        import psycopg

        with psycopg.connect(self._url_for("postgres"), autocommit=True) as conn:
            row = conn.execute("SHOW server_version").fetchone()
        return str(row[0]) if row else "?"

    def _url_for(self, database: str) -> str:
        parts = urlparse(self.base_url)
        return urlunparse(parts._replace(path="/" + quote(database)))

    def fresh_database(self, name: str) -> str:
        """Create an empty database ``name`` (dropping an old one) and return its URL."""
        import psycopg
        from psycopg import sql

        maintenance = unquote(urlparse(self.base_url).path.lstrip("/")) or "postgres"
        with psycopg.connect(self._url_for(maintenance), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        self.created.append(name)
        return self._url_for(name)

    def drop_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql

        maintenance = unquote(urlparse(self.base_url).path.lstrip("/")) or "postgres"
        if name == maintenance:
            return
        with psycopg.connect(self._url_for(maintenance), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                sql.Identifier(name)))

    def stop(self) -> None:
        """Drop the databases we created; stop and remove our own cluster, if any."""
        if self.folder is None:
            for name in list(self.created):
                # best effort: a database left behind on a server we do not own is harmless
                with contextlib.suppress(Exception):
                    self.drop_database(name)
            self.created.clear()
            return
        data = self.folder / "data"
        if self.bin_dir is not None and (data / "postmaster.pid").exists():
            cmd = [str(self.bin_dir / "pg_ctl"), "-D", str(data), "-m", "fast", "-w", "-t",
                   "30", "stop"]
            if os.geteuid() == 0:
                cmd = ["runuser", "-u", "postgres", "--", *cmd]
            subprocess.run(cmd, capture_output=True, check=False)
            time.sleep(0.1)
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None


# --------------------------------------------------------------------------- seeding (Django)
# The functions below need a configured Django (``django.setup()``) and import it lazily, so
# the orchestrating process stays stdlib-only.

QUEUE_STATUS_SHARES = (("open", 0.82), ("awaiting_confirmation", 0.03), ("monitoring", 0.05),
                       ("decided", 0.10))
SOURCE_SHARES = (("Comments under local news", "upload", 0.45),
                 ("Youth forum export", "upload", 0.25),
                 ("Gaming chat (push)", "push", 0.15),
                 ("City Facebook page", "upload", 0.10),
                 ("Neighbourhood feed", "feed", 0.05))
MANDATE = {"legal_basis": "public_task",
           "purpose": "Prevention of violent radicalisation (municipal prevention plan)",
           "retention_days": 90, "dpia_reference": "DPIA-BENCH-2026"}


@dataclass
class Team:
    """One organisation with a prevention worker (TOTP device) and active sources."""

    organisation: Any
    worker: Any
    sources: list[Any]
    source_weights: list[float]


def make_team(*, source_names: tuple[tuple[str, str, float], ...] = SOURCE_SHARES) -> Team:
    """Create the organisation, one prevention worker with a confirmed TOTP device and the
    sources (active, complete mandate), directly in the database."""
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from brug.accounts.models import Organisation, User
    from brug.accounts.roles import OrganisationType, Role
    from brug.sources.models import Source

    org = Organisation.objects.create(name="Bench prevention", kind=OrganisationType.PREVENTION)
    worker = User.objects.create_user(username="bench-worker", organisation=org,
                                      role=Role.PREVENTION_WORKER, first_name="Bench")
    worker.set_unusable_password()
    worker.save()
    TOTPDevice.objects.create(user=worker, name="phone", confirmed=True)
    now = timezone.now()
    sources = [Source.objects.create(organisation=org, name=name, kind=kind, is_active=True,
                                     activated_at=now, mandate_recorded_by=worker,
                                     mandate_recorded_at=now, **MANDATE)
               for name, kind, _share in source_names]
    return Team(org, worker, sources, [share for _n, _k, share in source_names])


def login(client: Any, user: Any) -> None:
    """Log ``client`` in as ``user`` with the second factor passed (as tests/factories.py)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    client.force_login(user)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()


@dataclass
class SignalTemplate:
    """What the detector said about one concerning text, to be copied into many signals."""

    text: str
    lang: str
    flags: list[str]
    scores: dict[str, float]
    evidence: list[dict[str, Any]]
    modifiers: list[dict[str, Any]]


@dataclass
class DetectorInfo:
    model_name: str
    model_version: str
    components: dict[str, str]
    config_hash: str


def signal_templates(texts: list[str], cache: Path | None = None
                     ) -> tuple[list[SignalTemplate], DetectorInfo]:
    """Score ``texts`` with the real detector (loaded once through the scoring service) and
    keep those that would become signals, with exactly what the scoring job would store.

    With ``cache``, the templates are read from that JSON file when it was written for the
    same texts, and written there otherwise (the second database run then skips scoring).
    """
    import hashlib
    import json

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()
    if cache is not None and cache.exists():
        stored = json.loads(cache.read_text(encoding="utf-8"))
        if stored.get("key") == key:
            return ([SignalTemplate(**t) for t in stored["templates"]],
                    DetectorInfo(**stored["info"]))
    templates, info = _score_templates(texts)
    if cache is not None:
        cache.write_text(json.dumps({"key": key, "templates": [t.__dict__ for t in templates],
                                     "info": info.__dict__}), encoding="utf-8")
    return templates, info


def _score_templates(texts: list[str]) -> tuple[list[SignalTemplate], DetectorInfo]:
    from brug.signals.models import PRIORITY
    from brug.signals.services import get_detector, signal_modifiers

    detector = get_detector()
    templates: list[SignalTemplate] = []
    for text, result in zip(texts, detector.score(texts), strict=True):
        if result.error is not None or not any(c in PRIORITY for c in result.flags):
            continue
        templates.append(SignalTemplate(text, result.lang, list(result.flags), result.scores,
                                        result.evidence, signal_modifiers(result)))
    name, _, version = detector.model_id.partition("@")
    info = DetectorInfo(name, version, dict(detector.components), detector.config_hash)
    return templates, info


class _CreatedAtAsGiven:
    """Let ``bulk_create`` keep the ``created_at`` we set (the field has ``auto_now_add``)."""

    def __init__(self, model: Any) -> None:
        self.field = model._meta.get_field("created_at")

    def __enter__(self) -> None:
        self.field.auto_now_add = False

    def __exit__(self, *exc: object) -> None:
        self.field.auto_now_add = True


def _pick(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def seed_signals(team: Team, templates: list[SignalTemplate], info: DetectorInfo, *, count: int,
                 seed: int, start: int = 0, chunk: int = 2000) -> dict[str, int]:
    """Bulk-create ``count`` messages, each with a signal (+ ``SignalFlag`` rows), and
    decisions for the signals that are not open.

    Spreads: sources by ``team.source_weights``; the detector's own categories and languages
    (copied from ``templates``); 82 % open, 3 % urgent awaiting a second reviewer, 5 %
    monitoring, 10 % decided; ages exponential with a mean of 12 days, within the 90-day
    retention. Authors: 3,000 pseudonymous handles, a few of them very active. External ids
    continue from ``start`` so the function can be called again to grow the table.
    """
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from brug.privacy.crypto import pseudonym, seal
    from brug.review.models import Decision
    from brug.signals.models import PRIORITY, Signal, SignalFlag, most_serious
    from brug.sources.models import Message

    rng = random.Random(seed * 1_000_003 + start)
    now = timezone.now()
    org_id = team.organisation.pk
    handles = [f"@bench_author_{i}" for i in range(3000)]
    author_weights = [1.0 / (i + 1) ** 0.8 for i in range(len(handles))]
    sealed: dict[str, tuple[str, bytes]] = {}
    counts = {"messages": 0, "signals": 0, "flags": 0, "decisions": 0}
    outcome_of = {"awaiting_confirmation": "urgent", "monitoring": "monitor", "decided": "dismiss"}
    for begin in range(0, count, chunk):
        size = min(chunk, count - begin)
        messages: list[Message] = []
        plans: list[tuple[SignalTemplate, str, Any]] = []
        for i in range(begin, begin + size):
            template = rng.choice(templates)
            source = rng.choices(team.sources, weights=team.source_weights)[0]
            handle = rng.choices(handles, weights=author_weights)[0]
            if handle not in sealed:
                sealed[handle] = (pseudonym(handle, organisation_id=org_id), seal(handle))
            digest, token = sealed[handle]
            age = timedelta(days=min(rng.expovariate(1 / 12), 89.5),
                            seconds=rng.randint(0, 3600))
            when = now - age
            messages.append(Message(
                source=source, external_id=f"bench-{start + i:07d}", text=template.text,
                lang=template.lang if template.lang != "und" else "", author_pseudonym=digest,
                author_sealed=token, posted_at=when - timedelta(minutes=rng.randint(1, 600)),
                received_at=when, scored_at=when))
            plans.append((template, _pick(rng, QUEUE_STATUS_SHARES), when))
        with transaction.atomic():
            Message.objects.bulk_create(messages, batch_size=chunk)
            signals = []
            for message, (template, status, when) in zip(messages, plans, strict=True):
                top = most_serious(template.flags)
                assert top is not None  # templates are flagged lines only
                signals.append(Signal(
                    message=message, organisation_id=org_id, source_id=message.source_id,
                    lang=message.lang, priority=PRIORITY[top], top_category=top,
                    flags=list(template.flags), scores=template.scores,
                    evidence=template.evidence, modifiers=template.modifiers,
                    model_name=info.model_name, model_version=info.model_version,
                    components=info.components, config_hash=info.config_hash, status=status,
                    recheck_on=(when + timedelta(days=30)).date()
                    if status == "monitoring" else None,
                    created_at=when))
            with _CreatedAtAsGiven(Signal):
                Signal.objects.bulk_create(signals, batch_size=chunk)
            flag_rows = [SignalFlag(signal=s, category=c) for s in signals for c in s.flags
                         if c in PRIORITY]
            SignalFlag.objects.bulk_create(flag_rows, batch_size=chunk)
            decisions = [Decision(signal=s, reviewer=team.worker, labels=["not_relevant"],
                                  outcome=outcome_of[s.status],
                                  reason="Benchmark decision with a written reason.",
                                  # as signal_decide stores it: urgent only
                                  legal_ground=("Benchmark"
                                                if s.status == "awaiting_confirmation" else ""),
                                  recheck_on=s.recheck_on)
                         for s in signals if s.status in outcome_of]
            Decision.objects.bulk_create(decisions, batch_size=chunk)
        counts["messages"] += len(messages)
        counts["signals"] += len(signals)
        counts["flags"] += len(flag_rows)
        counts["decisions"] += len(decisions)
    return counts
