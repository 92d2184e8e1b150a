"""Page a SQLAlchemy select for flask-smorest's paginate decorator."""

from typing import Any

from sqlalchemy import Select, func, select

from marketplace.errors import InvalidField
from marketplace.extensions import db

# Far beyond any list a person pages through, and its offset (at 100 a page) far inside 64 bits.
MAX_PAGE = 1_000_000


def _check_page(pagination_parameters: Any) -> None:
    if pagination_parameters.page > MAX_PAGE:
        raise InvalidField("page", f"Must be at most {MAX_PAGE}.", location="query")


def _count(stmt: Select[Any]) -> int:
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0


def page_of(stmt: Select[Any], pagination_parameters: Any) -> list[Any]:
    """Return one page of stmt's rows and tell the pager how many there are."""
    _check_page(pagination_parameters)
    pagination_parameters.item_count = _count(stmt)
    page, size = pagination_parameters.page, pagination_parameters.page_size
    return list(db.session.scalars(stmt.limit(size).offset((page - 1) * size)))


def counted_page_of(stmt: Select[Any], pagination_parameters: Any) -> list[Any]:
    """page_of in one query where the page has rows: each carries the count of them all (a window
    over the rows the sort reads anyway), where page_of reads them twice. A page past the end
    counts apart."""
    _check_page(pagination_parameters)
    page, size = pagination_parameters.page, pagination_parameters.page_size
    counted = stmt.add_columns(func.count().over()).limit(size).offset((page - 1) * size)
    rows = db.session.execute(counted).all()
    if rows:
        pagination_parameters.item_count = rows[0][1]
    else:
        pagination_parameters.item_count = 0 if page == 1 else _count(stmt)
    return [row[0] for row in rows]
