import marshmallow as ma
from flask.views import MethodView
from marshmallow import fields

from marketplace.health import services
from marketplace.parsing import Blueprint

blp = Blueprint("health", __name__, description="服务健康状态")


class HealthSchema(ma.Schema):
    status = fields.String(metadata={"enum": ["ok", "degraded", "down"]})
    database = fields.Dict()
    redis = fields.Dict()
    queue = fields.Dict()


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
    def get(self):
        """服务健康状态

        Database, Redis and queue status. Redis down is "degraded", not an error."""
        return services.health()
