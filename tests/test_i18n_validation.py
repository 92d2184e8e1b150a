"""Validation messages say what is allowed, in the reader's language: no pattern is refused with
marshmallow's "String does not match expected pattern.", which names neither the form nor the field."""

import importlib
import pkgutil

import marshmallow as ma
from flask_babel import force_locale
from marshmallow import fields, validate

import marketplace
from marketplace.i18n import translate
from tests.factories import valid_uscc


def marketplace_schemas() -> list[type[ma.Schema]]:
    """Every schema class the app defines (its modules imported, so that each is declared)."""
    for module in pkgutil.walk_packages(marketplace.__path__, "marketplace."):
        importlib.import_module(module.name)
    found, pending = [], [ma.Schema]
    while pending:
        for subclass in pending.pop().__subclasses__():
            pending.append(subclass)
            if subclass.__module__.startswith("marketplace."):
                found.append(subclass)
    return found


def validators(field: fields.Field):
    """The field's validators, and those of the fields inside it (a list's items, a dict's values)."""
    for validator in field.validators:
        yield from validator.validators if isinstance(validator, validate.And) else [validator]
    for inner in (getattr(field, "inner", None), getattr(field, "value_field", None)):
        if inner is not None:
            yield from validators(inner)


def patterns() -> list[tuple[str, validate.Regexp]]:
    return [
        (f"{schema.__module__}.{schema.__name__}.{name}", validator)
        for schema in marketplace_schemas()
        for name, field in schema._declared_fields.items()
        for validator in validators(field)
        if isinstance(validator, validate.Regexp)
    ]


def test_no_pattern_keeps_marshmallows_message_and_each_says_its_form_in_chinese_too(app):
    found = dict(patterns())
    for where in (
        "marketplace.orders.schemas.ShippingAddressSchema.phone",
        "marketplace.suppliers.schemas.SupplierCreateSchema.contact_phone",
        "marketplace.procurement.schemas.InvoiceSchema.invoice_no",
    ):
        assert where in found  # the walk reaches them
    default = [
        where for where, validator in found.items() if validator.error == validate.Regexp.default_message
    ]
    assert not default, f"give these patterns an error= saying what is allowed: {default}"
    with app.test_request_context(), force_locale("zh_CN"):
        unmarked = [
            where for where, validator in found.items() if translate(validator.error) == validator.error
        ]
    assert not unmarked, f"mark these patterns' messages with N_() and translate them: {unmarked}"


def register_supplier(client, headers, phone):
    body = {
        "name": "奉节县脐橙专业合作社",
        "kind": "cooperative",
        "uscc": valid_uscc(),
        "region_code": "500236",
        "linkage_modes": ["wages"],
        "households_linked": 12,
        "contact_name": "李华",
        "contact_phone": phone,
    }
    return client.post("/api/v1/suppliers", json=body, headers=headers)


def test_a_bad_phone_number_is_refused_naming_the_field_and_the_form(client, make_user):
    _user, headers = make_user()
    chinese = register_supplier(client, headers, "call me")
    assert chinese.status_code == 422
    [why] = chinese.get_json()["errors"]["json"]["contact_phone"]
    assert why == "须为电话号码：首位为数字（或 +），其后为 5 到 18 位数字、空格或连字符。"
    english = register_supplier(client, {**headers, "Accept-Language": "en"}, "call me").get_json()
    assert english["errors"]["json"]["contact_phone"] == [
        "Must be a phone number: a digit (or +) first, then 5 to 18 digits, spaces or hyphens."
    ]
