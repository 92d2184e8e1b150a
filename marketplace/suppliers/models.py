"""Suppliers (cooperatives, enterprises, family farms, assistance workshops) and their members."""

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model, one_of
from marketplace.i18n import N_
from marketplace.regions.models import Region


class SupplierKind(StrEnum):
    ENTERPRISE = "enterprise"
    COOPERATIVE = "cooperative"
    FAMILY_FARM = "family_farm"
    ASSISTANCE_WORKSHOP = "assistance_workshop"


LINKAGE_MODES = (
    "wages",  # 务工就业
    "land_or_asset_shares",  # 土地、资产入股
    "guaranteed_price_buying",  # 保底收购
    "processing",  # 加工带动
    "technical_help",  # 技术帮扶
    "other",
)


class SupplierStatus(StrEnum):
    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"
    SUSPENDED = "suspended"
    BLACKLISTED = "blacklisted"


# Each status's and review action's name as messages show it (translated when shown).
STATUS_NAMES = {
    SupplierStatus.PENDING: N_("pending review"),
    SupplierStatus.VERIFIED: N_("verified"),
    SupplierStatus.REJECTED: N_("rejected"),
    SupplierStatus.SUSPENDED: N_("suspended"),
    SupplierStatus.BLACKLISTED: N_("blacklisted"),
}
ACTION_NAMES = {
    "approve": N_("approve"),
    "reject": N_("reject"),
    "suspend": N_("suspend"),
    "reinstate": N_("reinstate"),
    "blacklist": N_("blacklist"),
    "resubmit": N_("resubmit"),
}


class Supplier(Model):
    __tablename__ = "suppliers"
    __table_args__ = (
        one_of("kind", SupplierKind),
        one_of("status", SupplierStatus),
        CheckConstraint("households_linked >= 0", name="households_linked"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(30))
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    linkage_modes: Mapped[list[str]] = mapped_column(JSON, default=list)
    households_linked: Mapped[int] = mapped_column(BigInteger, default=0)
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=SupplierStatus.PENDING, index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    region: Mapped[Region] = relationship(lazy="joined", viewonly=True)
    members: Mapped[list["SupplierMember"]] = relationship(
        back_populates="supplier", cascade="all, delete-orphan"
    )

    @property
    def is_selling(self) -> bool:
        """Only a verified supplier's products are on sale."""
        return self.status == SupplierStatus.VERIFIED

    @property
    def member_user_ids(self) -> set[int]:
        return {m.user_id for m in self.members}


class SupplierMember(Model):
    __tablename__ = "supplier_members"
    __table_args__ = (UniqueConstraint("supplier_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    supplier: Mapped[Supplier] = relationship(back_populates="members")
