"""Page a SQLAlchemy select for flask-smorest's paginate decorator."""

from typing import Any

from sqlalchemy import Select, func, select

from marketplace.errors import InvalidField
from marketplace.extensions import db

# Far beyond any list a person pages through, and its offset (at 100 a page) far inside 64 bits.
MAX_PAGE = 1_000_000


def page_of(stmt: Select[Any], pagination_parameters: Any) -> list[Any]:
    """Return one page of stmt's rows and tell the pager how many there are."""
    if pagination_parameters.page > MAX_PAGE:
        raise InvalidField("page", f"Must be at most {MAX_PAGE}.", location="query")
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    pagination_parameters.item_count = total
    page, size = pagination_parameters.page, pagination_parameters.page_size
    return list(db.session.scalars(stmt.limit(size).offset((page - 1) * size)))
