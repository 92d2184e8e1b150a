"""Request parsing every API blueprint shares: input that Python, the JSON parser or PostgreSQL cannot
take is a 400 or a 422 naming the field, before any view sees it.

- JSON bodies nested deeper than MAX_JSON_DEPTH, integers longer than MAX_INTEGER_DIGITS (Python
  refuses to convert 4,300 digits), NaN, Infinity and floats beyond the float range are 400.
- NUL in any string, query argument or key is 422: PostgreSQL's text cannot hold it.
- Integer query arguments are ASCII digits (Python's int() also reads "²" and "٣"), and fit 64 bits.
"""

import json
import math
import re
from collections.abc import Mapping
from typing import Any

import flask_smorest
import marshmallow as ma
from flask.json.provider import DefaultJSONProvider
from webargs import core
from webargs.flaskparser import FlaskParser, abort, is_json_request

from marketplace.i18n import N_, _

MAX_JSON_DEPTH = 32
MAX_INTEGER_DIGITS = 18
INTEGER_ARGUMENT = re.compile(rf"-?[0-9]{{1,{MAX_INTEGER_DIGITS}}}")
NO_NUL = N_("Must not contain NUL characters.")
INTEGER_MESSAGE = N_("Not a valid integer: ASCII digits, at most {digits}.").format(digits=MAX_INTEGER_DIGITS)


class BodyRefused(ValueError):
    """A well-formed JSON text this API does not take."""


def _integer(text: str) -> int:
    if len(text.lstrip("-")) > MAX_INTEGER_DIGITS:
        raise BodyRefused(_("Integers have at most %(digits)s digits.", digits=MAX_INTEGER_DIGITS))
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise BodyRefused(_("%(number)s is beyond the range of numbers.", number=text))
    return value


def _constant(name: str) -> None:
    raise BodyRefused(_("%(name)s is not a number.", name=name))


def _depth(value: Any) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, depth)
            children = node.values() if isinstance(node, dict) else node
            stack.extend((child, depth + 1) for child in children)
    return deepest


def loads(data: str | bytes) -> Any:
    """json.loads, refusing what the API cannot take (BodyRefused, a ValueError)."""
    try:
        value = json.loads(data, parse_int=_integer, parse_float=_float, parse_constant=_constant)
    except RecursionError:
        raise BodyRefused(_("JSON nested more than %(depth)s deep.", depth=MAX_JSON_DEPTH)) from None
    if _depth(value) > MAX_JSON_DEPTH:
        raise BodyRefused(_("JSON nested more than %(depth)s deep.", depth=MAX_JSON_DEPTH))
    return value


class JSONProvider(DefaultJSONProvider):
    """request.get_json() refuses the same bodies (silent=True then gives None)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        return loads(s)


def _nul_errors(value: Any) -> Any:
    """marshmallow-shaped messages for every NUL under value, or None."""
    if isinstance(value, str):
        return [NO_NUL] if "\x00" in value else None
    if isinstance(value, Mapping):
        items: Any = ((key, value[key]) for key in value)
    elif isinstance(value, list | tuple):
        items = enumerate(value)
    else:
        return None
    errors = {}
    for key, child in items:
        if isinstance(key, str) and "\x00" in key:
            errors[key] = [NO_NUL]
        elif (found := _nul_errors(child)) is not None:
            errors[key] = found
    return errors or None


class Parser(FlaskParser):
    def _raw_load_json(self, req: Any) -> Any:
        if not is_json_request(req):
            return core.missing
        try:
            return loads(req.get_data(cache=True))
        except BodyRefused as error:
            abort(400, exc=error, messages={"json": [_("Invalid JSON body: %(reason)s", reason=error)]})

    def pre_load(self, location_data: Any, *, schema: ma.Schema, req: Any, location: str) -> Any:
        errors = _nul_errors(location_data) or {}
        if location == "query":
            fields = schema.fields.items()
            for key in [f.data_key or name for name, f in fields if isinstance(f, ma.fields.Integer)]:
                if not all(INTEGER_ARGUMENT.fullmatch(raw) for raw in req.args.getlist(key)):
                    errors.setdefault(key, [INTEGER_MESSAGE])
        if errors:
            raise ma.ValidationError(errors)
        return location_data


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint, parsing arguments and pagination with Parser."""

    ARGUMENTS_PARSER = Parser()
    PAGINATION_ARGUMENTS_PARSER = Parser()
