"""A small fixed-window rate limit on Django's cache, for the portal's doors anyone can knock
on (sign-up, sign-in) and for sending chat messages without JavaScript.

Fixed windows: a key's count lives under the key and the window's number (``now // window``),
so it starts again at each window's edge; a burst across an edge may get up to twice the
limit. That is good enough to slow down a script, which is all this is for (the per-nickname
sign-in pause in ``services_clients`` is the real guard on passphrases).

The count is only as shared as the cache: with the default local-memory cache every server
process counts on its own. Keys are hashed, so no IP address is kept in the cache in clear.
"""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from brug.errors import BrugError


class SlowDown(BrugError):
    """Too many requests of one kind in a short time: wait, then try again."""

    code = "slow_down"
    status = 429


def hit(key: str, limit: int, window_seconds: int) -> bool:
    """Counts one request on ``key``. True while at most ``limit`` requests fell in the
    current window of ``window_seconds``, False once there are more."""
    window = int(time.time() // window_seconds)
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    cache_key = f"brug:ratelimit:{digest}:{window_seconds}:{window}"
    # add() is atomic: only the window's first request creates the counter. The counter
    # outlives its window a little so incr() below cannot find it gone mid-window.
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        return limit >= 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add() and incr(): count this one afresh
        cache.add(cache_key, 1, timeout=window_seconds + 5)
        count = 1
    return count <= limit


def check(key: str, limit: int, window_seconds: int, message: str) -> None:
    """``hit``, raising ``SlowDown`` with ``message`` (a sentence the person can act on) when
    the limit is passed."""
    if not hit(key, limit, window_seconds):
        raise SlowDown(message)


def client_ip(request: HttpRequest) -> str:
    """The address the request came from: ``REMOTE_ADDR``.

    Only when the deployment says it runs behind a proxy (``SECURE_PROXY_SSL_HEADER`` is set,
    ``BRUG_HTTPS``) is ``X-Forwarded-For`` read, and then only its last entry: the one our own
    proxy appended. Anything before it was written by the sender and can be made up. This
    assumes one proxy in front of Django.
    """
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.SECURE_PROXY_SSL_HEADER and forwarded:
        return str(forwarded.split(",")[-1].strip())
    return str(request.META.get("REMOTE_ADDR", ""))
