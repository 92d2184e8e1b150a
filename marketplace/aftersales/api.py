from flask import Response, current_app, request
from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.aftersales import fapiao, services
from marketplace.aftersales.schemas import (
    AfterSalesCreateSchema,
    AfterSalesPhotoSchema,
    AfterSalesQueryArgsSchema,
    AfterSalesSchema,
    DecisionSchema,
    FapiaoCreateSchema,
    FapiaoIssueSchema,
    FapiaoQueryArgsSchema,
    FapiaoSchema,
    InvoiceFileSchema,
    RejectionSchema,
)
from marketplace.catalog.schemas import ImageUploadSchema
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint

blp = Blueprint("after_sales", __name__, description="售后：买家申请退款，供应商受理")


@blp.route("/orders/<int:order_id>/after-sales")
class OrderAfterSales(MethodView):
    @blp.arguments(AfterSalesCreateSchema)
    @blp.response(201, AfterSalesSchema)
    @blp.alt_response(409, description="The order is not paid, or a request to this supplier is open")
    @blp.doc(security=SECURITY)
    def post(self, body, order_id):
        """申请售后退款

        The buyer asks one supplier for lines of a paid order back, saying why; photos follow."""
        asked = services.request_after_sales(require_user(), order_id, body["lines"], body["reason"])
        return services.view(asked)


@blp.route("/after-sales")
class AfterSalesList(MethodView):
    @blp.arguments(AfterSalesQueryArgsSchema, location="query")
    @blp.response(200, AfterSalesSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """售后申请列表

        The buyer's own requests and those to the caller's suppliers, newest first; all for admins;
        `?supplier_id=` those to one of the caller's suppliers (a workbench's), `?order_id=` one order's."""
        asked = services.list_requests(
            require_user(), args.get("status"), args.get("supplier_id"), args.get("order_id")
        )
        page = page_of(asked, pagination_parameters)
        return [services.view(asked) for asked in page]


@blp.route("/after-sales/<int:request_id>")
class AfterSalesById(MethodView):
    @blp.response(200, AfterSalesSchema)
    @blp.doc(security=SECURITY)
    def get(self, request_id):
        """售后申请详情"""
        return services.view(services.get_request(require_user(), request_id))


@blp.route("/after-sales/<int:request_id>/accept")
class AcceptAfterSales(MethodView):
    @blp.arguments(DecisionSchema)
    @blp.response(200, AfterSalesSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, request_id):
        """同意售后退款

        The supplier (or an admin) accepts: the request's lines are refunded through the payment."""
        return services.view(services.accept(require_user(), request_id, body.get("comment")))


@blp.route("/after-sales/<int:request_id>/reject")
class RejectAfterSales(MethodView):
    @blp.arguments(RejectionSchema)
    @blp.response(200, AfterSalesSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, request_id):
        """拒绝售后申请

        The supplier (or an admin) refuses, saying why; the buyer may ask again."""
        return services.view(services.reject(require_user(), request_id, body["comment"]))


@blp.route("/after-sales/<int:request_id>/withdraw")
class WithdrawAfterSales(MethodView):
    @blp.response(200, AfterSalesSchema)
    @blp.doc(security=SECURITY)
    def post(self, request_id):
        """撤回售后申请"""
        return services.view(services.withdraw(require_user(), request_id))


@blp.route("/after-sales/<int:request_id>/photos")
class AfterSalesPhotos(MethodView):
    @blp.arguments(ImageUploadSchema, location="files")
    @blp.response(201, AfterSalesPhotoSchema)
    @blp.doc(security=SECURITY)
    def post(self, files, request_id):
        """上传售后照片

        The buyer adds a photo (multipart field `file`, JPEG, PNG or WebP) while the request is open."""
        return services.add_photo(require_user(), request_id, files["file"].read())


@blp.route("/after-sales/<int:request_id>/photos/<int:photo_id>")
class AfterSalesPhotoById(MethodView):
    @blp.response(200, content_type="image/*")
    @blp.doc(security=SECURITY)
    def get(self, request_id, photo_id):
        """查看售后照片

        Only to the buyer, the supplier and admins; never cached by shared caches."""
        data, content_type = services.read_photo(require_user(), request_id, photo_id)
        headers = {"Cache-Control": "private, max-age=3600", "X-Content-Type-Options": "nosniff"}
        return Response(data, 200, headers, content_type=content_type)


@blp.before_request
def allow_upload_bodies():
    # The app-wide body limit is 1 MiB; a photo may be IMAGE_MAX_BYTES, an e-invoice INVOICE_MAX_BYTES.
    if request.method != "POST":
        return
    if request.endpoint == "after_sales.AfterSalesPhotos":
        request.max_content_length = current_app.config["IMAGE_MAX_BYTES"] + 64 * 1024
    elif request.endpoint == "after_sales.FapiaoInvoice":
        request.max_content_length = fapiao.INVOICE_MAX_BYTES + 64 * 1024


@blp.route("/fulfilments/<int:fulfilment_id>/fapiao")
class FulfilmentFapiao(MethodView):
    @blp.arguments(FapiaoCreateSchema)
    @blp.response(201, FapiaoSchema)
    @blp.alt_response(409, description="The order is not paid, or this part's fapiao was asked for already")
    @blp.doc(security=SECURITY)
    def post(self, body, fulfilment_id):
        """申请开具发票

        The buyer asks for the fapiao of one supplier's part of a paid order: title, tax id for a company."""
        return fapiao.view(
            fapiao.request_fapiao(
                require_user(), fulfilment_id, body["title"], body.get("tax_id"), body.get("email")
            )
        )


@blp.route("/fapiao")
class FapiaoList(MethodView):
    @blp.arguments(FapiaoQueryArgsSchema, location="query")
    @blp.response(200, FapiaoSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """发票申请列表

        The buyer's own requests and those to the caller's suppliers, newest first; all for admins;
        `?supplier_id=` those to one of the caller's suppliers (a workbench's), `?order_id=` one order's."""
        listed = fapiao.list_fapiao(
            require_user(), args.get("status"), args.get("supplier_id"), args.get("order_id")
        )
        requests = page_of(listed, pagination_parameters)
        return [fapiao.view(one) for one in requests]


@blp.route("/fapiao/<int:fapiao_id>")
class FapiaoById(MethodView):
    @blp.response(200, FapiaoSchema)
    @blp.doc(security=SECURITY)
    def get(self, fapiao_id):
        """发票申请详情"""
        return fapiao.view(fapiao.get_fapiao(require_user(), fapiao_id))


@blp.route("/fapiao/<int:fapiao_id>/invoice")
class FapiaoInvoice(MethodView):
    @blp.arguments(FapiaoIssueSchema, location="form")
    @blp.arguments(InvoiceFileSchema, location="files")
    @blp.response(200, FapiaoSchema)
    @blp.doc(security=SECURITY)
    def post(self, form, files, fapiao_id):
        """上传电子发票

        The supplier issues the fapiao: multipart fields `invoice_no` and `file` (PDF or OFD)."""
        issued = fapiao.issue(require_user(), fapiao_id, form["invoice_no"], files["file"].read())
        return fapiao.view(issued)

    @blp.response(200, content_type="application/pdf")
    @blp.doc(security=SECURITY)
    def get(self, fapiao_id):
        """下载电子发票"""
        data, content_type, name = fapiao.read_invoice(require_user(), fapiao_id)
        headers = {
            "Cache-Control": "private, no-store",
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
        }
        return Response(data, 200, headers, content_type=content_type)
