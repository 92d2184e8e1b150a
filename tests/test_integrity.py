"""Unique and foreign-key violations that reach the request boundary are answered in one place: a
409 (or a 422 for a reference to nothing) naming the field, in the reader's language, never a 500.
The races are real: two requests, each on its own connection, both past the check before either
inserts (a barrier in the insert holds the first until the second has checked too)."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from marketplace.accounts.models import RoleGrant, User
from marketplace.agencies.models import Agency
from marketplace.catalog.models import TraceBatch
from marketplace.errors import integrity_error
from marketplace.extensions import db
from tests.concurrency import at_once, both_checked_before_either_inserts
from tests.factories import ProductFactory, SupplierFactory, valid_uscc


def count(model):
    db.session.rollback()  # a fresh snapshot of what the requests committed
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.postgres
def test_two_admins_register_one_credit_code_at_once_the_second_gets_409_naming_uscc(app, make_user):
    _, admin = make_user(("admin", None))
    body = {
        "name": "滨州市人民医院",
        "kind": "hospital",
        "uscc": valid_uscc(division="371600"),
        "region_code": "371602",
        "approval_threshold_fen": 500_000,
    }

    def register(client):
        return client.post("/api/v1/agencies", json=body, headers=admin)

    with both_checked_before_either_inserts(Agency):
        answers = at_once(app, [register, register])

    assert sorted(r.status_code for r in answers) == [201, 409]
    [refused] = [r for r in answers if r.status_code == 409]
    assert refused.json["message"] == "使用该统一社会信用代码的单位已存在。"  # Chinese by default
    assert refused.json["errors"] == {"json": {"uscc": ["已注册。"]}}
    assert count(Agency) == 1


@pytest.mark.postgres
def test_two_members_add_one_batch_code_at_once_the_second_gets_409_naming_batch_code(app, make_user):
    user, headers = make_user()
    product = ProductFactory(supplier=SupplierFactory(members=[user]))
    batch = {"batch_code": "FJ-2026-11-A", "produced_on": "2026-11-10", "quantity": 800}
    english = {**headers, "Accept-Language": "en"}
    url = f"/api/v1/products/{product.id}/batches"

    def add(client):
        return client.post(url, json=batch, headers=english)

    with both_checked_before_either_inserts(TraceBatch):
        answers = at_once(app, [add, add])

    assert sorted(r.status_code for r in answers) == [201, 409]
    [refused] = [r for r in answers if r.status_code == 409]
    assert refused.json["message"] == "This product has a batch with that code already."
    assert refused.json["errors"] == {"json": {"batch_code": ["Already used for this product."]}}
    assert count(TraceBatch) == 1


def violation(row) -> IntegrityError:
    db.session.add(row)
    with pytest.raises(IntegrityError) as caught:
        db.session.flush()
    db.session.rollback()
    return caught.value


def test_a_unique_constraint_without_words_of_its_own_names_its_column(app, make_user):
    user, _ = make_user(email="li.na@example.test")
    answer = integrity_error(violation(User(email=user.email, password_hash="x", display_name="x")))
    assert answer.status == 409
    assert answer.errors == {"json": {"email": ["Already in use."]}}


@pytest.mark.postgres
def test_a_reference_to_nothing_is_422_naming_the_field(app):
    answer = integrity_error(violation(RoleGrant(user_id=10**9, role="admin")))
    assert answer.status == 422
    assert answer.errors == {"json": {"user_id": ["It refers to something that does not exist."]}}
