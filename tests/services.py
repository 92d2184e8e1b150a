"""Which real services this test run has: PostgreSQL and Redis, from DATABASE_URL and REDIS_URL.

A service named in the environment but unreachable is an error when
MARKETPLACE_REQUIRE_SERVICES=1 (CI sets it) and a loud skip otherwise.
"""

import os
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

import psycopg
import redis


@dataclass
class Services:
    postgres_url: str | None = None  # the server's maintenance database, psycopg form
    redis_url: str | None = None
    problems: list[str] = field(default_factory=list)

    def postgres_database_url(self, name: str) -> str:
        parts = urlsplit(self.postgres_url)
        return urlunsplit(parts._replace(path="/" + name))

    def redis_database_url(self, index: int) -> str:
        parts = urlsplit(self.redis_url)
        return urlunsplit(parts._replace(path=f"/{index}"))


def discover() -> Services:
    found = Services()
    database_url = os.environ.get("DATABASE_URL", "")
    if database_url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
        url = database_url.replace("postgresql+psycopg://", "postgresql://")
        try:
            with psycopg.connect(url, connect_timeout=3) as conn:
                conn.execute("SELECT 1")
            found.postgres_url = url
        except psycopg.Error as exc:
            found.problems.append(f"PostgreSQL at DATABASE_URL is unreachable: {exc}".strip())
    elif database_url:
        found.problems.append(f"DATABASE_URL is not PostgreSQL ({database_url.split(':')[0]}); using SQLite")
    redis_url = os.environ.get("REDIS_URL", "")
    if redis_url:
        try:
            redis.Redis.from_url(redis_url, socket_connect_timeout=2).ping()
            found.redis_url = redis_url
        except redis.RedisError as exc:
            found.problems.append(f"Redis at REDIS_URL is unreachable: {exc}")
    return found


def create_database(services: Services, name: str) -> str:
    with psycopg.connect(services.postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return services.postgres_database_url(name)


def drop_database(services: Services, name: str) -> None:
    with psycopg.connect(services.postgres_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
