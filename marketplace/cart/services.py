"""The cart: what a buyer means to buy, checked out into an order split per supplier."""

from typing import Any

from sqlalchemy import delete, func, select

from marketplace.accounts.addresses import get_address
from marketplace.accounts.models import Address, User
from marketplace.cart.models import MAX_CART_ITEMS, CartItem
from marketplace.catalog.models import Product
from marketplace.errors import Conflict, InvalidField, NotFound
from marketplace.extensions import db
from marketplace.i18n import _
from marketplace.orders.models import Order
from marketplace.payments.checkout import place_order
from marketplace.payments.gateways import Payer
from marketplace.payments.models import Payment


class CartEmpty(Conflict):
    error_code = "cart_empty"


def view_cart(user: User) -> dict[str, Any]:
    """The cart per supplier, each item flagged if it cannot be bought as it is; totals count the
    items that can."""
    items = db.session.scalars(
        select(CartItem).where(CartItem.user_id == user.id).order_by(CartItem.added_at, CartItem.product_id)
    )
    suppliers: dict[int, dict[str, Any]] = {}
    for item in items:
        product = item.product
        problem = _problem(product, item.quantity)
        line_fen = product.price_fen * item.quantity
        group = suppliers.setdefault(
            product.supplier_id,
            {
                "supplier_id": product.supplier_id,
                "supplier_name": product.supplier.name,
                "items": [],
                "total_fen": 0,
            },
        )
        group["items"].append(
            {
                "product_id": product.id,
                "name": product.name,
                "unit": product.unit,
                "price_fen": product.price_fen,
                "quantity": item.quantity,
                "stock": product.stock,
                "line_total_fen": line_fen,
                "is_purchasable": problem is None,
                "problem": problem,
                "added_at": item.added_at,
            }
        )
        if problem is None:
            group["total_fen"] += line_fen
    groups = sorted(suppliers.values(), key=lambda g: g["supplier_id"])
    return {"suppliers": groups, "total_fen": sum(g["total_fen"] for g in groups)}


def set_item(user: User, product_id: int, quantity: int) -> None:
    """Put `quantity` of a listed product in the cart (0 takes it out), at most what is in stock."""
    if quantity == 0:
        remove_item(user, product_id)
        return
    product = db.session.get(Product, product_id)
    if product is None or not product.is_listed:
        raise NotFound(_("Not on sale: product %(ids)s.", ids=product_id))
    if quantity > product.stock:
        raise InvalidField("quantity", _("Only %(stock)s in stock.", stock=product.stock))
    _lock_cart(user)
    item = db.session.get(CartItem, (user.id, product_id))
    if item is None:
        count = db.session.scalar(select(func.count()).where(CartItem.user_id == user.id)) or 0
        if count >= MAX_CART_ITEMS:
            raise InvalidField(
                "product_id",
                _("A cart holds at most %(most)s products.", most=MAX_CART_ITEMS),
                location="path",
            )
        db.session.add(CartItem(user_id=user.id, product_id=product_id, quantity=quantity))
    else:
        item.quantity = quantity
    db.session.commit()


def remove_item(user: User, product_id: int) -> None:
    """Take a product out of the cart (nothing happens if it is not there)."""
    db.session.execute(delete(CartItem).where(CartItem.user_id == user.id, CartItem.product_id == product_id))
    db.session.commit()


def check_out(
    user: User, address_id: int, method: str, product_ids: list[int] | None, payer: Payer | None = None
) -> tuple[Order, Payment]:
    """Order what is in the cart (or the products named of it), shipped to an address of the
    buyer's; the items bought leave the cart in the order's own transaction. The order and its
    payment."""
    _lock_cart(user)
    address = _address(user, address_id)
    stmt = select(CartItem).where(CartItem.user_id == user.id)
    if product_ids is not None:
        stmt = stmt.where(CartItem.product_id.in_(product_ids))
    items = list(db.session.scalars(stmt))
    missing = sorted(set(product_ids or ()) - {i.product_id for i in items})
    if missing:
        raise InvalidField(
            "product_ids", _("Not in your cart: product %(ids)s.", ids=", ".join(map(str, missing)))
        )
    if not items:
        raise CartEmpty(_("Your cart is empty."))
    wanted = [{"product_id": i.product_id, "quantity": i.quantity} for i in items]
    for item in items:
        db.session.delete(item)
    db.session.flush()
    shipping = {
        "region_code": address.region_code,
        "detail": address.detail,
        "recipient": address.recipient,
        "phone": address.phone,
    }
    return place_order(user, wanted, shipping, method, payer)


def _address(user: User, address_id: int) -> Address:
    """The buyer's address the checkout names, or a 422 naming `address_id`."""
    try:
        return get_address(user, address_id)
    except NotFound as error:
        raise InvalidField("address_id", error.message) from None


def _problem(product: Product, quantity: int) -> str | None:
    if not product.is_listed:
        return "delisted"
    if product.stock == 0:
        return "out_of_stock"
    if quantity > product.stock:
        return "short_of_stock"
    return None


def _lock_cart(user: User) -> None:
    """The buyer's row locked (as order placement locks it), so that changes to one cart, and two
    checkouts of it, happen one after the other: the second finds the items gone."""
    db.session.execute(select(User.id).where(User.id == user.id).with_for_update(key_share=True))
