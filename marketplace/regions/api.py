from flask.views import MethodView

from marketplace.cache import IF_NONE_MATCH, NOT_MODIFIED, PREPARED_DOC_HEADERS, Prepared
from marketplace.pagination import page_of
from marketplace.parsing import Blueprint
from marketplace.regions import services
from marketplace.regions.schemas import (
    PairingQueryArgsSchema,
    PairingSchema,
    RegionQueryArgsSchema,
    RegionSchema,
)

blp = Blueprint("regions", __name__, description="行政区划与东西部协作结对关系")
Prepared(
    blp,
    {
        "regions.Regions": (*RegionQueryArgsSchema().fields, "page", "page_size"),
        "regions.RegionByCode": (),
        "regions.Pairings": tuple(PairingQueryArgsSchema().fields),
    },
    services.reference_version,
)


@blp.route("/regions", parameters=[IF_NONE_MATCH])
class Regions(MethodView):
    @blp.arguments(RegionQueryArgsSchema, location="query")
    @blp.response(200, RegionSchema(many=True), headers=PREPARED_DOC_HEADERS)
    @blp.alt_response(304, description=NOT_MODIFIED)
    @blp.paginate(page_size=100, max_page_size=100)
    def get(self, args, pagination_parameters):
        """行政区划列表

        List regions: children of `parent`, or all of one `level`."""
        return page_of(
            services.list_regions(**{k: args.get(k) for k in ("parent", "level", "q")}), pagination_parameters
        )


@blp.route("/regions/<string:code>", parameters=[IF_NONE_MATCH])
class RegionByCode(MethodView):
    @blp.response(200, RegionSchema, headers=PREPARED_DOC_HEADERS)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, code):
        """查看行政区划"""
        return services.get_region(code)


@blp.route("/pairings", parameters=[IF_NONE_MATCH])
class Pairings(MethodView):
    @blp.arguments(PairingQueryArgsSchema, location="query")
    @blp.response(200, PairingSchema(many=True), headers=PREPARED_DOC_HEADERS)
    @blp.alt_response(304, description=NOT_MODIFIED)
    def get(self, args):
        """东西部协作结对关系

        Pairings; `assisted=500236` answers "who helps Fengjie?"."""
        return services.list_pairings(args.get("helper"), args.get("assisted"))
