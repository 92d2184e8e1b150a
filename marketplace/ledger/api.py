import marshmallow as ma
from flask import Response, request
from flask.views import MethodView
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.i18n import _
from marketplace.ledger import exports, reports, services, targets
from marketplace.ledger.models import CHANNELS, MECHANISMS
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.schemas import Day, QueryArgsSchema, RegionCode, Timestamp, WholeNumber
from marketplace.timeutil import china_today

blp = Blueprint("ledger", __name__, description="销售台账：汇总统计、目标与进度、月度台账")
GROUP_NAMES = services.GROUPS


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
    channel = DelimitedList(fields.String(validate=validate.OneOf(CHANNELS)))
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


@blp.route("/tallies")
class Tallies(MethodView):
    @blp.arguments(TallyArgsSchema, location="query")
    @blp.response(200, TallyRowSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """销售汇总统计

        Sums over the ledger, e.g.
        `?group_by=origin_county,month&year=2026&buyer_region=370000&origin_region=500000`."""
        return services.tallies(require_user(), args["group_by"], args)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/tallies/export")
class TalliesExport(MethodView):
    @blp.arguments(TallyArgsSchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, description="the XLSX file", content_type=XLSX)
    @blp.doc(security=SECURITY)
    def get(self, args):
        """导出销售汇总统计（XLSX）

        The rows GET /tallies answers for the same query, in the reader's language: a column for
        each dimension's code and name, entries, quantity, net weight (kg) and amount in yuan as
        numbers to the fen, then a total row; the query on a second sheet. Same permissions."""
        data = exports.export_tallies(require_user(), args["group_by"], args)
        name = f"tallies-{args.get('year') or 'all'}.xlsx"
        return Response(
            data, 200, {"Content-Disposition": f'attachment; filename="{name}"'}, content_type=XLSX
        )


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
    channels = fields.List(fields.String(validate=validate.OneOf(CHANNELS)), load_default=list)
    mechanism = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(MECHANISMS))
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


@blp.route("/targets")
class Targets(MethodView):
    @blp.response(200, TargetSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, pagination_parameters):
        """帮扶目标列表"""
        return page_of(targets.list_targets(require_user()), pagination_parameters)

    @blp.arguments(TargetCreateSchema)
    @blp.response(201, TargetSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """创建帮扶目标

        Money (amount_fen) or net weight of a category (weight_g) over [period_start, period_end)
        for a slice: buyer region x origin region, channels, mechanism, category, certified only."""
        return targets.create_target(require_user(), body)


class ProgressArgsSchema(QueryArgsSchema):
    ids = DelimitedList(
        WholeNumber(validate=validate.Range(min=1)),
        validate=validate.Length(max=100),
        metadata={"description": "comma-separated target ids: only these (of the caller's)"},
    )


@blp.route("/targets/progress")
class TargetsProgress(MethodView):
    @blp.arguments(ProgressArgsSchema, location="query")
    @blp.response(200, ProgressSchema(many=True), headers={"ETag": {"schema": {"type": "string"}}})
    @blp.alt_response(304, description="unchanged since the If-None-Match ETag: no body")
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """全部目标的完成进度

        The progress of every target the caller sees (as GET /targets lists them, paged alike), in
        one call. Its ETag changes with the ledger's latest entry, any change of targets and the
        day: send it back as If-None-Match to get 304 while nothing changed (one small query)."""
        user, today = require_user(), china_today()
        tag, pagination_parameters.item_count = targets.progress_version(
            user, args.get("ids"), today, request.query_string.decode()
        )
        if request.if_none_match.contains(tag):
            return Response(status=304, headers={"ETag": f'"{tag}"'})
        page = page_of(targets.list_targets(user, args.get("ids")), pagination_parameters)
        return targets.progress_many(page, today), {"ETag": f'"{tag}"'}


@blp.route("/targets/<int:target_id>")
class TargetById(MethodView):
    @blp.response(200, TargetSchema)
    @blp.doc(security=SECURITY)
    def get(self, target_id):
        """查看帮扶目标"""
        return targets.get_target(require_user(), target_id)

    @blp.arguments(TargetUpdateSchema(partial=True))
    @blp.response(200, TargetSchema)
    @blp.doc(security=SECURITY)
    def patch(self, body, target_id):
        """修改帮扶目标"""
        return targets.update_target(require_user(), target_id, body)

    @blp.response(204)
    @blp.doc(security=SECURITY)
    def delete(self, target_id):
        """删除帮扶目标"""
        targets.delete_target(require_user(), target_id)


@blp.route("/targets/<int:target_id>/progress")
class TargetProgress(MethodView):
    @blp.response(200, ProgressSchema)
    @blp.doc(security=SECURITY)
    def get(self, target_id):
        """目标完成进度

        Achieved, expected by now (seasonal from last year's months, else linear), forecast, status
        (behind below 90% of expected), by month and year to date; money in fen, weight in grams."""
        return targets.progress(require_user(), target_id)


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
    status = fields.String(metadata={"enum": ["pending", "ready", "failed"]})
    entries = WholeNumber(allow_none=True)
    total_fen = WholeNumber(
        allow_none=True, metadata={"description": "the entries' amounts summed, once made"}
    )
    file_name = fields.String(metadata={"description": "the name the file downloads under"})
    created_at = Timestamp()
    finished_at = Timestamp(allow_none=True)


CONTENT_TYPES = {
    "xlsx": XLSX,
    "csv": "text/csv; charset=utf-8",
}


def report_file(report):
    """The report's file, or its status (202) while it is still being made."""
    if report.status != "ready":
        return ReportSchema().dump(report), 202
    return Response(
        reports.read_file(report),
        200,
        {"Content-Disposition": f'attachment; filename="{report.file_name}"'},
        content_type=CONTENT_TYPES[report.format],
    )


@blp.route("/reports/ledger")
class LedgerReports(MethodView):
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(200, description="the file (XLSX or CSV)")
    @blp.alt_response(202, schema=ReportSchema, description="still being made")
    @blp.doc(security=SECURITY)
    def get(self, args):
        """下载月度台账

        The monthly ledger (台账): every entry of the month, and totals per county and channel."""
        return report_file(
            reports.latest_report(require_user(), args["month"], args["format"], args["region_code"])
        )

    @blp.arguments(ReportRequestSchema)
    @blp.response(202, ReportSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """立即生成月度台账

        Make the month's ledger now (the whole ledger's is made on the first of each month)."""
        return reports.request_report(require_user(), body["month"], body["format"], body["region_code"])


@blp.route("/reports/ledger/<int:report_id>")
class LedgerReportById(MethodView):
    @blp.response(200, ReportSchema)
    @blp.doc(security=SECURITY)
    def get(self, report_id):
        """查看台账生成状态"""
        return reports.get_report(require_user(), report_id)


@blp.route("/reports/ledger/requests")
class LedgerReportRequests(MethodView):
    @blp.response(200, ReportSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, pagination_parameters):
        """我申请的台账

        The caller's own ledger requests, newest first, with their status; an officer's within the
        regions that are theirs now."""
        return page_of(reports.list_requests(require_user()), pagination_parameters)


@blp.route("/reports/ledger/<int:report_id>/file")
class LedgerReportFile(MethodView):
    @blp.response(200, description="the file (XLSX or CSV), named in Content-Disposition")
    @blp.alt_response(202, schema=ReportSchema, description="still being made")
    @blp.doc(security=SECURITY)
    def get(self, report_id):
        """下载此份台账

        This report's file, whoever may see the report (its region's officers, admins); 409 when
        it could not be made."""
        return report_file(reports.ready_report(require_user(), report_id))
