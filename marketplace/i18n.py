"""What people read, in their language: zh-CN by default, English on request.

The locale of a request is the caller's saved preference, else the best of their Accept-Language,
else zh-CN. Tasks, mails and the CLI choose theirs with `force_locale` (a mail speaks its
recipient's language, not the sender's).

Messages are English in the code and marked for extraction: `_()` where the text is made in the
reader's context (a domain error, a mail being rendered), `N_()` where it is only defined there and
translated when shown (a schema's validation message, which marshmallow formats before any reader
is known: `translate` finds the template it came from and formats the translation instead).

Money is integer fen to the end: `yuan` and `wan_yuan` format Decimals made from it, never floats.
"""

import os
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal
from flask import Flask, has_request_context, request, request_started
from flask_babel import Babel, force_locale, get_locale, gettext, lazy_gettext, ngettext, refresh
from flask_babel import format_date as _format_date
from flask_babel import format_datetime as _format_datetime

__all__ = [
    "LOCALES",
    "N_",
    "_",
    "force_locale",
    "format_day",
    "format_instant",
    "gettext",
    "lazy_gettext",
    "locale_tag",
    "name_of",
    "names_of",
    "ngettext",
    "terminal_locale",
    "translate",
    "wan_yuan",
    "yuan",
]

_ = gettext

# API tags (BCP 47, as Accept-Language and a user's preference write them) and Babel's names.
LOCALES = {"zh-CN": "zh_CN", "en": "en"}
DEFAULT_LOCALE = "zh_CN"
TIMEZONE = "Asia/Shanghai"

babel = Babel()
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
# Formatted messages' templates, and how to find one in a message it made.
_templates: dict[str, re.Pattern[str]] = {}
# Set by the accounts domain: the caller's saved locale tag, or None (anonymous, or no preference).
_preference: Callable[[], str | None] | None = None


def N_(message: str) -> str:  # noqa: N802 - the name gettext tools look for
    """Marks a message for the catalog where it is defined; `translate` translates it when shown,
    even after marshmallow filled in its {placeholders}."""
    if _PLACEHOLDER.search(message):
        parts = _PLACEHOLDER.split(message)
        pattern = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
        _templates[message] = re.compile(f"^{pattern}$", re.DOTALL)
    return message


def name_of(names: Mapping[Any, str], code: str) -> str:
    """A status, level or action code's name in the reader's language (the code itself if unnamed)."""
    return gettext(names[code]) if code in names else code


def names_of(names: Mapping[Any, str], codes: Iterable[str]) -> str:
    """Several codes' names, as a list in the reader's language ("draft, submitted"; "草稿、已提交")."""
    return gettext(", ").join(name_of(names, code) for code in codes)


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LOCALE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", TIMEZONE)
    babel.init_app(app, locale_selector=select_locale)
    # Flask-Babel keeps the locale on `g`, which an app context pushed around several requests (a
    # test's, a task's) shares: every request chooses afresh.
    request_started.connect(_choose_afresh, app, weak=False)


def _choose_afresh(_sender: Flask, **_extra: Any) -> None:
    refresh()


def saved_preference(loader: Callable[[], str | None]) -> None:
    """Registers how the caller's saved locale is found (a higher domain knows the caller)."""
    global _preference
    _preference = loader


def select_locale() -> str:
    if not has_request_context():
        return DEFAULT_LOCALE
    if _preference is not None:
        try:
            saved = _preference()
        except Exception:
            saved = None  # a bad token is answered 401, in the header's language
        if saved in LOCALES:
            return LOCALES[saved]
    best = request.accept_languages.best_match(list(LOCALES.values()))
    return best or DEFAULT_LOCALE


def terminal_locale() -> str:
    """The CLI's locale: the terminal's language if it is English (LC_ALL, LC_MESSAGES, LANG as
    gettext reads them), Chinese otherwise, the C and POSIX locales of servers included."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        if value := os.environ.get(variable):
            return "en" if value.lower().startswith("en") else DEFAULT_LOCALE
    return DEFAULT_LOCALE


def locale_tag() -> str:
    """The reader's locale as the API writes it: "zh-CN" or "en"."""
    return "en" if _locale().language == "en" else "zh-CN"


