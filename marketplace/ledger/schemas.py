"""The ledger's request and answer shapes: tallies, targets and their progress, reserved-share
quotas, monthly reports."""

import marshmallow as ma
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from marketplace.agencies.schemas import YearArgsSchema
from marketplace.i18n import _
from marketplace.ledger import tallies
from marketplace.ledger.models import Channel, Mechanism, ReportStatus
from marketplace.schemas import Day, Id, QueryArgsSchema, RegionCode, Timestamp, WholeNumber

GROUP_NAMES = tallies.GROUPS


def each_once(names: list[str]) -> None:
    if len(set(names)) != len(names):
        raise ma.ValidationError(_("Name each dimension once."))


class TallyArgsSchema(QueryArgsSchema):
    group_by = DelimitedList(
        fields.String(validate=validate.OneOf(GROUP_NAMES)),
        load_default=list,
        validate=each_once,
        metadata={"description": "comma-separated: " + ", ".join(GROUP_NAMES)},
    )
    year = WholeNumber(validate=validate.Range(min=2000, max=2100))
    buyer_region = RegionCode()
    origin_region = RegionCode()
    channel = DelimitedList(fields.String(validate=validate.OneOf(list(Channel))))
    certified_only = fields.Boolean(load_default=False)


class TallyRowSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    amount_fen = WholeNumber()
    quantity = WholeNumber()
    weight_g = WholeNumber(metadata={"description": "net weight, where the products give one"})
    entries = WholeNumber()
    origin_county_name = fields.String(metadata={"description": "beside origin_county, e.g. 奉节县"})
    origin_city_name = fields.String(allow_none=True)
    origin_province_name = fields.String()
    buyer_province_name = fields.String()
    buyer_city_name = fields.String(allow_none=True)
    supplier_name = fields.String()
    category_name = fields.String()
    channel_name = fields.String(metadata={"description": "in the reader's language, e.g. 网店"})
    mechanism_name = fields.String(metadata={"description": "in the reader's language, e.g. 东西部协作"})

    @ma.post_dump(pass_original=True)
    def keep_groups(self, data, original, **kwargs):
        return {**{k: original[k] for k in original if k in GROUP_NAMES}, **data}


class TargetCreateSchema(ma.Schema):
    name = fields.String(required=True, validate=validate.Length(min=2, max=200))
    period_start = Day(required=True)
    period_end = Day(required=True, metadata={"description": "exclusive"})
    amount_fen = WholeNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=10**15),
        metadata={"description": "a money target; or give weight_g"},
    )
    weight_g = WholeNumber(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=10**15),
        metadata={"description": "a net-weight target for category_code (10,000 tonnes: 10000000000)"},
    )
    category_code = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    buyer_region_code = RegionCode(load_default=None, allow_none=True)
    origin_region_code = RegionCode(load_default=None, allow_none=True)
    channels = fields.List(fields.String(validate=validate.OneOf(list(Channel))), load_default=list)
    mechanism = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(list(Mechanism)))
    certified_only = fields.Boolean(
        load_default=True,
        metadata={
            "description": "the rule the target counts by: true, certified sales only (帮扶产品认定, valid "
            "on the day the money was received), as official tallies count; false, every sale"
        },
    )
    source = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class TargetUpdateSchema(TargetCreateSchema):
    """The fields to change (loaded partial: absent fields keep their values)."""


class TargetSchema(TargetCreateSchema):
    id = WholeNumber()
    measure = fields.String(metadata={"enum": ["amount", "weight"]})
    buyer_region_name = fields.String(allow_none=True)
    origin_region_name = fields.String(allow_none=True)
    category_name = fields.String(allow_none=True)


class MonthSchema(ma.Schema):
    month = fields.String()
    amount_fen = WholeNumber()
    weight_g = WholeNumber()


class YearToDateSchema(ma.Schema):
    amount_fen = WholeNumber()
    weight_g = WholeNumber()


class ProgressSchema(ma.Schema):
    target_id = WholeNumber()
    name = fields.String()
    measure = fields.String(metadata={"enum": ["amount", "weight"]})
    certified_only = fields.Boolean(metadata={"description": "counts certified sales only, or every sale"})
    pace = fields.String(
        metadata={"enum": ["seasonal", "linear"], "description": "seasonal: last year's monthly shape"}
    )
    target_fen = WholeNumber(allow_none=True)
    target_g = WholeNumber(allow_none=True)
    achieved_fen = WholeNumber()
    achieved_g = WholeNumber()
    ratio = fields.Float()
    expected_by_now_fen = WholeNumber(allow_none=True)
    expected_by_now_g = WholeNumber(allow_none=True)
    expected_linear_fen = WholeNumber(allow_none=True)
    expected_linear_g = WholeNumber(allow_none=True)
    forecast_fen = WholeNumber(allow_none=True)
    forecast_g = WholeNumber(allow_none=True)
    status = fields.String(
        metadata={
            "enum": ["on_track", "behind", "achieved", "missed"],
            "description": "missed: the period ended short of the target (an ended target is never behind)",
        }
    )
    as_of = fields.String()
    ledger_since = fields.String(
        allow_none=True,
        metadata={"description": "the ledger's first sale day: nothing sold before it is in any figure"},
    )
    by_month = fields.List(fields.Nested(MonthSchema))
    year_to_date = fields.Nested(YearToDateSchema)


