"""Real processes for the tests that need them: the app under gunicorn, Celery workers, a Redis
server of the test's own (to stop and start), a TCP proxy that can cut the app off from
PostgreSQL, and a round-robin HTTP proxy in front of several app instances. The tests drive them
over HTTP, as clients and Stripe would."""

import http.client
import itertools
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not start listening on port {port}")


def eventually(check: Callable[[], Any], seconds: float = 30, what: str = "condition") -> Any:
    """Poll check() until it returns something truthy; fail after `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen within {seconds} s")


def service_env(settings: dict[str, Any], **overrides: str) -> dict[str, str]:
    """The environment for app and worker processes: the test run's database, Redis and Stripe."""
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "test",
        "DATABASE_URL": settings["DATABASE_URL"],
        "REDIS_URL": settings["REDIS_URL"] or "",
        "MARKETPLACE_PAYMENT_GATEWAY": "stripe",
        "STRIPE_SECRET_KEY": settings["STRIPE_SECRET_KEY"],
        "STRIPE_WEBHOOK_SECRET": settings["STRIPE_WEBHOOK_SECRET"],
        "MARKETPLACE_STRIPE_API_BASE": settings["STRIPE_API_BASE"],
        "MARKETPLACE_RATELIMIT_KEY_PREFIX": settings["RATELIMIT_KEY_PREFIX"],
        "MARKETPLACE_ARGON2_TIME_COST": str(settings["ARGON2_TIME_COST"]),
        "MARKETPLACE_ARGON2_MEMORY_COST_KIB": str(settings["ARGON2_MEMORY_COST_KIB"]),
        "MARKETPLACE_LOG_LEVEL": "WARNING",
        **{
            f"MARKETPLACE_{key}": str(settings[key])
            for key in (
                "ORDER_MAX_UNPAID_PER_BUYER",
                "ORDER_HOLD_MAX_UNITS",
                "ORDER_HOLD_MAX_SHARE_BP",
                "HEALTH_CHECK_SECONDS",
            )
        },
    }
    env.update(overrides)
    return env


class Response:
    """A requests response that reads like Flask's test response (`.json` is the body)."""

    def __init__(self, response: requests.Response):
        self.status_code, self.headers = response.status_code, response.headers
        self.json = response.json() if response.content else None


class HttpClient:
    """The subset of Flask's test client the tests use, over real HTTP to a served app."""

    def __init__(self, base_url: str):
        self.base_url, self.session = base_url, requests.Session()

    def request(self, method: str, path: str, **kwargs: Any) -> Response:
        return Response(self.session.request(method, self.base_url + path, timeout=30, **kwargs))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)


@contextmanager
def served_app(env: dict[str, str], log_path: Path) -> Iterator[HttpClient]:
    """The app under gunicorn (one sync worker) on a free port."""
    port = free_port()
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "marketplace:create_app()"],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, "gunicorn")
        yield HttpClient(f"http://127.0.0.1:{port}")
    finally:
        stop(proc)


def start_worker(env: dict[str, str], log_path: Path, pool: str = "solo") -> subprocess.Popen:
    """A Celery worker in a process group of its own: the solo pool runs one task at a time in the
    worker process itself; "prefork" runs one child process, as production does (more of them)."""
    with open(log_path, "a") as log:
        return subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "workers",
                "worker",
                "--pool",
                pool,
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL to the process and its children: no cleanup, no acknowledgements, as when the
    machine or container dies."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


class RedisServer:
    """A redis-server of the test's own, on a free port, which the test may stop and start again."""

    def __init__(self, workdir: Path):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is not on PATH (Debian: apt-get install redis-server)")
        self.binary, self.workdir, self.port = binary, workdir, free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
        )
        wait_for_port(self.port, "redis-server")

    def stop(self) -> None:
        stop(self.proc)


class TcpProxy:
    """Forwards a local port to a server. cut() drops every connection through it and refuses new
    ones, as a failed-over database or a broken network does; restore() lets them through again."""

    def __init__(self, host: str, port: int):
        self.target, self.port = (host, port), free_port()
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._listener: socket.socket | None = None
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        listener, self._listener = self._listener, None
        listener.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            _close(sock)

    def close(self) -> None:
        if self._listener is not None:
            self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            with self._lock:
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            _close(source)
            _close(sink)


def _close(sock: socket.socket) -> None:
    with suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
    sock.close()


class RoundRobinProxy:
    """An HTTP reverse proxy that hands each request to the next of `backends` in turn (as nginx's
    upstream does by default), adding X-Forwarded-For; `served` counts the requests each answered.
    Each request is sent whole and its answer read whole, which is all the app's answers need."""

    HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade"}

    def __init__(self, backends: list[str]):
        self.backends = backends
        self.served = dict.fromkeys(backends, 0)
        self._turn = itertools.count()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def next_backend(self) -> str:
        with self._lock:
            backend = self.backends[next(self._turn) % len(self.backends)]
            self.served[backend] += 1
        return backend

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k: v for k, v in self.headers.items() if k.lower() not in proxy.HOP_BY_HOP}
                headers["X-Forwarded-For"] = self.client_address[0]
                upstream = urlsplit(proxy.next_backend())
                conn = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=60)
                try:
                    conn.request(self.command, self.path, body=body or None, headers=headers)
                    answer = conn.getresponse()
                    data = answer.read()
                    self.send_response(answer.status, answer.reason)
                    for name, value in answer.getheaders():
                        if name.lower() not in proxy.HOP_BY_HOP | {"content-length"}:
                            self.send_header(name, value)
                finally:
                    conn.close()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _forward

        return Handler
