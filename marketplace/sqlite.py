"""The embedded default's SQLite file, made to serialise transactions as PostgreSQL's row locks do.

Left to itself the sqlite3 driver begins a transaction only at the first INSERT, UPDATE or DELETE, so
the reads a service decides on (is this order still refundable? how much of the invoice is owed?)
run outside it, and SELECT ... FOR UPDATE, which makes the second of two requests wait on
PostgreSQL, does nothing here: two requests read the same state and both act on it (two full refunds
of one order, six transfers recorded against one invoice). So SQLAlchemy takes over transaction
control (the recipe of its SQLite dialect documentation) and every transaction begins with
BEGIN IMMEDIATE, which takes the database's one write lock before the transaction's first read: what
a service checks is still true when it writes, and a second request waits for the first to commit,
then sees what it did. Read-only transactions take the lock too: a request cannot know in advance
that it will not write, and a deferred transaction that reads, then writes after another committed,
fails with "database is locked" instead of waiting.
"""

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

# How long a transaction waits for the write lock before it fails with "database is locked". Every
# transaction holds the lock for its whole length, so this bounds the queue, not one request.
BUSY_TIMEOUT_MS = 30_000


def is_file_database(engine: Engine) -> bool:
    # An in-memory database is one connection that every session shares (StaticPool), where a second
    # session's BEGIN would be a transaction within the first's; it serves one-off uses (the OpenAPI
    # document), never concurrent requests.
    url = engine.url
    return (
        engine.dialect.name == "sqlite"
        and url.database not in (None, "", ":memory:")
        and url.query.get("mode") != "memory"
    )


def serialise_transactions(engine: Engine) -> None:
    """Every transaction on this file database begins with BEGIN IMMEDIATE; waiting writers wait."""
    event.listen(engine, "connect", _on_connect)
    event.listen(engine, "begin", _begin_immediate)


def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:
    # None stops the driver from beginning (and committing) transactions of its own.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Write-ahead logging: a reader outside the app (the sqlite3 shell, a backup) neither waits
        # for a writer nor blocks one, and a commit is one append instead of a journal rewritten.
        cursor.execute("PRAGMA journal_mode = WAL")
    finally:
        cursor.close()


def _begin_immediate(connection: Connection) -> None:
    connection.exec_driver_sql("BEGIN IMMEDIATE")
