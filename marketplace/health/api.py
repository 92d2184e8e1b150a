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


class LiveSchema(ma.Schema):
    status = fields.String(metadata={"enum": ["ok"]})


@blp.route("/health")
class Health(MethodView):
    @blp.response(200, HealthSchema)
    @blp.alt_response(503, schema=HealthSchema, description="The database does not answer")
    def get(self):
        """服务健康状态

        Readiness: database, Redis and queue status. Redis down is "degraded", not an error. Each
        process checks at most once per HEALTH_CHECK_SECONDS (1 s) and answers the checks in between
        from that report: a load balancer may call it every second."""
        return services.health()


@blp.route("/health/live")
class Live(MethodView):
    @blp.response(200, LiveSchema)
    def get(self):
        """存活检查

        Liveness: the process answers. Touches neither the database nor Redis."""
        return services.live()
