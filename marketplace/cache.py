"""A versioned response cache: Redis when REDIS_URL is set, process memory otherwise.

Invalidation bumps a namespace's version, so every process sees it at once and
old entries simply expire. A Redis error is a cache miss, never a failed request.
Either way the cache holds at most CACHE_MAX_BYTES: in memory the least recently
used entries go first; in Redis a namespace's entries live in one hash that
expires whole after the TTL and takes nothing more once full, so no flood of
distinct keys can fill the Redis that also holds the task queue.
"""

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from typing import NamedTuple, Protocol

import redis
from cachetools import LRUCache, TLRUCache
from flask import Blueprint, Response, current_app, request

log = logging.getLogger(__name__)

# An entry's key and bookkeeping, beside its bytes, in process memory.
ENTRY_OVERHEAD_BYTES = 256
BYTES_FIELD = "#bytes"


class Backend(Protocol):
    def get_versioned(self, namespace: str, key: str) -> tuple[bytes | None, bytes]:
        """The namespace's entry for `key` under its current version, and that version."""

    def set(self, namespace: str, field: str, value: bytes, ttl: int) -> None:
        """Keep `value` as the namespace's entry `field` ("<version>:<key>"), if there is room."""

    def incr(self, namespace: str) -> int:
        """Bump the namespace's version."""

    def version(self, namespace: str) -> bytes:
        """The namespace's current version."""


class MemoryBackend:
    """For the embedded default: one process, so an LRU of bounded size will do."""

    def __init__(self, max_bytes: int) -> None:
        self._entries: TLRUCache = TLRUCache(
            maxsize=max_bytes,
            ttu=lambda _key, item, _now: item[0],
            getsizeof=lambda item: len(item[1]) + ENTRY_OVERHEAD_BYTES,
        )
        # Apart from the entries, so that evicting entries never brings back an old version.
        self._versions: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def size_bytes(self) -> int:
        return int(self._entries.currsize)

    def __len__(self) -> int:
        return len(self._entries)

    def get_versioned(self, namespace: str, key: str) -> tuple[bytes | None, bytes]:
        with self._lock:
            version = str(self._versions.get(namespace, 0)).encode()
            item = self._entries.get(f"{namespace}:{version.decode()}:{key}")
        return (item[1] if item else None), version

    def set(self, namespace: str, field: str, value: bytes, ttl: int) -> None:
        # A value larger than the whole cache is not kept (cachetools' ValueError).
        with self._lock, contextlib.suppress(ValueError):
            self._entries[f"{namespace}:{field}"] = (time.monotonic() + ttl, value)

    def incr(self, namespace: str) -> int:
        with self._lock:
            self._versions[namespace] = self._versions.get(namespace, 0) + 1
            return self._versions[namespace]

    def version(self, namespace: str) -> bytes:
        with self._lock:
            return str(self._versions.get(namespace, 0)).encode()


class RedisBackend:
    # The version and the entry in one round trip.
    GET_VERSIONED = """
    local version = redis.call('GET', KEYS[1]) or '0'
    return {redis.call('HGET', KEYS[2], version .. ':' .. ARGV[1]), version}
    """
    # An entry goes in only while the hash has room; the hash expires whole, its TTL set by the
    # first entry, so no entry outlives the TTL and the hash is never kept for good.
    SET_BOUNDED = """
    local size = string.len(ARGV[1]) + string.len(ARGV[2])
    local used = tonumber(redis.call('HGET', KEYS[1], ARGV[5]) or '0')
    if used + size > tonumber(ARGV[4]) then return 0 end
    if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
    redis.call('HINCRBY', KEYS[1], ARGV[5], size)
    if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
    return 1
    """

    def __init__(self, url: str, max_bytes: int) -> None:
        self._client = redis.Redis.from_url(url, socket_timeout=0.25, socket_connect_timeout=0.25)
        self._get_versioned = self._client.register_script(self.GET_VERSIONED)
        self._set_bounded = self._client.register_script(self.SET_BOUNDED)
        self._max_bytes = max_bytes

    def get_versioned(self, namespace: str, key: str) -> tuple[bytes | None, bytes]:
        keys = [f"{namespace}:version", f"{namespace}:entries"]
        value, version = self._get_versioned(keys=keys, args=[key])
        return value, version

    def set(self, namespace: str, field: str, value: bytes, ttl: int) -> None:
        self._set_bounded(
            keys=[f"{namespace}:entries"], args=[field, value, ttl, self._max_bytes, BYTES_FIELD]
        )

    def incr(self, namespace: str) -> int:
        # The old version's entries can never be read again: free their room at once.
        pipe = self._client.pipeline()
        pipe.incr(f"{namespace}:version")
        pipe.delete(f"{namespace}:entries")
        version, _ = pipe.execute()
        return int(version)

    def version(self, namespace: str) -> bytes:
        value = self._client.get(f"{namespace}:version")
        return value if isinstance(value, bytes) else b"0"


