"""The Celery application, built from the Flask app: `celery -A workers worker` / `beat`."""

from marketplace import create_app

flask_app = create_app()
celery = flask_app.extensions["celery"]
app = celery  # `celery -A workers` looks for `app` first

celery.conf.include = ["workers.tasks.system"]
celery.conf.beat_schedule = {
    "record-heartbeat": {"task": "system.record_heartbeat", "schedule": 60.0},
}
