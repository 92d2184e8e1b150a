"""The Celery application, built from the Flask app: `celery -A workers worker` / `beat`.

Built on first use of `workers.app` / `workers.celery` (PEP 562), so that importing
a task module (`marketplace.health.tasks`) never creates an app from the environment.
"""

from typing import Any

_built: dict[str, Any] = {}


def build() -> Any:
    if not _built:
        from marketplace import create_app
        from workers.beat import TASK_MODULES

        flask_app = create_app()
        celery = flask_app.extensions["celery"]
        # The schedule and its time zone come with create_app (init_celery).
        celery.conf.update(include=TASK_MODULES)
        _built.update(flask_app=flask_app, celery=celery, app=celery)
    return _built


def __getattr__(name: str) -> Any:
    if name in ("app", "celery", "flask_app"):
        return build()[name]
    raise AttributeError(f"module 'workers' has no attribute {name!r}")
