"""Idempotency-Key: the first answer is replayed whatever the view returns and wherever the
decorator sits, for IDEMPOTENCY_KEY_HOURS, after which the key is forgotten and purged."""

from datetime import timedelta

import marshmallow as ma
import pytest
from flask import Flask, jsonify, make_response
from flask_smorest import Api, Blueprint

from marketplace.errors import register_error_handlers
from marketplace.extensions import db
from marketplace.idempotency import IdempotencyRecord, idempotent, purge_expired
from marketplace.orders.models import Order
from marketplace.timeutil import now


class MadeSchema(ma.Schema):
    n = ma.fields.Integer()


@pytest.fixture
def views(app, make_user):
    """A small app of its own (routes cannot be added to the served one), on the same database,
    with one idempotent view per shape of result and order of decorators."""
    user, _ = make_user()
    user_id, made = user.id, []
    # Reading user.id began a transaction; on SQLite an open one holds the database's one write lock,
    # which the small app's requests, on connections of their own, would wait for.
    db.session.commit()

    def make():
        made.append(1)
        return {"n": len(made)}

    mini = Flask("idempotency")
    mini.config.update(
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        IDEMPOTENCY_KEY_HOURS=24,
        API_TITLE="idempotency",
        API_VERSION="v1",
        OPENAPI_VERSION="3.0.3",
    )
    db.init_app(mini)
    register_error_handlers(mini)
    blp = Blueprint("made", __name__)

    @blp.route("/outermost", methods=["POST"])
    @idempotent(lambda: user_id)
    @blp.response(201, MadeSchema)
    def outermost():
        return make()

    @blp.route("/under-response", methods=["POST"])
    @blp.response(201, MadeSchema)
    @idempotent(lambda: user_id)
    def under_response():
        return make()

    @mini.post("/tuple")
    @idempotent(lambda: user_id)
    def as_tuple():
        return make(), 201

    @mini.post("/response")
    @idempotent(lambda: user_id)
    def as_response():
        return make_response(jsonify(make()), 201)

    Api(mini).register_blueprint(blp)
    yield mini.test_client(), made
    with mini.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["/outermost", "/under-response", "/tuple", "/response"])
def test_the_first_answer_is_replayed_whatever_the_view_returns_and_the_decorator_order(views, path):
    client, made = views
    first = client.post(path, json={"a": 1}, headers={"Idempotency-Key": "k-1"})
    assert (first.status_code, first.json) == (201, {"n": 1})
    again = client.post(path, json={"a": 1}, headers={"Idempotency-Key": "k-1"})
    assert (again.status_code, again.json) == (201, {"n": 1}), again.json
    assert again.headers["Idempotent-Replayed"] == "true" and len(made) == 1
    other = client.post(path, json={"a": 1}, headers={"Idempotency-Key": "k-2"})
    assert other.json == {"n": 2}


def age_records(hours: int) -> None:
    db.session.execute(db.update(IdempotencyRecord).values(created_at=now() - timedelta(hours=hours)))
    db.session.commit()


def count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_a_key_past_its_window_is_forgotten_and_may_be_used_again(shop, app):
    assert app.config["IDEMPOTENCY_KEY_HOURS"] == 24
    first = shop.order([{"product_id": shop.orange.id, "quantity": 1}], key="checkout-1")
    age_records(23)
    replayed = shop.order([{"product_id": shop.orange.id, "quantity": 1}], key="checkout-1")
    assert replayed.headers.get("Idempotent-Replayed") == "true" and count(Order) == 1
    age_records(25)
    anew = shop.order([{"product_id": shop.orange.id, "quantity": 1}], key="checkout-1")
    assert anew.status_code == 201 and "Idempotent-Replayed" not in anew.headers
    assert anew.json["id"] != first.json["id"] and count(Order) == 2


def test_beat_purges_the_records_past_their_window(shop):
    shop.order([{"product_id": shop.orange.id, "quantity": 1}], key="old")
    age_records(25)
    shop.order([{"product_id": shop.orange.id, "quantity": 1}], key="fresh")
    assert purge_expired.apply().get() == 1
    assert db.session.scalars(db.select(IdempotencyRecord.key)).all() == ["fresh"]