class ProgressArgsSchema(QueryArgsSchema):
    ids = DelimitedList(
        Id(),
        validate=validate.Length(max=100),
        metadata={"description": "comma-separated target ids: only these (of the caller's)"},
    )


class ReportRequestSchema(ma.Schema):
    month = fields.String(required=True, metadata={"description": "YYYY-MM, e.g. 2026-10"})
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]))
    region_code = RegionCode(
        load_default=None,
        allow_none=True,
        metadata={"description": "entries whose origin or buyer lies here; officers: their region (default)"},
    )


class ReportQueryArgsSchema(QueryArgsSchema, ReportRequestSchema):
    pass


class ReportSchema(ma.Schema):
    id = WholeNumber()
    month = fields.String()
    format = fields.String()
    region_code = fields.String(allow_none=True)
    region_name = fields.String(allow_none=True)
    locale = fields.String(
        metadata={"enum": ["zh-CN", "en"], "description": "the file's language: its requester's"}
    )
    status = fields.String(metadata={"enum": list(ReportStatus)})
    entries = WholeNumber(allow_none=True)
    total_fen = WholeNumber(
        allow_none=True, metadata={"description": "the entries' amounts summed, once made"}
    )
    file_name = fields.String(metadata={"description": "the name the file downloads under"})
    created_at = Timestamp()
    finished_at = Timestamp(allow_none=True)


class StandingArgsSchema(YearArgsSchema):
    status = fields.String(validate=validate.OneOf(["met", "behind", "not_filed", "exempt"]))
    region = RegionCode()


class QuotaArgsSchema(YearArgsSchema):
    rank = fields.String(
        validate=validate.OneOf(["gap", "completion"]),
        metadata={
            "description": "rank the units, those needing most first: by gap (largest first) or "
            "completion (lowest first), then those not filed, then the exempt"
        },
    )


PACES = ["achieved", "on_track", "behind", "missed"]


class StandingFieldsSchema(ma.Schema):
    gap_fen = WholeNumber(metadata={"description": "reserved less purchased, never below 0"})
    completion_bp = WholeNumber(
        allow_none=True,
        metadata={"description": "purchased / reserved in basis points; null without a share"},
    )
    expected_by_now_fen = WholeNumber(
        metadata={"description": "the reserved amount's share of the year's days gone (linear pace)"}
    )
    pace = fields.String(
        allow_none=True,
        metadata={"enum": PACES, "description": "null when not filed or exempt"},
    )


class MonthAmountSchema(ma.Schema):
    month = fields.String(metadata={"example": "2026-03"})
    amount_fen = WholeNumber()


class GiftQuotaSchema(ma.Schema):
    budget_fen = WholeNumber()
    reserved_fen = WholeNumber()
    purchased_fen = WholeNumber()
    status = fields.String()


class UnitQuotaSchema(StandingFieldsSchema):
    agency_id = WholeNumber()
    name = fields.String()
    kind = fields.String()
    budget_fen = WholeNumber()
    reserved_share_bp = WholeNumber(
        allow_none=True, metadata={"description": "as filed; null without a budget"}
    )
    reserved_fen = WholeNumber()
    purchased_fen = WholeNumber()
    share_bp = WholeNumber()
    status = fields.String(metadata={"enum": ["met", "behind", "not_filed", "exempt"]})
    exemption = fields.String(allow_none=True)
    gift = fields.Nested(GiftQuotaSchema, allow_none=True)
    rank = WholeNumber(metadata={"description": "the unit's place, from 1, when a rank was asked"})


class QuotaSchema(StandingFieldsSchema):
    agency_id = WholeNumber()
    name = fields.String()
    year = WholeNumber()
    as_of = Day(metadata={"description": "the day the pace is reckoned to (the year's last, once over)"})
    budget_fen = WholeNumber()
    reserved_fen = WholeNumber()
    purchased_fen = WholeNumber()
    share_bp = WholeNumber()
    status = fields.String()
    by_month = fields.List(
        fields.Nested(MonthAmountSchema),
        metadata={"description": "purchased (the canteens' share) each month of the year up to as_of"},
    )
    gift = fields.Nested(GiftQuotaSchema, allow_none=True)
    units = fields.List(fields.Nested(UnitQuotaSchema))
    not_filed = fields.List(WholeNumber())


class SupplierMonthSchema(ma.Schema):
    month = fields.String(metadata={"description": "YYYY-MM, China time"})
    amount_fen = WholeNumber(metadata={"description": "money received in the month, less refunds"})
    refunded_fen = WholeNumber(metadata={"description": "refunded in the month"})
    entries = WholeNumber()


class SupplierSalesSchema(ma.Schema):
    supplier_id = WholeNumber()
    year = WholeNumber()
    amount_fen = WholeNumber(metadata={"description": "the year's sales, less refunds"})
    refunded_fen = WholeNumber()
    entries = WholeNumber()
    by_month = fields.List(fields.Nested(SupplierMonthSchema), metadata={"description": "all twelve months"})
