"""Extensions, created unbound and initialised by create_app."""

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from celery import Celery
from flask import Flask
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint, MetaData, bindparam, func, insert, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from marketplace import sqlite
from marketplace.apidocs import OperationIds
from marketplace.ratelimit import client_address
from marketplace.schemas import ErrorSchema

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def one_of(column: str, states: type[StrEnum], name: str | None = None) -> CheckConstraint:
    """The CHECK that keeps `column` to the enum's values, spelled from the enum in its order."""
    values = ", ".join(f"'{state}'" for state in states)
    return CheckConstraint(f"{column} IN ({values})", name=name or column)


def in_ids(column: ColumnElement[int] | QueryableAttribute[int], ids: Iterable[int]) -> ColumnElement[bool]:
    """`column IN (...)` with the ids written into the SQL rather than bound one by one: psycopg parses
    a query in Python at each of its parameters, which for the 10,000 ids of a large purchase order
    costs more than the database's work. Integers only, made so here, so nothing else is written in."""
    return column.in_(bindparam(None, [int(i) for i in ids], expanding=True, literal_execute=True))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class MarketplaceApi(Api):
    ERROR_SCHEMA = ErrorSchema


class MarketplaceSQLAlchemy(SQLAlchemy):
    # Every engine of every app, the migrations' included: the hook where Flask-SQLAlchemy makes one.
    def _make_engine(self, bind_key: str | None, options: dict[str, Any], app: Flask) -> Engine:
        engine = super()._make_engine(bind_key, options, app)
        if sqlite.is_file_database(engine):
            sqlite.serialise_transactions(engine)
        return engine


db = MarketplaceSQLAlchemy(model_class=Base)


def insert_rows(model: type[Base], rows: list[dict[str, Any]]) -> None:
    """Insert rows (dicts with the same keys) into the model's table in one statement: on PostgreSQL
    INSERT ... SELECT from unnest() of one array per column, so 10,000 rows are a few parameters
    (an executemany costs the driver a round of work per row, and a multi-row VALUES one per value);
    elsewhere (SQLite) an executemany. The columns' Python defaults apply as in any INSERT."""
    if not rows:
        return
    if db.session.get_bind().dialect.name != "postgresql":
        db.session.execute(insert(model), rows)
        return
    columns = model.__table__.c
    names = list(rows[0])
    arrays = [bindparam(None, [row[name] for row in rows], type_=ARRAY(columns[name].type)) for name in names]
    given = func.unnest(*arrays).table_valued(*names).render_derived()
    db.session.execute(insert(model).from_select(names, select(*given.c)))


@contextmanager
def kept_loaded() -> Iterator[None]:
    """Commits within leave the session's objects loaded as they were written, not expired: for a
    use case that shows what it has just written, rather than reading it back (a connection and a
    round trip per object). Only for objects no other transaction could have changed meanwhile."""
    session = db.session()
    expiring, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = expiring


# The models' base: Flask-SQLAlchemy's db.Model (the typed Base with its query and table names), which
# type checkers, unable to take an attribute for a class, see as the Base it is made from.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model
migrate = Migrate()
api = MarketplaceApi(spec_kwargs={"extra_plugins": [OperationIds()]})
limiter = Limiter(
    key_func=client_address,
    # A Redis outage must not take logins down: fall back to memory.
    in_memory_fallback_enabled=True,
    swallow_errors=True,
)
celery_app = Celery("marketplace")
