from urllib.parse import urlencode

import marshmallow as ma
from flask import Response, current_app, request
from flask.views import MethodView
from marshmallow import validate

from marketplace import cache
from marketplace.accounts.auth import SECURITY, current_user, require_user
from marketplace.cache import IF_NONE_MATCH, KEPT_DOC_HEADERS, NOT_MODIFIED, PREPARED_DOC_HEADERS
from marketplace.catalog import search, services
from marketplace.catalog.schemas import (
    BatchCreateSchema,
    BatchSchema,
    CategorySchema,
    FacetsSchema,
    ImageSchema,
    ImageUploadSchema,
    ProductCreateSchema,
    ProductQueryArgsSchema,
    ProductSchema,
    ProductUpdateSchema,
)
from marketplace.errors import InvalidField
from marketplace.i18n import _
from marketplace.pagination import counted_page_of, page_of
from marketplace.parsing import Blueprint
from marketplace.regions.services import reference_version
from marketplace.schemas import WholeNumber

blp = Blueprint("catalog", __name__, description="商品与公开目录")
LISTING_ENDPOINT, PRODUCT_PAGE = "catalog.Products", "catalog.ProductById"
PAGE_SIZE, MAX_PAGE_SIZE = 20, 100
CACHE_KEY, CACHE_VERSION = "marketplace.catalog_cache_key", "marketplace.catalog_cache_version"


class ListingKeySchema(ProductQueryArgsSchema):
    """A listing's arguments as the view reads them, its page included (flask-smorest's bounds)."""

    page = WholeNumber(load_default=1, validate=validate.Range(min=1))
    page_size = WholeNumber(load_default=PAGE_SIZE, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


LISTING_KEY = ListingKeySchema()
# The category tree is reference data, under the version regions and pairings share.
cache.Prepared(blp, {"catalog.Categories": ()}, reference_version)


def _cache_key() -> str | None:
    """The key of the cached answer this request may be served, or None.

    The first pages of listings and searches are the same for everyone: keyed on the arguments
    the listing reads, normalised (`certified=1` is `certified=true`, `q=5KG` is `q=5kg`), so
    parameters it ignores (`&bust=1`, `&_=...`) make no entry of their own. A product's page is the
    same for every anonymous reader (a signed-in member or officer may see it unlisted, so theirs is
    never kept)."""
    if request.method != "GET":
        return None
    if request.endpoint == PRODUCT_PAGE:
        if "Authorization" in request.headers or request.view_args is None:
            return None
        return f"product:{request.view_args['product_id']}"
    if request.endpoint != LISTING_ENDPOINT:
        return None
    # The first value of each, as webargs takes it.
    given = {name: request.args[name] for name in LISTING_KEY.fields if name in request.args}
    try:
        args = LISTING_KEY.load(given)
    except ma.ValidationError:
        return None  # the view answers 422; nothing is kept
    if args["page"] > current_app.config["CATALOG_CACHED_PAGES"]:
        return None
    if "q" in args:
        args["q"] = " ".join(search.words(args["q"]))  # the words the search reads
    return urlencode(sorted((name, str(value)) for name, value in args.items()))


@blp.before_request
def allow_image_bodies():
    # The app-wide body limit is 1 MiB; a photo may be PRODUCT_IMAGE_MAX_BYTES (15 MiB by default).
    if request.endpoint == "catalog.ProductImages" and request.method == "POST":
        request.max_content_length = current_app.config["PRODUCT_IMAGE_MAX_BYTES"] + 64 * 1024


@blp.before_app_request
def serve_cached():
    """Listings and product pages as kept, under the catalog's version: one Redis round trip, no SQL."""
    key = _cache_key()
    if key is None:
        return None
    request.environ[CACHE_KEY] = key
    kept, version = cache.answer(services.CATALOG, key)
    request.environ[CACHE_VERSION] = version
    if kept is None:
        return None
    return cache.send(kept, {"X-Cache": "hit"})


@blp.after_app_request
def keep_answer(response: Response) -> Response:
    key = request.environ.get(CACHE_KEY)
    if key is None or response.status_code != 200 or "X-Cache" in response.headers:
        return response
    version = request.environ.get(CACHE_VERSION)
    ttl = current_app.config["CATALOG_CACHE_SECONDS"]
    pagination = response.headers.get("X-Pagination", "")
    kept = cache.keep(services.CATALOG, key, version, response.get_data(), pagination, ttl)
    return cache.send(kept, {"X-Cache": "miss"})


@blp.route("/categories", parameters=[IF_NONE_MATCH])
class Categories(MethodView):
    @blp.response(200, CategorySchema(many=True), headers=PREPARED_DOC_HEADERS)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self):
        """商品分类树

        The category tree; a filter on a category includes its children."""
        return services.list_categories()