def backend() -> Backend:
    cached = current_app.extensions.get("response_cache")
    if cached is None:
        url, max_bytes = current_app.config["REDIS_URL"], current_app.config["CACHE_MAX_BYTES"]
        cached = RedisBackend(url, max_bytes) if url else MemoryBackend(max_bytes)
        current_app.extensions["response_cache"] = cached
    return cached


def _namespace(namespace: str) -> str:
    return f"{current_app.config['RATELIMIT_KEY_PREFIX']}:cache:{namespace}"


def put(namespace: str, key: str, version: bytes | None, value: bytes, ttl: int) -> None:
    if version is None:
        return
    try:
        backend().set(_namespace(namespace), f"{version.decode()}:{key}", value, ttl)
    except redis.RedisError as exc:
        log.warning("cache write failed: %s", exc)


def invalidate(namespace: str) -> None:
    """Make every entry of the namespace stale, in every process."""
    try:
        backend().incr(_namespace(namespace))
    except redis.RedisError as exc:
        # Entries written before the outage stay at most their TTL.
        log.warning("cache invalidation failed: %s", exc)


# The catalog's answers as their process last fetched them from the cache, under its version.
LOCAL_MAX_BYTES = 8 * 1024 * 1024
_local_lock = threading.Lock()
# The cache-control of an answer that may change at any moment (a price, a delisting): anyone may
# keep it, but asks before each use, and a 304 (If-None-Match) costs the asker no body.
REVALIDATE = "public, no-cache"
KEPT_DOC_HEADERS = {
    "ETag": {"description": "the answer's strong validator, for If-None-Match", "schema": {"type": "string"}},
    "Cache-Control": {"description": REVALIDATE, "schema": {"type": "string"}},
}


class Kept(NamedTuple):
    """An answer kept in the response cache: its body, the X-Pagination it carries ("" for none),
    its ETag (a digest of both) and until when it may be served (a Unix time)."""

    body: bytes
    pagination: str
    etag: str
    expires: float

    def pack(self) -> bytes:
        return f"{self.expires:.3f} {self.etag} {self.pagination}\n".encode() + self.body

    @classmethod
    def unpack(cls, value: bytes) -> "Kept":
        head, _, body = value.partition(b"\n")
        expires, etag, pagination = head.decode().split(" ", 2)
        return cls(body, pagination, etag, float(expires))


def _local() -> TLRUCache:
    kept = current_app.extensions.get("kept_answers")
    if kept is None:
        kept = TLRUCache(
            maxsize=LOCAL_MAX_BYTES,
            ttu=lambda _key, answer, _now: answer.expires,
            timer=time.time,
            getsizeof=lambda answer: len(answer.body) + ENTRY_OVERHEAD_BYTES,
        )
        current_app.extensions["kept_answers"] = kept
    return kept


def answer(namespace: str, key: str) -> tuple[Kept | None, bytes | None]:
    """(the kept answer for `key` or None, the namespace's version it was looked up under; None when
    the cache could not be read). One round trip for the version, and none more for an answer this
    process fetched before under that version: the bytes come from the cache once per process."""
    name = _namespace(namespace)
    try:
        version = backend().version(name)
        with _local_lock:
            kept = _local().get((name, version, key))
        if kept is not None:
            return kept, version
        value, version = backend().get_versioned(name, key)
    except redis.RedisError as exc:
        log.warning("cache read failed, serving uncached: %s", exc)
        return None, None
    kept = Kept.unpack(value) if value is not None else None
    if kept is None or kept.expires <= time.time():
        return None, version
    with _local_lock, contextlib.suppress(ValueError):  # larger than the whole store: not kept here
        _local()[(name, version, key)] = kept
    return kept, version


def keep(namespace: str, key: str, version: bytes | None, body: bytes, pagination: str, ttl: int) -> Kept:
    """Keep an answer the view made under `version` (as answer() gave it) for `ttl` seconds; returns
    it with its ETag. Made while a writer raised the version, it lands under the old one, unread."""
    etag = hashlib.blake2b(pagination.encode() + b"\n" + body, digest_size=16).hexdigest()
    kept = Kept(body, pagination, etag, time.time() + ttl)
    if version is not None:
        put(namespace, key, version, kept.pack(), ttl)
    return kept


def not_modified(etag: str) -> bool:
    """Whether the request's If-None-Match names this (strong) ETag, or is "*"."""
    given = request.headers.get("If-None-Match")
    if not given:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in given.split(",")}
    return "*" in tags or f'"{etag}"' in tags


