"""The chat benchmark's own bookkeeping (benchmarks/chat_parts.py) and scripts/redis.

The benchmark itself needs two servers and Redis and runs for a minute, so it is not part of
the suite; what decides PASS/FAIL is: the latency and loss accounting of the load generator,
and the check of the stored rows. Those are tested here on their own.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from brug.counselling.models import ChatMessage, Engagement

from .factories import make_client, make_counsellor, make_engagement, make_pool

REPO = Path(__file__).resolve().parents[2]


def _load_chat_parts() -> Any:
    # By path, not through sys.path: benchmarks/ also holds modules named `db` and `stream`.
    spec = importlib.util.spec_from_file_location("bench_chat_parts",
                                                  REPO / "benchmarks" / "chat_parts.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


chat_parts = _load_chat_parts()


def test_percentiles_are_nearest_rank() -> None:
    figures = chat_parts.percentiles([float(n) for n in range(1, 101)])
    assert figures == {"n": 100, "p50": 50.0, "p95": 95.0, "p99": 99.0, "max": 100.0}
    assert chat_parts.percentiles([]) == {"n": 0, "p50": 0.0, "p95": 0.0, "p99": 0.0,
                                          "max": 0.0}
    assert chat_parts.percentiles([7.0])["p99"] == 7.0


def frame(ref: str, sender: str, message_id: int) -> dict[str, Any]:
    return {"type": "message", "id": message_id, "ref": ref, "sender": sender, "name": "x",
            "text": "hi", "at": "2026-11-23T10:00:00.000Z"}


def test_load_counts_latency_loss_and_duplicates(tmp_path: Path) -> None:
    load = chat_parts.Load({"pids": {}, "rate": 1.0, "seconds": 10, "pairs": [{}],
                            "sent_file": str(tmp_path / "sent.jsonl")})
    load.t_measure = 100.0
    delivered, lost, doubled, warmup = (str(uuid.uuid4()) for _ in range(4))
    load.sent[delivered] = chat_parts.Sent(100.0, 7, "client", True)
    load.sent[lost] = chat_parts.Sent(101.0, 7, "counsellor", True)
    load.sent[doubled] = chat_parts.Sent(102.0, 8, "client", True)
    load.sent[warmup] = chat_parts.Sent(99.0, 7, "client", False)

    load.receive(frame(delivered, "client", 1), 100.010, "client", 7)  # the sender's copy
    load.receive(frame(delivered, "client", 1), 100.025, "counsellor", 7)  # the other side
    load.receive(frame(lost, "counsellor", 2), 101.004, "counsellor", 7)  # only its own copy
    for side in ("client", "counsellor", "counsellor"):  # the counsellor gets it twice
        load.receive(frame(doubled, "client", 3), 102.002, side, 8)
    load.receive(frame(warmup, "client", 4), 99.5, "counsellor", 7)  # warm-up: not timed
    load.receive(frame(warmup, "client", 5), 99.5, "client", 7)  # another id: a finding
    load.receive(frame(str(uuid.uuid4()), "client", 9), 102.0, "client", 7)  # never sent
    load.receive(frame(delivered, "counsellor", 1), 103.0, "client", 8)  # no: a duplicate

    assert load.delivery == pytest.approx([25.0, 2.0])
    assert load.ack == pytest.approx([10.0, 4.0, 2.0])
    result = load.result(connect_wall=0.0, waited=0.0)
    assert result["lost"] == 1  # `lost` never reached the client
    assert result["lost_ack"] == 0
    assert result["duplicated"] == 2  # doubled (counsellor) and delivered (client)
    assert result["problems"]["unexpected"] == 1
    assert result["problems"]["id_mismatch"] == 1
    assert result["sent"] == 4 and result["sent_measured"] == 3
    lines = [json.loads(x) for x in (tmp_path / "sent.jsonl").read_text().splitlines()]
    assert sorted(lines) == sorted([[delivered, 7, "client"], [lost, 7, "counsellor"],
                                    [doubled, 8, "client"], [warmup, 7, "client"]])


def test_load_flags_wrong_sender_and_conversation(tmp_path: Path) -> None:
    load = chat_parts.Load({"pids": {}, "rate": 1.0, "seconds": 1, "pairs": [],
                            "sent_file": str(tmp_path / "sent.jsonl")})
    ref = str(uuid.uuid4())
    load.sent[ref] = chat_parts.Sent(0.0, 1, "client", True)
    load.receive(frame(ref, "counsellor", 1), 0.001, "counsellor", 2)
    load.receive({"type": "error", "code": "slow_down", "message": "..."}, 0.002, "client", 1)
    assert load.problems == {"wrong_engagement": 1, "wrong_sender": 1, "error_frames": 1}


@pytest.mark.django_db
def test_check_counts_rows_against_what_was_sent(tmp_path: Path) -> None:
    counsellor = make_counsellor()
    engagement = make_engagement(make_client(make_pool(counsellor.user.organisation)),
                                 counsellor)
    other = Engagement.objects.create(client=make_client(engagement.client.pool))
    stored, missing, wrong_side, extra = (uuid.uuid4() for _ in range(4))
    ChatMessage.objects.create(engagement=engagement, sender="client", body="a",
                               client_ref=stored)
    ChatMessage.objects.create(engagement=engagement, sender="client", body="b",
                               client_ref=wrong_side)
    ChatMessage.objects.create(engagement=other, sender="client", body="c", client_ref=extra)
    sent = tmp_path / "sent.jsonl"
    sent.write_text("".join(json.dumps(row) + "\n" for row in (
        [str(stored), engagement.pk, "client"], [str(missing), engagement.pk, "client"],
        [str(wrong_side), engagement.pk, "counsellor"], [str(uuid.uuid4()), other.pk,
                                                         "client"])))
    result = chat_parts.check_child({"sent": str(sent)})
    assert result == {"sent": 4, "rows": 3, "stored_once": 2, "missing": 2, "duplicated": 0,
                      "extra": 1, "wrong_side": 1}


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed")
def test_scripts_redis_starts_and_removes_a_server() -> None:
    probe = ("import os, redis\n"
             "url = os.environ['BRUG_REDIS_URL']\n"
             "bare = redis.Redis.from_url(url.replace(url.split('@')[0] + '@', 'redis://'))\n"
             "try:\n    bare.ping()\n    refused = False\n"
             "except redis.exceptions.AuthenticationError:\n    refused = True\n"
             "print(redis.Redis.from_url(url).ping(), refused, os.environ['BRUG_REDIS_DIR'])")
    done = subprocess.run(["bash", str(REPO / "scripts" / "redis"), sys.executable, "-c", probe],
                          capture_output=True, text=True, timeout=60, check=False,
                          env={**os.environ, "TMPDIR": "/tmp"})
    assert done.returncode == 0, done.stderr
    answer, refused, folder = done.stdout.split()
    assert answer == "True"
    assert refused == "True"  # without the password the server answers nothing
    assert not Path(folder).exists()  # stopped and removed
