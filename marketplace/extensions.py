"""Extensions, created unbound and initialised by create_app."""

from enum import StrEnum
from typing import TYPE_CHECKING, Any

from celery import Celery
from flask import Flask
from flask_limiter import Limiter
from flask_migrate import Migrate
from flask_smorest import Api
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import CheckConstraint, MetaData
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

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
