"""Page a SQLAlchemy select for flask-smorest's paginate decorator."""

from typing import Any

from sqlalchemy import Select, func, select

from marketplace.extensions import db


def page_of(stmt: Select[Any], pagination_parameters: Any) -> list[Any]:
    """Return one page of stmt's rows and tell the pager how many there are."""
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    return list(db.session.scalars(stmt.limit(size).offset((page - 1) * size)))