def send(kept: Kept, extra: dict[str, str]) -> Response:
    """A kept answer as the response to this request: 200 with its body, or 304 without."""
    headers = {"ETag": f'"{kept.etag}"', "Cache-Control": REVALIDATE, **extra}
    if not_modified(kept.etag):
        return Response(None, 304, headers)
    if kept.pagination:
        headers["X-Pagination"] = kept.pagination
    return Response(kept.body, 200, headers, content_type="application/json")


# Prepared answers kept per process and app: the whole region tree's listings are under 1 MiB.
PREPARED_MAX_BYTES = 8 * 1024 * 1024
PREPARED_KEY = "marketplace.prepared_key"
PREPARED_HIT = "marketplace.prepared_hit"
# The headers of the view's answer that are part of it (the others are every response's).
PREPARED_HEADERS = ("Content-Type", "X-Pagination")
# Reference data changes about once a year: a browser or proxy keeps an answer a day without asking,
# so a change reaches every reader within a day while each asks at most daily (and is answered 304,
# no body). must-revalidate: once the day is over a cache asks before using its copy again and never
# hands out the stale one when it cannot ask. public: proxies may keep it though the request carried
# a bearer token, since the answer is the same for everyone.
REFERENCE_CACHE_CONTROL = "public, max-age=86400, must-revalidate"
# How the OpenAPI document describes the headers and the 304 of a prepared answer.
PREPARED_DOC_HEADERS = {
    "ETag": {"description": "the answer's strong validator, for If-None-Match", "schema": {"type": "string"}},
    "Cache-Control": {"description": REFERENCE_CACHE_CONTROL, "schema": {"type": "string"}},
}
NOT_MODIFIED = "Not Modified: If-None-Match names this answer's ETag (no body)"
IF_NONE_MATCH = {
    "in": "header",
    "name": "If-None-Match",
    "required": False,
    "description": "an ETag of an earlier answer: 304 with no body if the answer is still that one",
    "schema": {"type": "string"},
}


# One store per app, shared by every Prepared (their keys start with the path).
_prepared_lock = threading.Lock()


class Answer(NamedTuple):
    body: bytes
    headers: tuple[tuple[str, str], ...]
    etag: str


class Prepared:
    """Answers that are a function of their path, a few query arguments and one version number of
    the data they are made from (reference data), served as the bytes the view made the first time.

    `version()` is asked on every request, before the view reads anything, so an answer made while a
    writer raised the version is kept under the old number and never served under the new one. The
    reference data's comes from the database, so a change made by any process (a seed command beside
    the servers, on the embedded default too) is seen by the next request. None (no version known)
    serves every request through the view. Only 200 answers are kept, and each is sent with an ETag
    (a digest of its bytes, the same in every process) and Cache-Control; If-None-Match with it is a
    304. The answers name no translated text: one entry serves every language (tests/regions/
    test_prepared.py compares them with each language's dump).
    """

    def __init__(
        self,
        blp: Blueprint,
        endpoints: dict[str, tuple[str, ...]],
        version: Callable[[], int | None],
    ) -> None:
        # Each endpoint with the query arguments its answer depends on (others are ignored by it).
        self._endpoints = endpoints
        self._version = version
        blp.before_request(self._serve)
        blp.after_request(self._keep)

    def _answers(self) -> LRUCache:
        answers = current_app.extensions.get("prepared_answers")
        if answers is None:
            answers = LRUCache(PREPARED_MAX_BYTES, getsizeof=lambda a: len(a.body) + ENTRY_OVERHEAD_BYTES)
            current_app.extensions["prepared_answers"] = answers
        return answers

    def _serve(self) -> Response | None:
        names = self._endpoints.get(request.endpoint or "")
        if names is None or request.method != "GET":
            return None
        version = self._version()
        if version is None:
            return None
        args = request.args
        key = (version, request.path, tuple((name, args[name]) for name in names if name in args))
        request.environ[PREPARED_KEY] = key
        with _prepared_lock:
            answer = self._answers().get(key)
        if answer is None:
            return None
        request.environ[PREPARED_HIT] = answer
        return Response(answer.body, 200, answer.headers)

    def _keep(self, response: Response) -> Response:
        key = request.environ.get(PREPARED_KEY)
        if key is None or response.status_code != 200:
            return response
        answer = request.environ.get(PREPARED_HIT)
        if answer is None:
            body = response.get_data()
            headers = tuple(
                (name, response.headers[name]) for name in PREPARED_HEADERS if name in response.headers
            )
            digest = hashlib.blake2b(repr(headers).encode() + body, digest_size=16).hexdigest()
            answer = Answer(body, headers, digest)
            with _prepared_lock, contextlib.suppress(ValueError):  # larger than the whole store: not kept
                self._answers()[key] = answer
        response.set_etag(answer.etag)
        response.headers["Cache-Control"] = REFERENCE_CACHE_CONTROL
        return response.make_conditional(request)  # type: ignore[return-value]  # the same response
