from flask.views import MethodView

from marketplace.accounts.auth import SECURITY, current_user, require_user
from marketplace.audit.schemas import AuditEventSchema
from marketplace.certification import rules, services
from marketplace.certification.schemas import (
    ApplicationSchema,
    CertificationQueryArgsSchema,
    CertificationReviewSchema,
    CertificationRuleCreateSchema,
    CertificationRuleQueryArgsSchema,
    CertificationRuleSchema,
    CertificationSchema,
    RevokeSchema,
)
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint

blp = Blueprint("certification", __name__, description="帮扶产品认定：申请、审核、公示与证书")


@blp.route("/products/<int:product_id>/certification")
class Apply(MethodView):
    @blp.arguments(ApplicationSchema)
    @blp.response(201, CertificationSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, product_id):
        """申请帮扶产品认定

        Apply, with the signed commitment (quality, price, truthfulness)."""
        return services.apply_for_certification(require_user(), product_id, body["commitment"])


@blp.route("/certifications")
class Certifications(MethodView):
    @blp.arguments(CertificationQueryArgsSchema, location="query")
    @blp.response(200, CertificationSchema(many=True))
    @blp.paginate(page_size=20, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """认定申请列表

        Officers: their regions'; suppliers: their own; admins: all. `?awaiting=me`: the caller's
        review queue; `?expiring_within_days=30`: certificates about to expire."""
        return page_of(services.list_certifications(require_user(), args), pagination_parameters)


@blp.route("/certifications/<int:certification_id>")
class CertificationById(MethodView):
    @blp.response(200, CertificationSchema)
    def get(self, certification_id):
        """查看认定

        Public once in notice (公示) or certified."""
        return services.get_certification(current_user(), certification_id)


@blp.route("/certifications/<int:certification_id>/review")
class Review(MethodView):
    @blp.arguments(CertificationReviewSchema)
    @blp.response(200, CertificationSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, certification_id):
        """审核认定申请

        The current stage's officer approves or rejects; the last approval starts the public notice."""
        return services.review_certification(
            require_user(), certification_id, body["decision"], body["comment"]
        )


@blp.route("/certifications/<int:certification_id>/revoke")
class Revoke(MethodView):
    @blp.arguments(RevokeSchema)
    @blp.response(200, CertificationSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, certification_id):
        """撤销认定"""
        return services.revoke_certification(require_user(), certification_id, body["reason"])


@blp.route("/certifications/<int:certification_id>/renew")
class Renew(MethodView):
    @blp.arguments(ApplicationSchema)
    @blp.response(201, CertificationSchema)
    @blp.doc(security=SECURITY)
    def post(self, body, certification_id):
        """重新申请认定

        Apply again for a certified or expired product; the new application goes through every stage."""
        return services.renew_certification(require_user(), certification_id, body["commitment"])


@blp.route("/certifications/<int:certification_id>/history")
class History(MethodView):
    @blp.response(200, AuditEventSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, certification_id):
        """认定审核记录

        The audit trail: who, when, from, to, why."""
        return services.certification_history(require_user(), certification_id)


@blp.route("/certification-rules")
class CertificationRules(MethodView):
    @blp.arguments(CertificationRuleQueryArgsSchema, location="query")
    @blp.response(200, CertificationRuleSchema(many=True))
    @blp.paginate(page_size=50, max_page_size=100)
    @blp.doc(security=SECURITY)
    def get(self, args, pagination_parameters):
        """查看各省认定规则历史

        Every rule ever set, newest first (admins): each province's history."""
        return page_of(rules.list_rules(require_user(), args), pagination_parameters)

    @blp.arguments(CertificationRuleCreateSchema)
    @blp.response(201, CertificationRuleSchema)
    @blp.doc(security=SECURITY)
    def post(self, body):
        """设置省级认定规则

        Set a province's review stages and public-notice days (admins), in force from now on;
        applications already made follow the rule they were made under."""
        return rules.set_rule(require_user(), body)


@blp.route("/certification-rules/<string:province_code>")
class CertificationRuleInForce(MethodView):
    @blp.response(200, CertificationRuleSchema)
    @blp.doc(security=SECURITY)
    def get(self, province_code):
        """查看省现行认定规则

        The province's rule in force (admins); the default rule where it has none of its own."""
        return rules.get_rule_in_force(require_user(), province_code)
