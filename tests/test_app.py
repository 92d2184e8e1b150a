"""The app factory writes nothing into the checkout unless the embedded default's database is there."""

import json
import subprocess
import sys

from tests.conftest import TEST_SETTINGS

# In a process of its own: a second app in this one would take over the shared Celery app. Its
# instance folder is a temporary one, so a checkout that has instance/ already (make run) can test.
MAKE_APP = """
import json, sys
from flask import Flask

Flask.auto_find_instance_path = lambda self: sys.argv[1]
from marketplace import create_app

create_app(json.loads(sys.argv[2]))
"""


def make_app(instance, settings):
    subprocess.run([sys.executable, "-c", MAKE_APP, str(instance), json.dumps(settings)], check=True)


def test_an_app_whose_sqlite_database_is_elsewhere_makes_no_instance_folder(tmp_path):
    instance = tmp_path / "checkout" / "instance"
    make_app(instance, {**TEST_SETTINGS, "DATABASE_URL": f"sqlite:///{tmp_path}/elsewhere/test.db"})
    assert not instance.exists()


def test_the_embedded_default_makes_the_instance_folder_for_its_database(tmp_path):
    instance = tmp_path / "checkout" / "instance"
    make_app(instance, {**TEST_SETTINGS, "DATABASE_URL": None})
    assert instance.is_dir()
