import marshmallow as ma
from marshmallow import fields, validate

from marketplace.schemas import Day, QueryArgsSchema, RegionCode, Text, Timestamp, WholeNumber

MAX_FEN = 10**11  # ¥1,000,000,000: far above any product, far below BigInteger overflow
MAX_QUANTITY = 10**9
MAX_WEIGHT_G = 10**7  # 10 tonnes in one unit
SEASON_DAYS = 60


class CategorySchema(ma.Schema):
    code = fields.String()
    name = fields.String()
    parent_code = fields.String(allow_none=True)


class HarvestSchema(ma.Schema):
    quantity = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_QUANTITY))
    on = Day(required=True)


class ImageSchema(ma.Schema):
    id = WholeNumber()
    url = fields.Function(
        lambda image: f"/api/v1/images/{image.key}",
        metadata={
            "type": "string",
            "description": "the photo, at most PRODUCT_IMAGE_EDGE pixels on its long side",
        },
    )
    thumbnail_url = fields.Function(
        lambda image: f"/api/v1/images/{image.thumbnail_key or image.key}",
        metadata={"type": "string", "description": "at most PRODUCT_THUMBNAIL_EDGE pixels on its long side"},
    )
    content_type = fields.String()
    size_bytes = WholeNumber()


class ProductSchema(ma.Schema):
    id = WholeNumber()
    supplier_id = WholeNumber()
    supplier_name = fields.String(attribute="supplier.name")
    name = fields.String()
    category = fields.String(attribute="category_code")
    category_name = fields.String(attribute="category.name")
    unit = fields.String()
    price_fen = WholeNumber()
    net_weight_g = WholeNumber(allow_none=True)
    stock = WholeNumber()
    origin_region_code = fields.String()
    origin_name = fields.String(attribute="origin.name")
    description = fields.String()
    active = fields.Boolean(attribute="is_active")
    certificate_no = fields.String(allow_none=True)
    certified_until = fields.Date(allow_none=True)
    expected_harvest = fields.Method("harvest", allow_none=True)
    images = fields.List(fields.Nested(ImageSchema))
    created_at = Timestamp()
    updated_at = Timestamp()

    def harvest(self, product):
        if product.expected_harvest_on is None:
            return None
        return {"quantity": product.expected_harvest_quantity, "on": product.expected_harvest_on.isoformat()}


class ProductCreateSchema(ma.Schema):
    supplier_id = WholeNumber(required=True, validate=validate.Range(min=1, max=2**31 - 1))
    name = Text(required=True, validate=validate.Length(min=2, max=100))
    category = fields.String(required=True, validate=validate.Length(max=40))
    unit = Text(required=True, validate=validate.Length(min=1, max=20))
    price_fen = WholeNumber(required=True, validate=validate.Range(min=1, max=MAX_FEN))
    net_weight_g = WholeNumber(
        validate=validate.Range(min=1, max=MAX_WEIGHT_G),
        allow_none=True,
        metadata={"description": "net weight of one unit in grams (5 kg box: 5000)"},
    )
    stock = WholeNumber(required=True, validate=validate.Range(min=0, max=MAX_QUANTITY))
    origin_region_code = RegionCode(metadata={"description": "defaults to the supplier's county"})
    description = Text(load_default="", validate=validate.Length(max=5000), multiline=True)
    expected_harvest = fields.Nested(HarvestSchema)


class ProductUpdateSchema(ma.Schema):
    name = Text(validate=validate.Length(min=2, max=100))
    category = fields.String(validate=validate.Length(max=40))
    unit = Text(validate=validate.Length(min=1, max=20))
    price_fen = WholeNumber(validate=validate.Range(min=1, max=MAX_FEN))
    net_weight_g = WholeNumber(
        validate=validate.Range(min=1, max=MAX_WEIGHT_G),
        allow_none=True,
        metadata={"description": "net weight of one unit in grams (5 kg box: 5000)"},
    )
    stock = WholeNumber(validate=validate.Range(min=0, max=MAX_QUANTITY))
    description = Text(validate=validate.Length(max=5000), multiline=True)
    active = fields.Boolean()
    expected_harvest = fields.Nested(HarvestSchema)


class ProductQueryArgsSchema(QueryArgsSchema):
    q = Text(
        validate=validate.Length(min=1, max=50),
        metadata={"description": "words in the name; 脐橙 finds 奉节脐橙"},
    )
    category = fields.String(
        validate=validate.Length(max=40), metadata={"description": "a category and its children"}
    )
    origin = RegionCode(metadata={"description": "origin region, everything under it included"})
    supplier_id = WholeNumber(validate=validate.Range(min=1, max=2**31 - 1))
    certified = fields.Boolean(metadata={"description": "only products certified today (帮扶产品认定)"})
    in_stock = fields.Boolean(metadata={"description": "only products with stock left"})
    in_season = fields.Boolean(
        metadata={"description": f"fresh produce in stock with a batch made in the last {SEASON_DAYS} days"}
    )
    min_price_fen = WholeNumber(validate=validate.Range(min=0, max=MAX_FEN))
    max_price_fen = WholeNumber(validate=validate.Range(min=0, max=MAX_FEN))
    sort = fields.String(
        validate=validate.OneOf(["price_fen", "-price_fen", "name", "-created_at", "relevance"]),
        metadata={
            "description": "relevance, the default with q: names that start with the first word, "
            "then the shortest, then the newest"
        },
    )


class PriceBandSchema(ma.Schema):
    min_price_fen = WholeNumber()
    max_price_fen = WholeNumber(allow_none=True, metadata={"description": "exclusive; null: no upper bound"})
    count = WholeNumber()


class CategoryFacetSchema(ma.Schema):
    code = fields.String()
    name = fields.String()
    count = WholeNumber(metadata={"description": "its products and its children's"})
    children = fields.List(fields.Nested(lambda: CategoryFacetSchema()))


class OriginFacetSchema(ma.Schema):
    code = fields.String()
    name = fields.String()
    count = WholeNumber()


class FacetsSchema(ma.Schema):
    total = WholeNumber(metadata={"description": "products matching every filter given"})
    categories = fields.List(fields.Nested(CategoryFacetSchema))
    origins = fields.List(fields.Nested(OriginFacetSchema), metadata={"description": "most products first"})
    certified = WholeNumber()
    in_stock = WholeNumber()
    price_bands = fields.List(fields.Nested(PriceBandSchema))


class BatchCreateSchema(ma.Schema):
    batch_code = Text(required=True, validate=validate.Length(min=1, max=60))
    produced_on = Day(required=True)
    quantity = WholeNumber(validate=validate.Range(min=0, max=MAX_QUANTITY))
    test_report_ref = Text(validate=validate.Length(max=200))
    has_compliance_certificate = fields.Boolean(load_default=False)


class BatchSchema(BatchCreateSchema):
    id = WholeNumber()
    product_id = WholeNumber()
    created_at = Timestamp()


class ImageUploadSchema(ma.Schema):
    file = fields.Raw(required=True, metadata={"type": "string", "format": "binary"})
