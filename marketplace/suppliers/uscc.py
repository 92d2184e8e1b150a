"""The unified social credit code (统一社会信用代码), GB 32100-2015.

18 characters from a 31-character set (no I, O, S, V, Z). Position 1 is the
registering authority, 2 the entity type, 3-8 the division code, 9-17 the
organisation code, and 18 a check character over the first 17.
"""

from marketplace.i18n import _

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def check_character(first17: str) -> str:
    total = sum(CHARSET.index(ch) * w for ch, w in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def problem(code: str) -> str | None:
    """Why `code` is not a valid credit code, or None if it is."""
    if len(code) != 18:
        return _("Must be 18 characters, not %(length)s.", length=len(code))
    bad = sorted({ch for ch in code if ch not in CHARSET})
    if bad:
        return _("Contains characters outside the code set: %(characters)s.", characters="".join(bad))
    if not code[2:8].isdigit():
        return _("Characters 3 to 8 must be a division code (digits).")
    if check_character(code[:17]) != code[17]:
        return _("The check character (the 18th) does not match: the code is mistyped.")
    return None
