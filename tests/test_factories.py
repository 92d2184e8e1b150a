"""Every model has a factory in tests/factories.py, and each factory makes a row the database takes
(its CHECKs, foreign keys and unique keys), twice over, so sequences keep the unique keys apart."""

import factory
import pytest
from sqlalchemy import inspect

from marketplace.extensions import db
from tests import factories

FACTORIES = sorted(
    (
        value
        for value in vars(factories).values()
        if isinstance(value, type)
        and issubclass(value, factory.alchemy.SQLAlchemyModelFactory)
        and not value._meta.abstract
    ),
    key=lambda f: f.__name__,
)


def test_every_model_has_one_factory(app):
    models = {mapper.class_ for mapper in db.Model.registry.mappers}
    made = [f._meta.model for f in FACTORIES]
    assert len(made) == len(set(made)), "two factories for one model"
    missing = sorted(m.__name__ for m in models - set(made))
    assert not missing, f"no factory in tests/factories.py for: {missing}"


@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda f: f.__name__)
def test_the_factory_makes_a_row_the_database_takes(app, model_factory):
    rows = [model_factory(), model_factory()]
    db.session.flush()
    model = model_factory._meta.model
    for row in rows:
        key = inspect(row).identity
        db.session.expire(row)  # read back from the database, not from the session
        assert db.session.get(model, key) is row
    if model_factory is not factories.ReferenceVersionFactory:  # the one row there is, got twice
        assert rows[0] is not rows[1]
