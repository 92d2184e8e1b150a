"""The supply side of the catalog: products, images, batches; and the public catalog query."""

import logging
import uuid
from datetime import date, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Select, case, delete, event, func, or_, select
from sqlalchemy.orm import Session, SessionTransaction, selectinload
from sqlalchemy.sql.elements import ColumnElement

from marketplace import cache
from marketplace.accounts.models import User
from marketplace.accounts.permissions import officiates
from marketplace.catalog import photos
from marketplace.catalog.models import Category, Product, ProductImage, ProductSearchTerm, TraceBatch
from marketplace.catalog.schemas import SEASON_DAYS
from marketplace.catalog.search import index_terms, query_terms, words
from marketplace.errors import Conflict, DomainError, Forbidden, InvalidField, NotFound, when_taken
from marketplace.extensions import db
from marketplace.i18n import N_, _, name_of
from marketplace.regions.models import Region
from marketplace.regions.services import is_assisted, require_region, within
from marketplace.storage import StorageUnavailable, storage
from marketplace.suppliers.models import STATUS_NAMES as SUPPLIER_STATUS_NAMES
from marketplace.suppliers.models import Supplier, SupplierStatus
from marketplace.timeutil import china_today

log = logging.getLogger(__name__)

BATCH_TAKEN = N_("This product has a batch with that code already.")
BATCH_CODE_USED = N_("Already used for this product.")
when_taken("uq_trace_batches_product_id_batch_code", "batch_code", BATCH_TAKEN, BATCH_CODE_USED)

CATALOG = "catalog"
IMAGE_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
FRESH = ("fruit", "vegetables")
# The lower bound of each price band, in fen: under ¥20, ¥20–50, ¥50–100, ¥100–200, ¥200 and up.
PRICE_BANDS = (0, 2000, 5000, 10000, 20000)
SORTS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "-created_at": (Product.created_at.desc(), Product.id.desc()),
    "price_fen": (Product.price_fen.asc(), Product.id.asc()),
    "-price_fen": (Product.price_fen.desc(), Product.id.desc()),
    "name": (Product.name.asc(), Product.id.asc()),
}


CATALOG_CHANGED = "marketplace.catalog_changed"


def catalog_changes_on_commit() -> None:
    """Have the cached catalog made again once this transaction commits (not before: a reader in
    between would keep what it read, the old rows, under the new version)."""
    db.session.info[CATALOG_CHANGED] = True


@event.listens_for(db.session, "after_commit")
def _invalidate_committed(session: Session) -> None:
    if not session.in_nested_transaction() and session.info.pop(CATALOG_CHANGED, False):
        cache.invalidate(CATALOG)


