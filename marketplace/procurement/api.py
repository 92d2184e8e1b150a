import io
from urllib.parse import quote

from flask import Response, current_app, request, send_file, url_for
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.aftersales.fapiao import INVOICE_MAX_BYTES
from marketplace.audit.schemas import AuditEventSchema
from marketplace.i18n import _
from marketplace.idempotency import idempotent
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.procurement import import_jobs, services, template
from marketplace.procurement import schemas as s

blp = Blueprint("procurement", __name__, description="单位采购：采购单与审批")


def _caller_id() -> int:
    return require_user().id


def _view(order):
    return services.view(require_user(), order)


@blp.route("/purchase-orders")
class PurchaseOrders(MethodView):
    @blp.arguments(s.QueryArgs, location="query")
    @blp.response(200, s.PurchaseOrderSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """采购订单列表

        `?awaiting=me`: the approvals inbox, oldest first."""
        user = require_user()
        listed = services.list_purchase_orders(user, args.get("status"), awaiting_me="awaiting" in args)
        orders = page_of(listed, pagination_parameters)
        return services.view_many(user, orders)

    @blp.arguments(s.PurchaseOrderCreateSchema)
    @blp.response(201, s.PurchaseOrderSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """起草采购订单

        Draft an order (the agency's purchasers)."""
        return _view(
            services.create_purchase_order(
                require_user(), body["agency_id"], body["lines"], body["delivery_address"], body["needed_by"]
            )
        )


@blp.route("/purchase-orders/<int:order_id>")
class PurchaseOrderById(MethodView):
    @blp.response(200, s.PurchaseOrderSchema)
    @blp.doc(security=SECURITY)
    def get(self, order_id):
        """查看采购订单

        The agency side sees everything; a supplier its own lines and part."""
        return _view(services.get_purchase_order(require_user(), order_id))


@blp.route("/purchase-orders/<int:order_id>/lines")
class Lines(MethodView):
    @blp.arguments(s.LinesSchema)
    @blp.response(200, s.PurchaseOrderSchema)
    @blp.doc(security=SECURITY)
    def put(self, body, order_id):
        """替换采购明细

        Replace a draft's lines (purchasers; approvers cannot edit lines)."""
        return _view(services.replace_lines(require_user(), order_id, body["lines"]))


@blp.before_request
def allow_import_bodies():
    # The app-wide body limit is 1 MiB; an import may be IMPORT_MAX_BYTES (5 MiB by default).
    if request.endpoint == "procurement.ImportLines":
        request.max_content_length = current_app.config["IMPORT_MAX_BYTES"] + 64 * 1024
    elif request.endpoint == "procurement.EInvoices":
        request.max_content_length = INVOICE_MAX_BYTES + 64 * 1024


@blp.route("/purchase-orders/<int:order_id>/lines/import")
class ImportLines(MethodView):
    @blp.arguments(s.ImportSchema, location="files")
    @blp.response(202, s.ImportJobSchema)
    @blp.doc(security=SECURITY)
    def post(self, files, order_id):
        """导入采购明细

        Replace a draft's lines from XLSX or CSV (columns 数量/quantity and 商品编号/product_id or
        证书编号/certificate_no; 商品名称/product_name checked, 备注/note kept out), all or nothing, in the
        background: the answer is the import's job, to be read at its Location until it has
        succeeded or failed; a failed job carries every bad row by row number and column. 409
        while another import of the order is at work."""
        job = import_jobs.start_import(require_user(), order_id, files["file"].read())
        return job, 202, {"Location": url_for("procurement.ImportJobById", order_id=order_id, job_id=job.id)}


@blp.route("/purchase-orders/<int:order_id>/imports/<int:job_id>")
class ImportJobById(MethodView):
    @blp.response(200, s.ImportJobSchema)
    @blp.doc(security=SECURITY)
    def get(self, order_id, job_id):
        """查看明细导入进度

        An import's progress (rows read of about how many) and how it ended (its purchasers)."""
        return import_jobs.get_import(require_user(), order_id, job_id)


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@blp.route("/purchase-orders/<int:order_id>/lines/template.xlsx")
class LinesTemplate(MethodView):
    @blp.response(200, description="the XLSX workbook", content_type=XLSX)
    @blp.doc(security=SECURITY)
    def get(self, order_id):
        """下载采购明细导入模板

        The workbook to fill in for the import (its purchasers): headers in the reader's language, an
        example row, a drop-down of the products on sale, and instructions."""
        data = template.lines_template(require_user(), order_id)
        plain = f"purchase-order-{order_id}-lines.xlsx"  # for clients that cannot read filename*
        response = send_file(io.BytesIO(data), mimetype=XLSX, as_attachment=True, download_name=plain)
        name = quote(_("purchase-order-%(id)s-lines.xlsx", id=order_id))
        response.headers["Content-Disposition"] = f"attachment; filename={plain}; filename*=UTF-8''{name}"
        return response


@blp.route("/purchase-orders/<int:order_id>/history")
class History(MethodView):
    @blp.response(200, AuditEventSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, order_id):
        """采购订单流转记录

        Every step of the order: who, when, why; a supplier reads its own part's."""
        return services.purchase_order_history(require_user(), order_id)


def _step(path: str, schema, call, summary: str, doc: str, status: int = 200) -> None:
    class Step(MethodView):
        @blp.arguments(schema)
        @blp.response(status, s.PurchaseOrderSchema)
        @blp.doc(security=SECURITY, summary=summary, description=doc)
        def post(self, body, order_id):
            return services.answer_step(require_user(), call, order_id, body)

    Step.__name__ = "".join(part.title() for part in path.split("-")) + "Step"
    blp.route(f"/purchase-orders/<int:order_id>/{path}")(Step)


_step(
    "submit",
    s.EmptySchema,
    lambda u, i, b: services.submit(u, i),
    "提交采购订单",
    "Submit: stock is reserved (purchasers)",
)
_step(
    "approve",
    s.CommentSchema,
    lambda u, i, b: services.approve(u, i, b["comment"]),
    "审批通过",
    "Approve one tier (approvers; never one's own order)",
)
_step(
    "reject",
    s.RejectSchema,
    lambda u, i, b: services.reject(u, i, b["comment"]),
    "驳回采购订单",
    "Reject (approvers)",
)
_step(
    "cancel",
    s.CancelSchema,
    lambda u, i, b: services.cancel(u, i, b["reason"]),
    "取消采购订单",
    "Cancel before suppliers confirm",
)
_step(
    "confirm",
    s.ConfirmSchema,
    lambda u, i, b: services.confirm(u, i, b["declined_line_ids"]),
    "供应商确认",
    "A supplier confirms its part, declining lines it cannot supply",
)
_step(
    "ship",
    s.PartShipSchema,
    lambda u, i, b: services.ship(u, i, b["carrier"], b["tracking_no"]),
    "供应商发货",
    "A supplier ships its part",
)
_step(
    "receipts",
    s.ReceiptSchema,
    lambda u, i, b: services.receive(u, i, b["lines"]),
    "登记到货",
    "The agency records what arrived, per line",
)
_step(
    "invoices",
    s.InvoiceSchema,
    lambda u, i, b: services.invoice(u, i, b["invoice_no"], b["amount_fen"]),
    "登记发票",
    "A supplier's fapiao for its part; the amount must equal the value received",
)
_step(
    "rating",
    s.RatingSchema,
    lambda u, i, b: services.rate(u, i, b["supplier_id"], b["score"], b.get("comment")),
    "评价供应商",
    "Rate a supplier",
)


@blp.route("/purchase-orders/<int:order_id>/e-invoices")
class EInvoices(MethodView):
    @blp.arguments(s.EInvoiceFormSchema, location="form")
    @blp.arguments(s.EInvoiceFileSchema, location="files")
    @blp.response(200, s.PurchaseOrderSchema)
    @blp.alt_response(413, description="The file is over 5 MiB")
    @blp.alt_response(415, description="The file is not a PDF, OFD, JPEG or PNG")
    @blp.doc(security=SECURITY)
    def post(self, form, files, order_id):
        """上传电子发票

        A supplier's fapiao for its part with the e-invoice file: multipart fields `invoice_no`,
        `amount_fen` (the value received, as for /invoices) and `file` (PDF, OFD, JPEG or PNG)."""
        return _view(
            services.invoice(
                require_user(), order_id, form["invoice_no"], form["amount_fen"], files["file"].read()
            )
        )


@blp.route("/purchase-orders/<int:order_id>/e-invoices/<int:supplier_id>")
class EInvoiceById(MethodView):
    @blp.response(200, content_type="application/pdf")
    @blp.doc(security=SECURITY)
    def get(self, order_id, supplier_id):
        """下载电子发票

        One supplier's e-invoice: to the agency's side, admins and that supplier; never cached."""
        data, content_type, name = services.read_e_invoice(require_user(), order_id, supplier_id)
        headers = {
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        }
        return Response(data, 200, headers, content_type=content_type)


@blp.route("/purchase-orders/<int:order_id>/payments")
class Payments(MethodView):
    @idempotent(_caller_id)
    @blp.arguments(s.PaymentSchema)
    @blp.response(201, s.PurchaseOrderSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, order_id):
        """登记银行转账

        An admin records a bank transfer; partial payments add up; an overpayment is refused."""
        return services.answer_step(
            require_user(),
            lambda u, i, b: services.record_payment(u, i, b["amount_fen"], b["reference"]),
            order_id,
            body,
        )
