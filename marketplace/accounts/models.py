"""Users and the roles granted to them.

Every user is a buyer. Admin and region officer are granted (an officer for
one region and everything under it); supplier and agency memberships live
with the supplier and agency domains.
"""

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Index, String, func, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model

GRANTABLE_ROLES = ("admin", "region_officer")


def normalize_email(email: str) -> str:
    return email.strip().lower()


class User(Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(100))
    is_active: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Bumped on a password change so that every token issued before it dies.
    token_version: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set when the owner of the address proved it (a mailed link, or a password reset by mail).
    # Roles and memberships granted by email reach verified owners only.
    email_verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The language the user chose ("zh-CN", "en"); None follows their browser's Accept-Language.
    # Mails to them are written in it too.
    locale: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    role_grants: Mapped[list["RoleGrant"]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin", foreign_keys="RoleGrant.user_id"
    )

    def has_role(self, role: str) -> bool:
        return any(g.role == role for g in self.role_grants)

    @property
    def is_email_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_admin(self) -> bool:
        return self.has_role("admin")

    @property
    def officer_region_codes(self) -> list[str]:
        return [g.region_code for g in self.role_grants if g.role == "region_officer" and g.region_code]


class RoleGrant(Model):
    __tablename__ = "role_grants"
    __table_args__ = (
        CheckConstraint("role IN ('admin', 'region_officer')", name="role"),
        CheckConstraint("role <> 'region_officer' OR region_code IS NOT NULL", name="officer_has_region"),
        # One admin grant per user (region_code NULL), one officer grant per region.
        Index(
            "uq_role_grants_user_role_region",
            "user_id",
            "role",
            text("coalesce(region_code, '')"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    region_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class SignInAddress(Model):
    """An address a user signed in from lately. The per-account sign-in limit spares these, so a
    guesser elsewhere cannot lock the owner out; the address itself is kept only as a keyed digest."""

    __tablename__ = "sign_in_addresses"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    address_digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_signed_in_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


MAX_ADDRESSES = 20


class Address(Model):
    """A shipping address in a buyer's address book; exactly one of a user's is their default."""

    __tablename__ = "addresses"
    __table_args__ = (
        Index(
            "uq_addresses_user_default",
            "user_id",
            unique=True,
            postgresql_where=text("is_default"),
            sqlite_where=text("is_default"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"))
    detail: Mapped[str] = mapped_column(String(200))
    recipient: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    is_default: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
