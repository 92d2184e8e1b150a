import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate
from webargs.fields import DelimitedList

from marketplace.accounts.auth import SECURITY, require_user
from marketplace.errors import Forbidden
from marketplace.ledger import services
from marketplace.ledger.models import CHANNELS
from marketplace.schemas import QueryArgsSchema, RegionCode

blp = Blueprint("ledger", __name__, description="Tallies over the sales ledger")
GROUP_NAMES = [*services.GROUPS, "month"]


class TallyArgsSchema(QueryArgsSchema):
    group_by = DelimitedList(
        fields.String(validate=validate.OneOf(GROUP_NAMES)),
        load_default=list,
        metadata={"description": "comma-separated: " + ", ".join(GROUP_NAMES)},
    )
    year = fields.Integer(validate=validate.Range(min=2000, max=2100))
    buyer_region = RegionCode()
    origin_region = RegionCode()
    channel = DelimitedList(fields.String(validate=validate.OneOf(CHANNELS)))
    certified_only = fields.Boolean(load_default=False)


class TallyRowSchema(ma.Schema):
    class Meta:
        unknown = ma.INCLUDE

    amount_fen = fields.Integer()
    quantity = fields.Integer()
    entries = fields.Integer()

    @ma.post_dump(pass_original=True)
    def keep_groups(self, data, original, **kwargs):
        return {**{k: original[k] for k in original if k in GROUP_NAMES}, **data}


@blp.route("/tallies")
class Tallies(MethodView):
    @blp.arguments(TallyArgsSchema, location="query")
    @blp.response(200, TallyRowSchema(many=True))
    @blp.doc(security=SECURITY)
    def get(self, args):
        """Sums over the ledger, e.g.
        `?group_by=origin_county,month&year=2026&buyer_region=370000&origin_region=500000`."""
        user = require_user()
        if not user.is_admin and not user.officer_region_codes:
            raise Forbidden("Tallies are for officers and admins.")
        return services.tally(args["group_by"], args)
