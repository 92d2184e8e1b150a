"""Permission checks every domain's services call."""

from marketplace.accounts.models import User
from marketplace.errors import Conflict, Forbidden
from marketplace.regions.services import is_within


class EmailNotVerified(Forbidden):
    error_code = "email_not_verified"
    message = "Verify your email address first (POST /api/v1/auth/verify-email/resend sends the link)."


class AccountNotVerified(Conflict):
    error_code = "email_not_verified"
    message = "This account has not verified its email address: it may not be its owner's."


def require_verified(user: User) -> None:
    """The caller proved they own their address: what is granted by email may reach them."""
    if not user.is_email_verified:
        raise EmailNotVerified()


def require_admin(user: User) -> None:
    if not user.is_admin:
        raise Forbidden("Only an admin may do this.")


def require_officer_or_admin(user: User, what: str) -> None:
    """Region officers (of any region) and admins only: `what` names the thing, "Alerts"."""
    if not user.is_admin and not user.officer_region_codes:
        raise Forbidden(f"{what} are for officers and admins.")


def officiates(user: User, region_code: str) -> bool:
    """Whether the user is an admin or an officer of this region or one above it."""
    return user.is_admin or any(is_within(region_code, own) for own in user.officer_region_codes)
