"""Permission checks every domain's services call."""

from typing import Any

from sqlalchemy import ColumnElement, or_

from marketplace.accounts.models import User
from marketplace.errors import Conflict, Forbidden
from marketplace.extensions import db
from marketplace.i18n import N_, _, translate
from marketplace.regions.models import Region
from marketplace.regions.services import is_within, within


class EmailNotVerified(Forbidden):
    error_code = "email_not_verified"
    message = N_("Verify your email address first (POST /api/v1/auth/verify-email/resend sends the link).")


class AccountNotVerified(Conflict):
    error_code = "email_not_verified"
    message = N_("This account has not verified its email address: it may not be its owner's.")


def require_verified(user: User) -> None:
    """The caller proved they own their address: what is granted by email may reach them."""
    if not user.is_email_verified:
        raise EmailNotVerified()


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden(_("Only an admin may do this."))


# What the domains call officers-and-admins reads (`what` below), in the reader's language.
OFFICER_READS = [N_("Alerts"), N_("Quota standings"), N_("Tallies"), N_("Targets")]


def require_officer_or_admin(user: User, what: str) -> None:
    """Region officers (of any region) and admins only: `what` names the thing, "Alerts"."""
    if not user.is_admin and not user.officer_region_codes:
        raise Forbidden(_("%(what)s are for officers and admins.", what=translate(what)))


def officiates(user: User, region_code: str) -> bool:
    """Whether the user is an admin or an officer of this region or one above it."""
    return user.is_admin or any(is_within(region_code, own) for own in user.officer_region_codes)


def officer_scope(user: User, what: str) -> list[Region] | None:
    """What an officers-and-admins read may cover: None for an admin (everything), else the
    officer's regions, each with everything under it. Anyone else is refused (`what` as above)."""
    require_officer_or_admin(user, what)
    if user.is_admin:
        return None
    return [db.session.get_one(Region, code) for code in user.officer_region_codes]


def in_scope(scope: list[Region] | None, *region_codes: str | None) -> bool:
    """Whether a thing with these sides (its origin, its buyer; None: no side there) is in the
    scope: one of its sides lies within one of the scope's regions."""
    return scope is None or any(
        code is not None and is_within(code, region.code) for code in region_codes for region in scope
    )


def scope_condition(scope: list[Region], *columns: Any) -> ColumnElement[bool]:
    """`in_scope` as SQL over the region-code columns of a thing's sides."""
    return or_(*(within(column, region) for column in columns for region in scope))
