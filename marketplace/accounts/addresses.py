"""The buyer's address book: where their orders may be shipped, one address their default."""

from typing import Any

from sqlalchemy import func, select, update

from marketplace.accounts.models import MAX_ADDRESSES, Address, User
from marketplace.errors import InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.regions.services import name_paths, require_region


def list_addresses(user: User) -> list[Address]:
    """The user's addresses, the default first, then the newest."""
    stmt = (
        select(Address)
        .where(Address.user_id == user.id)
        .order_by(Address.is_default.desc(), Address.created_at.desc(), Address.id.desc())
    )
    return list(db.session.scalars(stmt))


def get_address(user: User, address_id: int) -> Address:
    """One of the user's addresses; another user's is not found."""
    address = db.session.get(Address, address_id)
    if address is None or address.user_id != user.id:
        raise NotFound(_("No address %(id)s in your address book.", id=address_id))
    return address


def add_address(user: User, fields: dict[str, Any]) -> Address:
    """Add an address; the first one, or one marked so, becomes the default."""
    _lock_book(user)
    count = db.session.scalar(select(func.count()).where(Address.user_id == user.id)) or 0
    if count >= MAX_ADDRESSES:
        raise InvalidField(
            "addresses", _("An address book holds at most %(most)s addresses.", most=MAX_ADDRESSES)
        )
    _check_region(fields["region_code"])
    is_default = fields.pop("is_default", False) or count == 0
    if is_default:
        _unset_default(user)
    address = Address(user_id=user.id, is_default=is_default, **fields)
    db.session.add(address)
    db.session.commit()
    return address


def update_address(user: User, address_id: int, fields: dict[str, Any]) -> Address:
    """Change an address; marking it the default unsets the old one."""
    _lock_book(user)
    address = get_address(user, address_id)
    if "region_code" in fields:
        _check_region(fields["region_code"])
    is_default = fields.pop("is_default", None)
    if is_default is False and address.is_default:
        raise InvalidField("is_default", _("Make another address the default instead."))
    if is_default and not address.is_default:
        _unset_default(user)
        address.is_default = True
    for name, value in fields.items():
        setattr(address, name, value)
    db.session.commit()
    return address


def delete_address(user: User, address_id: int) -> None:
    """Delete an address; if it was the default, the most recent of the rest becomes it."""
    _lock_book(user)
    address = get_address(user, address_id)
    was_default = address.is_default
    db.session.delete(address)
    db.session.flush()
    if was_default:
        newest = db.session.scalar(
            select(Address)
            .where(Address.user_id == user.id)
            .order_by(Address.created_at.desc(), Address.id.desc())
            .limit(1)
        )
        if newest is not None:
            newest.is_default = True
    db.session.commit()


def view_addresses(addresses: list[Address]) -> list[dict[str, Any]]:
    """The addresses as shown, each with its region's path of names, named in one query."""
    paths = name_paths(a.region_code for a in addresses)
    return [{"address": a, "region_names": paths.get(a.region_code, [])} for a in addresses]


def _lock_book(user: User) -> None:
    """The user's row locked, so that two changes to one address book happen one after the other
    (the count of addresses, which one is the default)."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))


def _check_region(code: str) -> None:
    region = require_region(code, "region_code")
    if region.level not in ("county", "town"):
        raise InvalidField("region_code", _("region_code must be a county (or town), where goods can go."))


def _unset_default(user: User) -> None:
    db.session.execute(
        update(Address).where(Address.user_id == user.id, Address.is_default).values(is_default=False)
    )
    db.session.flush()