@blp.route("/products")
class Products(MethodView):
    @blp.arguments(ProductQueryArgsSchema, location="query")
    @blp.response(200, ProductSchema(many=True), headers=KEPT_DOC_HEADERS)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
    def get(self, args, pagination_parameters):
        """商品列表

        The public catalog. The first pages of listings and of searches are cached (X-Cache: hit or
        miss), with an ETag (If-None-Match with it: 304, no body). A change to what a page shows (a
        price, stock running low or out, a certificate, a delisting) is on the next request."""
        _check_price_range(args)
        if search.words(args.get("q") or ""):
            return counted_page_of(services.catalog_query(args), pagination_parameters)
        return page_of(services.catalog_query(args), pagination_parameters)

    @blp.arguments(ProductCreateSchema)
    @blp.response(201, ProductSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """上架商品

        List a product (members of a verified supplier)."""
        return services.create_product(require_user(), body)


@blp.route("/suppliers/<int:supplier_id>/products")
class SupplierProducts(MethodView):
    @blp.response(200, ProductSchema(many=True))
    @blp.paginate(page_size=PAGE_SIZE, max_page_size=MAX_PAGE_SIZE)
    @blp.doc(security=SECURITY)
    def get(self, supplier_id, pagination_parameters):
        """供应商的全部商品

        Every product of the supplier, on sale or not, newest first: its members' workbench (and
        admins). The public catalog is GET /products?supplier_id=."""
        return page_of(services.supplier_products(require_user(), supplier_id), pagination_parameters)


@blp.route("/products/facets")
class ProductFacets(MethodView):
    @blp.arguments(ProductQueryArgsSchema, location="query")
    @blp.response(200, FacetsSchema)
    def get(self, args):
        """商品筛选计数

        Counts for narrowing GET /products under the same filters: categories (with children),
        origin counties, certified, in stock and five price bands. Each facet is counted under every
        filter but its own, so its other choices stay in sight; `total` is under them all."""
        _check_price_range(args)
        return services.catalog_facets(args)


def _check_price_range(args) -> None:
    low, high = args.get("min_price_fen"), args.get("max_price_fen")
    if low is not None and high is not None and low > high:
        raise InvalidField("min_price_fen", _("Must not exceed max_price_fen."), location="query")


@blp.route("/products/<int:product_id>")
class ProductById(MethodView):
    @blp.response(200, ProductSchema, headers=KEPT_DOC_HEADERS)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, product_id):
        """查看商品

        A listed product, for anyone: cached for anonymous readers (X-Cache), with an ETag
        (If-None-Match with it: 304, no body). A change to it is on the next request; a delisted
        one is a 404 at once. Its members, officers and admins (signed in) also see it unlisted."""
        return services.get_product(current_user(), product_id)

    @blp.arguments(ProductUpdateSchema)
    @blp.response(200, ProductSchema)
    @blp.doc(security=SECURITY)
    def patch(self, body, product_id):
        """修改商品

        Change price, stock, description, active and the rest (the supplier's members)."""
        return services.update_product(require_user(), product_id, body)


@blp.route("/products/<int:product_id>/images")
class ProductImages(MethodView):
    @blp.arguments(ImageUploadSchema, location="files")
    @blp.response(201, ImageSchema)
    @blp.doc(security=SECURITY)
    def post(self, files, product_id):
        """上传商品图片

        A photo straight from a phone: multipart field `file`, a JPEG, PNG or WebP image of at most
        PRODUCT_IMAGE_MAX_BYTES (15 MiB) and PRODUCT_IMAGE_MAX_PIXELS (50 megapixels). It is kept
        upright (its EXIF orientation applied), in sRGB, without any metadata (no GPS location),
        scaled to PRODUCT_IMAGE_EDGE (1600 px) on its long side, with a thumbnail of
        PRODUCT_THUMBNAIL_EDGE (400 px): JPEG, or PNG where it has transparency."""
        return services.add_image(require_user(), product_id, files["file"].read())


@blp.route("/products/<int:product_id>/images/<int:image_id>")
class ProductImageById(MethodView):
    @blp.response(204)
    @blp.doc(security=SECURITY)
    def delete(self, product_id, image_id):
        """删除商品图片"""
        services.delete_image(require_user(), product_id, image_id)


@blp.route("/images/<string:key>")
class Images(MethodView):
    @blp.response(200, content_type="image/*")
    def get(self, key):
        """获取图片"""
        data, content_type = services.read_image(key)
        headers = {"Cache-Control": "public, max-age=86400, immutable", "X-Content-Type-Options": "nosniff"}
        return Response(data, 200, headers, content_type=content_type)


@blp.route("/products/<int:product_id>/batches")
class ProductBatches(MethodView):
    @blp.response(200, BatchSchema(many=True))
    def get(self, product_id):
        """溯源批次列表

        Traceability batches (质量溯源), newest first."""
        return services.list_batches(current_user(), product_id)

    @blp.arguments(BatchCreateSchema)
    @blp.response(201, BatchSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, product_id):
        """登记溯源批次"""
        return services.add_batch(require_user(), product_id, body)
