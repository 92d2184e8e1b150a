from urllib.parse import quote

from flask import Response, request
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.agencies.schemas import YearArgsSchema
from marketplace.i18n import _
from marketplace.ledger import exports, quota, reports, sales, tallies, targets
from marketplace.ledger.models import ReportStatus
from marketplace.ledger.schemas import (
    ProgressArgsSchema,
    ProgressSchema,
    QuotaArgsSchema,
    QuotaSchema,
    ReportQueryArgsSchema,
    ReportRequestSchema,
    ReportSchema,
    StandingArgsSchema,
    SupplierSalesSchema,
    TallyArgsSchema,
    TallyRowSchema,
    TargetCreateSchema,
    TargetSchema,
    TargetUpdateSchema,
    UnitQuotaSchema,
)
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.timeutil import china_today

blp = Blueprint("ledger", __name__, description="销售台账：汇总统计、目标与进度、预留份额、月度台账")


@blp.route("/tallies")
class Tallies(MethodView):
    @blp.arguments(TallyArgsSchema, location="query")
    @blp.response(200, TallyRowSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """销售汇总统计

        Sums over the ledger, e.g.
        `?group_by=origin_county,month&year=2026&buyer_region=370000&origin_region=500000`."""
        return tallies.tallies(require_user(), args["group_by"], args)


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


CONTENT_TYPES = {
    "xlsx": XLSX,
    "csv": "text/csv; charset=utf-8",
}


def report_file(report):
    """The report's file, or its status (202) while it is still being made."""
    if report.status != ReportStatus.READY:
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


# The reserved-share quotas are sums over the ledger, answered here under the agencies' paths.
@blp.route("/agencies/standings", tags=["agencies"])
class Standings(MethodView):
    @blp.arguments(StandingArgsSchema, location="query")
    @blp.response(200, UnitQuotaSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """各单位预留份额完成情况

        Officers and admins: each agency's standing, e.g. `?status=behind` or `?status=not_filed`."""
        year = args.get("year") or china_today().year
        return quota.standings(require_user(), year, args.get("status"), args.get("region"))


@blp.route("/agencies/<int:agency_id>/quota", tags=["agencies"])
class Quota(MethodView):
    @blp.arguments(QuotaArgsSchema, location="query")
    @blp.response(200, QuotaSchema)
    @blp.doc(security=SECURITY)
    def get(self, args, agency_id):
        """查看预留份额

        The reserved share: budget, reserved, purchased (certified, paid), the gap, the pace and the
        months, with subordinates rolled up; `?rank=gap|completion` ranks the units."""
        year = args.get("year") or china_today().year
        return quota.quota(require_user(), agency_id, year, args.get("rank"))


# A supplier's own sales are a sum over the ledger, answered here under the suppliers' paths.
@blp.route("/suppliers/<int:supplier_id>/sales", tags=["suppliers"])
class SupplierSales(MethodView):
    @blp.arguments(YearArgsSchema, location="query")
    @blp.response(200, SupplierSalesSchema)
    @blp.doc(security=SECURITY)
    def get(self, args, supplier_id):
        """查看供应商月度销售

        Its members and admins: the supplier's sales in each month of `?year=` (this year by
        default), money received less refunds, with the year's total."""
        return sales.supplier_sales(require_user(), supplier_id, args.get("year") or china_today().year)


@blp.route("/agencies/<int:agency_id>/quota/export.xlsx", tags=["agencies"])
class QuotaExport(MethodView):
    @blp.arguments(QuotaArgsSchema, location="query")
    @blp.response(200, {"type": "string", "format": "binary"}, description="the XLSX file", content_type=XLSX)
    @blp.doc(security=SECURITY)
    def get(self, args, agency_id):
        """导出预留份额完成情况（XLSX）

        The agency and every unit under it, ranked as `GET /agencies/{id}/quota?rank=` ranks them
        (by gap unless asked), in the reader's language: budget, share, reserved, purchased, gap,
        completion, expected by now, pace and filing, money in 万元 to two decimals, and the rolled-up
        figures as the total row. Same permissions as the quota."""
        year = args.get("year") or china_today().year
        data = exports.export_quota(require_user(), agency_id, year, args.get("rank") or "gap")
        plain = f"quota-{agency_id}-{year}.xlsx"  # for clients that cannot read filename*
        name = quote(_("reserved-share-%(year)s-%(id)s.xlsx", year=year, id=agency_id))
        disposition = f"attachment; filename={plain}; filename*=UTF-8''{name}"
        return Response(data, 200, {"Content-Disposition": disposition}, content_type=XLSX)
