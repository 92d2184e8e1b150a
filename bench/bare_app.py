"""The floor: a bare Flask endpoint returning a small JSON dict, no database."""

from flask import Flask

app = Flask(__name__)


@app.get("/bare")
def bare():
    return {"code": "500236", "name": "奉节县", "level": "county"}