def _locale() -> Locale:
    return get_locale() or Locale.parse(DEFAULT_LOCALE)


def _decimal(fen: int) -> Decimal:
    if isinstance(fen, bool) or not isinstance(fen, int):
        raise TypeError(f"an amount is whole fen, not {type(fen).__name__}")
    return Decimal(fen).scaleb(-2)


def yuan(fen: int) -> str:
    """An amount as a reader writes it: ¥19,157,168.90 (or CN¥ in English)."""
    return format_currency(_decimal(fen), "CNY", locale=_locale())


WAN = Decimal(10_000)
YI = Decimal(100_000_000)
CENT = Decimal("0.01")


def wan_yuan(fen: int) -> str:
    """A large amount as officials write it: 1,915.72 万元, 3.20 亿元 (below ¥10,000, in yuan). English
    readers get the full amount: "万元" has no English word, and the digits are what they compare."""
    if _locale().language != "zh":
        return yuan(fen)
    amount = _decimal(fen)
    for unit, name in ((YI, "亿元"), (WAN, "万元")):
        if abs(amount) >= unit:
            figure = (amount / unit).quantize(CENT, rounding=ROUND_HALF_UP)
            return f"{format_decimal(figure, format='#,##0.00', locale=_locale())} {name}"
    return f"{format_decimal(amount, format='#,##0.00', locale=_locale())} 元"


def format_day(day: date) -> str:
    """A calendar day in the reader's words: 2026年12月1日 / Dec 1, 2026."""
    return _format_date(day, format="medium")


def format_instant(moment: datetime) -> str:
    """An instant as a clock in China shows it: 2026年12月1日 08:30 / Dec 1, 2026, 8:30 AM."""
    return _format_datetime(moment, format="medium")


# marshmallow's and webargs' own messages, formatted before anyone reads them; the placeholders are
# the ones marshmallow fills in ("Range" writes its comparisons out, hence the spelled-out forms).
LIBRARY_MESSAGES = [
    N_("Missing data for required field."),
    N_("Field may not be null."),
    N_("Unknown field."),
    N_("Invalid input type."),
    N_("Invalid input."),
    N_("Invalid type."),
    N_("Invalid value."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid datetime."),
    N_("Not a valid aware datetime."),
    N_("Not a valid email address."),
    N_("Not a valid URL."),
    N_("Not a valid list."),
    N_("Not a valid mapping type."),
    N_("Not a valid utf-8 string."),
    N_("Number too large."),
    N_("Special numeric values (nan or infinity) are not permitted."),
    N_("Length must be between {min} and {max}."),
    N_("Length must be {equal}."),
    N_("Shorter than minimum length {min}."),
    N_("Longer than maximum length {max}."),
    N_("Must be one of: {choices}."),
    N_("Must be greater than or equal to {min} and less than or equal to {max}."),
    N_("Must be greater than {min} and less than {max}."),
    N_("Must be greater than or equal to {min}."),
    N_("Must be greater than {min}."),
    N_("Must be less than or equal to {max}."),
    N_("Must be less than {max}."),
    N_("Must be equal to {other}."),
    N_("One or more of the choices you made was not in: {choices}."),
]


def translate(message: Any) -> Any:
    """A message made by marshmallow or a schema, in the reader's language; other values as they are.
    What a template's placeholders were filled with is translated too (a reason inside a reason)."""
    if not isinstance(message, str):
        return message
    translated = gettext(message)
    if translated != message or not _templates:
        return translated
    for source, pattern in _templates.items():
        if match := pattern.match(message):
            values = {name: translate(value) for name, value in match.groupdict().items()}
            return gettext(source).format(**values)
    return message


def translate_all(errors: Any) -> Any:
    """webargs' nested {location: {field: [message]}} with every message translated."""
    if isinstance(errors, dict):
        return {key: translate_all(value) for key, value in errors.items()}
    if isinstance(errors, list | tuple):
        return [translate_all(value) for value in errors]
    return translate(errors)
