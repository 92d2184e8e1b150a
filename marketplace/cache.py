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
    def get_versioned(self, version_key: str, prefix: str) -> tuple[bytes | None, bytes]:
        """The entry `prefix + version` under the namespace's current version, and that version."""

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

    def get_versioned(self, version_key: str, prefix: str) -> tuple[bytes | None, bytes]:
        version = self.get(version_key) or b"0"
        return self.get(prefix + version.decode()), version

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
    # The version and the entry in one round trip.
    GET_VERSIONED = """
    local version = redis.call('GET', KEYS[1]) or '0'
    return {redis.call('GET', ARGV[1] .. version), version}
    """

    def __init__(self, url: str) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._get_versioned = self._client.register_script(self.GET_VERSIONED)

    def get_versioned(self, version_key: str, prefix: str) -> tuple[bytes | None, bytes]:
        value, version = self._get_versioned(keys=[version_key], args=[prefix])
        return value, version

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


def get(namespace: str, key: str) -> tuple[bytes | None, bytes | None]:
    """(entry or None, the version it was looked up under). Pass the version to put(), so that a
    page computed while a writer invalidated lands under the old version, never the new one."""
    prefix = f"{current_app.config['RATELIMIT_KEY_PREFIX']}:cache:{namespace}:{key}:"
    try:
        return backend().get_versioned(_version_key(namespace), prefix)
    except redis.RedisError as exc:
        log.warning("cache read failed, serving uncached: %s", exc)
        return None, None


def put(namespace: str, key: str, version: bytes | None, value: bytes, ttl: int) -> None:
    if version is None:
        return
    full_key = f"{current_app.config['RATELIMIT_KEY_PREFIX']}:cache:{namespace}:{key}:{version.decode()}"
    try:
        backend().set(full_key, value, ttl)
    except redis.RedisError as exc:
        log.warning("cache write failed: %s", exc)


def invalidate(namespace: str) -> None:
    """Make every entry of the namespace stale, in every process."""
    try:
        backend().incr(_version_key(namespace))
    except redis.RedisError as exc:
        # Entries written before the outage stay at most their TTL.
        log.warning("cache invalidation failed: %s", exc)