@event.listens_for(db.session, "after_transaction_end")
def _forget_rolled_back(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # rolled back or closed: nothing changed
        session.info.pop(CATALOG_CHANGED, None)


class UnsupportedImage(DomainError):
    status = 415
    error_code = "unsupported_image"


class TooLarge(DomainError):
    status = 413
    error_code = "too_large"


def list_categories() -> list[Category]:
    return list(db.session.scalars(select(Category).order_by(Category.code)))


def _require_category(code: str) -> Category:
    category = db.session.get(Category, code)
    if category is None:
        raise InvalidField(
            "category", _('No category "%(code)s"; GET /api/v1/categories lists them.', code=code)
        )
    return category


def _require_origin(code: str) -> None:
    region = require_region(code, "origin_region_code")
    if region.level not in ("county", "town") or not is_assisted(code):
        raise InvalidField(
            "origin_region_code", _("The origin must be a county (or town) in an assisted region.")
        )


def _reindex(product: Product) -> None:
    db.session.execute(delete(ProductSearchTerm).where(ProductSearchTerm.product_id == product.id))
    db.session.add_all(ProductSearchTerm(term=t, product_id=product.id) for t in index_terms(product.name))


def _apply(product: Product, data: dict[str, Any]) -> None:
    harvest = data.pop("expected_harvest", None)
    if "category" in data:
        product.category_code = _require_category(data.pop("category")).code
    if "origin_region_code" in data:
        _require_origin(data["origin_region_code"])
    if "active" in data:
        product.is_active = data.pop("active")
    for field, value in data.items():
        setattr(product, field, value)
    if harvest is not None:
        product.expected_harvest_quantity = harvest["quantity"]
        product.expected_harvest_on = harvest["on"]


def create_product(actor: User, data: dict[str, Any]) -> Product:
    """List a product for a verified supplier the caller is a member of."""
    supplier = db.session.get(Supplier, data["supplier_id"])
    if supplier is None or actor.id not in supplier.member_user_ids:
        raise Forbidden(_("Only the supplier's members may list its products."))
    if not supplier.is_selling:
        raise Conflict(
            _(
                "The supplier is %(status)s; only a verified supplier may list products.",
                status=name_of(SUPPLIER_STATUS_NAMES, supplier.status),
            )
        )
    data = dict(data)
    data.setdefault("origin_region_code", supplier.region_code)
    product = Product(supplier=supplier)
    _apply(product, data)
    db.session.add(product)
    db.session.flush()
    _reindex(product)
    db.session.commit()
    cache.invalidate(CATALOG)
    return product


def update_product(actor: User, product_id: int, data: dict[str, Any]) -> Product:
    product = _manageable(actor, product_id)
    renamed = "name" in data and data["name"] != product.name
    _apply(product, dict(data))
    if renamed:
        _reindex(product)
    db.session.commit()
    cache.invalidate(CATALOG)
    return product


def can_manage(actor: User | None, product: Product) -> bool:
    return actor is not None and (
        actor.id in product.supplier.member_user_ids or officiates(actor, product.origin_region_code)
    )


def get_product(actor: User | None, product_id: int) -> Product:
    """A listed product for anyone; an unlisted one for its members, its officers and admins."""
    product = db.session.get(Product, product_id)
    if product is None or not (product.is_listed or can_manage(actor, product)):
        raise NotFound(_("No product %(id)s.", id=product_id))
    return product


def supplier_products(actor: User, supplier_id: int) -> Select[Product]:
    """All of a supplier's products, listed or not, newest first: for its members and admins."""
    supplier = db.session.get(Supplier, supplier_id)
    if supplier is None:
        raise NotFound(_("No supplier %(id)s.", id=supplier_id))
    if actor.id not in supplier.member_user_ids and not actor.is_admin:
        raise Forbidden(_("Only the supplier's members may see all its products."))
    loads = (selectinload(Product.supplier), selectinload(Product.origin), selectinload(Product.category))
    return (
        select(Product)
        .where(Product.supplier_id == supplier.id)
        .options(*loads)
        .order_by(*SORTS["-created_at"])
    )


def _manageable(actor: User, product_id: int) -> Product:
    product = get_product(actor, product_id)
    if actor.id not in product.supplier.member_user_ids and not actor.is_admin:
        raise Forbidden(_("Only the supplier's members may change its products."))
    return product


def _filtered(args: dict[str, Any], ignoring: str = "") -> Select[Any]:
    """Listed products under the filters in `args`, bar the one facet named `ignoring`."""
    verified = select(Supplier.id).where(Supplier.status == SupplierStatus.VERIFIED)
    stmt = select(Product).where(Product.is_active.is_(True), Product.supplier_id.in_(verified))
    if (category := args.get("category")) and ignoring != "category":
        _require_category(category)
        stmt = stmt.where(
            (Product.category_code == category) | Product.category_code.startswith(category + ".")
        )
    if (origin := args.get("origin")) and ignoring != "origin":
        stmt = stmt.where(within(Product.origin_region_code, require_region(origin, "origin")))
    if supplier_id := args.get("supplier_id"):
        stmt = stmt.where(Product.supplier_id == supplier_id)
    if args.get("certified") and ignoring != "certified":
        stmt = stmt.where(Product.certified_until > china_today())
    if args.get("in_stock") and ignoring != "in_stock":
        stmt = stmt.where(Product.stock > 0)
    if args.get("in_season"):
        stmt = stmt.where(Product.id.in_(_in_season()))
    if ignoring != "price":
        if (low := args.get("min_price_fen")) is not None:
            stmt = stmt.where(Product.price_fen >= low)
        if (high := args.get("max_price_fen")) is not None:
            stmt = stmt.where(Product.price_fen <= high)
    for word in words(args.get("q") or ""):
        # One semi-join per term: the planner estimates each from the term's statistics
        # (a GROUP BY ... HAVING count(*) = n is estimated at a handful of rows, and
        # planned as nested loops that cost 100 ms at 100,000 products).
        terms = query_terms(word)
        for term in sorted(terms):
            matching = select(ProductSearchTerm.product_id).where(ProductSearchTerm.term == term)
            stmt = stmt.where(Product.id.in_(matching))
        if terms != {word}:
            # Pairs present in any order: check the word itself stands in the name.
            stmt = stmt.where(func.lower(Product.name).contains(word, autoescape=True))
    return stmt


def _in_season() -> Select[int]:
    """Fresh produce in stock with a batch produced within SEASON_DAYS: picked, not stored."""
    since = china_today() - timedelta(days=SEASON_DAYS)
    fresh = or_(Product.category_code.in_(FRESH), *(Product.category_code.startswith(f"{c}.") for c in FRESH))
    recent = select(TraceBatch.product_id).where(TraceBatch.produced_on >= since)
    return select(Product.id).where(fresh, Product.stock > 0, Product.id.in_(recent))


def _relevance(query: str) -> tuple[Any, ...]:
    """Names that start with the first word searched, then the shortest (the least else in them)."""
    first = words(query)[0]
    starts = case((func.lower(Product.name).startswith(first, autoescape=True), 0), else_=1)
    return (starts, func.length(Product.name), Product.id.desc())


def catalog_query(args: dict[str, Any]) -> Select[Product]:
    """The public catalog: active products of verified suppliers, filtered, searched and sorted;
    a search by relevance unless it asks for another sort."""
    searched = bool(words(args.get("q") or ""))
    sort = args.get("sort") or ("relevance" if searched else "-created_at")
    if sort == "relevance":
        order = _relevance(args["q"]) if searched else SORTS["-created_at"]
    else:
        order = SORTS[sort]
    # Related rows are fetched for the page only, after the LIMIT.
    loads = (selectinload(Product.supplier), selectinload(Product.origin), selectinload(Product.category))
    return _filtered(args).options(*loads).order_by(*order)


def catalog_facets(args: dict[str, Any]) -> dict[str, Any]:
    """Counts for narrowing a catalog listing. Each facet is counted under every filter but its own,
    so that its other choices stay in sight; `total` is under them all. One query per facet."""

    def matching(ignoring: str = "") -> Any:
        return _filtered(args, ignoring).with_only_columns(Product.id).subquery()

    def count(ignoring: str, *conditions: Any) -> int:
        ids = matching(ignoring)
        stmt = select(func.count()).select_from(Product).where(Product.id.in_(select(ids.c.id)), *conditions)
        return db.session.scalar(stmt) or 0

    in_facet = matching("category")
    per_category = dict(
        db.session.execute(
            select(Product.category_code, func.count())
            .where(Product.id.in_(select(in_facet.c.id)))
            .group_by(Product.category_code)
        ).all()
    )
    in_facet = matching("origin")
    origins = db.session.execute(
        select(Region.code, Region.name, func.count())
        .join(Product, Product.origin_region_code == Region.code)
        .where(Product.id.in_(select(in_facet.c.id)))
        .group_by(Region.code, Region.name)
        .order_by(func.count().desc(), Region.code)
    ).all()
    in_facet = matching("price")
    bands = [
        func.count().filter(Product.price_fen >= low, *([Product.price_fen < high] if high else []))
        for low, high in zip(PRICE_BANDS, [*PRICE_BANDS[1:], None], strict=True)
    ]
    band_counts = db.session.execute(select(*bands).where(Product.id.in_(select(in_facet.c.id)))).one()
    return {
        "total": count(""),
        "categories": _category_tree(per_category),
        "origins": [{"code": code, "name": name, "count": n} for code, name, n in origins],
        "certified": count("certified", Product.certified_until > china_today()),
        "in_stock": count("in_stock", Product.stock > 0),
        "price_bands": [
            {"min_price_fen": low, "max_price_fen": high, "count": n}
            for low, high, n in zip(PRICE_BANDS, [*PRICE_BANDS[1:], None], band_counts, strict=True)
        ],
    }


def _category_tree(per_category: dict[str, int]) -> list[dict[str, Any]]:
    """Top categories with their children, each counting its own products and its children's."""
    categories = list_categories()  # parents before their children: "fruit" < "fruit.citrus"
    nodes: dict[str, dict[str, Any]] = {
        c.code: {"code": c.code, "name": c.name, "count": 0, "children": []} for c in categories
    }
    roots: list[dict[str, Any]] = []
    for category in categories:
        node = nodes[category.code]
        node["count"] += per_category.get(category.code, 0)
        if category.parent_code is None:
            roots.append(node)
        else:
            parent = nodes[category.parent_code]
            parent["children"].append(node)
            parent["count"] += per_category.get(category.code, 0)
    return roots


def add_image(actor: User, product_id: int, data: bytes) -> ProductImage:
    """Store a photo for a product, as photos.prepare makes it fit to serve, with its thumbnail."""
    product = _manageable(actor, product_id)
    config = current_app.config
    limit = config["PRODUCT_IMAGE_MAX_BYTES"]
    if len(data) > limit:
        raise TooLarge(_("A photo may be at most %(mib)s MiB.", mib=limit // (1024 * 1024)))
    if len(product.images) >= config["IMAGES_PER_PRODUCT"]:
        raise Conflict(_("A product has at most %(count)s images.", count=config["IMAGES_PER_PRODUCT"]))
    try:
        photo = photos.prepare(
            data,
            max_pixels=config["PRODUCT_IMAGE_MAX_PIXELS"],
            long_edge=config["PRODUCT_IMAGE_EDGE"],
            thumbnail_edge=config["PRODUCT_THUMBNAIL_EDGE"],
        )
    except photos.TooManyPixels as error:
        raise TooLarge(
            _(
                "A photo may have at most %(megapixels)s million pixels.",
                megapixels=config["PRODUCT_IMAGE_MAX_PIXELS"] // 1_000_000,
            ),
            errors={"files": {"file": [_("Too many pixels.")]}},
        ) from error
    except photos.NotAnImage as error:
        raise UnsupportedImage(
            _("Only JPEG, PNG and WebP images are accepted."),
            errors={"files": {"file": [_("Not a readable JPEG, PNG or WebP image.")]}},
        ) from error
    key = f"{uuid.uuid4().hex}.{photo.image.extension}"
    thumbnail_key = f"{uuid.uuid4().hex}.{photo.thumbnail.extension}"
    storage().save(key, photo.image.data)
    storage().save(thumbnail_key, photo.thumbnail.data)
    image = ProductImage(
        key=key,
        thumbnail_key=thumbnail_key,
        content_type=photo.image.content_type,
        size_bytes=len(photo.image.data),
    )
    product.images.append(image)
    db.session.commit()
    cache.invalidate(CATALOG)
    return image


def delete_image(actor: User, product_id: int, image_id: int) -> None:
    product = _manageable(actor, product_id)
    image = next((i for i in product.images if i.id == image_id), None)
    if image is None:
        raise NotFound(_("No image %(image)s on product %(product)s.", image=image_id, product=product_id))
    product.images.remove(image)
    db.session.commit()
    cache.invalidate(CATALOG)
    for key in filter(None, (image.key, image.thumbnail_key)):
        try:
            storage().delete(key)
        except StorageUnavailable:
            # The image is gone for everyone already; only its bytes stay behind, unreferenced.
            log.warning("image %s deleted, its file %s left in the store", image_id, key)


def sniff_image(data: bytes) -> str | None:
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def read_image(key: str) -> tuple[bytes, str]:
    """A product image or its thumbnail, which has the image's type."""
    image = db.session.scalar(
        select(ProductImage).where(or_(ProductImage.key == key, ProductImage.thumbnail_key == key))
    )
    data = storage().read(key) if image else None
    if image is None or data is None:
        raise NotFound(_("No such image."))
    return data, image.content_type


def add_batch(actor: User, product_id: int, data: dict[str, Any]) -> TraceBatch:
    product = _manageable(actor, product_id)
    exists = select(TraceBatch.id).where(
        TraceBatch.product_id == product.id, TraceBatch.batch_code == data["batch_code"]
    )
    if db.session.scalar(exists) is not None:
        raise Conflict(_(BATCH_TAKEN), errors={"json": {"batch_code": [_(BATCH_CODE_USED)]}})
    batch = TraceBatch(product_id=product.id, **data)
    db.session.add(batch)
    catalog_changes_on_commit()  # a fresh batch puts produce in season (?in_season=true)
    db.session.commit()
    return batch


def list_batches(actor: User | None, product_id: int) -> list[TraceBatch]:
    """Traceability is public for a listed product: that is its point."""
    product = get_product(actor, product_id)
    stmt = (
        select(TraceBatch).where(TraceBatch.product_id == product.id).order_by(TraceBatch.produced_on.desc())
    )
    return list(db.session.scalars(stmt))


def certificates_on(product_ids: set[int], day: date) -> dict[int, str]:
    """The certificate each product holds on `day`, for those that hold one: a sale counts as
    certified only under a certificate valid, and not revoked, on the day its money is received."""
    if not product_ids:
        return {}
    products = db.session.scalars(select(Product).where(Product.id.in_(product_ids)))
    return {p.id: number for p in products if (number := p.certificate_on(day))}
