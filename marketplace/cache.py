"""A versioned response cache: Redis when REDIS_URL is set, process memory otherwise.

Invalidation bumps a namespace's version, so every process sees it at once and
old entries simply expire. A Redis error is a cache miss, never a failed request.
"""

import logging
import threading
import time
from typing import Protocol

import redis
from flask import current_app

log = logging.getLogger(__name__)


class Backend(Protocol):
    def get(self, key: str) -> bytes | None: ...
    def set(self, key: str, value: bytes, ttl: int) -> None: ...
    def incr(self, key: str) -> int: ...


class MemoryBackend:
    """For the embedded default: one process, so a dict will do."""

    def __init__(self) -> None:
        self._data: dict[str, tuple[float, bytes]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> bytes | None:
        item = self._data.get(key)
        return item[1] if item and item[0] > time.monotonic() else None

    def set(self, key: str, value: bytes, ttl: int) -> None:
        with self._lock:
            if len(self._data) > 10_000:
                self._data.clear()
            self._data[key] = (time.monotonic() + ttl, value)

    def incr(self, key: str) -> int:
        with self._lock:
            current = int(self.get(key) or 0) + 1
            self._data[key] = (float("inf"), str(current).encode())
            return current


class RedisBackend:
    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)

    def get(self, key: str) -> bytes | None:
        return self._client.get(key)

    def set(self, key: str, value: bytes, ttl: int) -> None:
        self._client.set(key, value, ex=ttl)

    def incr(self, key: str) -> int:
        return int(self._client.incr(key))


def backend() -> Backend:
    cached = current_app.extensions.get("response_cache")
    if cached is None:
        url = current_app.config["REDIS_URL"]
        cached = RedisBackend(url) if url else MemoryBackend()
        current_app.extensions["response_cache"] = cached
    return cached


def _version_key(namespace: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:cache:{namespace}:version"


def _key(namespace: str, version: bytes, key: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:cache:{namespace}:{version.decode()}:{key}"


def get(namespace: str, key: str) -> bytes | None:
    try:
        store = backend()
        return store.get(_key(namespace, store.get(_version_key(namespace)) or b"0", key))
    except redis.RedisError as exc:
        log.warning("cache read failed, serving uncached: %s", exc)
        return None


def put(namespace: str, key: str, value: bytes, ttl: int) -> None:
    try:
        store = backend()
        store.set(_key(namespace, store.get(_version_key(namespace)) or b"0", key), value, ttl)
    except redis.RedisError as exc:
        log.warning("cache write failed: %s", exc)


def invalidate(namespace: str) -> None:
    """Make every entry of the namespace stale, in every process."""
    try:
        backend().incr(_version_key(namespace))
    except redis.RedisError as exc:
        # Entries written before the outage stay at most their TTL.
        log.warning("cache invalidation failed: %s", exc)
