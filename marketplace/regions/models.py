"""The administrative division tree and the East-West pairings over it."""

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.extensions import Model

LEVELS = ("province", "city", "county", "town")
PAIRING_ROLES = ("lead", "assisting")


class Region(Model):
    __tablename__ = "regions"
    __table_args__ = (
        CheckConstraint("level IN ('province', 'city', 'county', 'town')", name="level"),
        Index("ix_regions_parent_code_name", "parent_code", "name"),
    )

    code: Mapped[str] = mapped_column(String(9), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(10), index=True)
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("regions.code"))
    # Ancestors, self included, so "X and everything under it" is one equality.
    province_code: Mapped[str] = mapped_column(String(9), index=True)
    city_code: Mapped[str | None] = mapped_column(String(9), index=True)
    county_code: Mapped[str | None] = mapped_column(String(9), index=True)
    national_key_county: Mapped[bool] = mapped_column(default=False, server_default="0")
    deep_poverty: Mapped[bool] = mapped_column(default=False, server_default="0")
    exited_year: Mapped[int | None]

    @property
    def ancestor_codes(self) -> list[str]:
        """This region's code and its ancestors', widest first."""
        chain = [self.province_code, self.city_code, self.county_code, self.code]
        return list(dict.fromkeys(c for c in chain if c))


class Pairing(Model):
    __tablename__ = "pairings"
    __table_args__ = (
        UniqueConstraint("helper_region_code", "assisted_region_code"),
        CheckConstraint("role IN ('lead', 'assisting')", name="role"),
        CheckConstraint("helper_region_code <> assisted_region_code", name="distinct_regions"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    helper_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    assisted_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    role: Mapped[str] = mapped_column(String(10))
    since: Mapped[int]
    source: Mapped[str] = mapped_column(String(200))

    helper: Mapped[Region] = relationship(foreign_keys=[helper_region_code], lazy="joined")
    assisted: Mapped[Region] = relationship(foreign_keys=[assisted_region_code], lazy="joined")

    @property
    def level(self) -> str:
        """The tier the pairing works at: the helper's level (a province helps, a town helps)."""
        return self.helper.level


class ReferenceVersion(Model):
    """One row: a number the database itself raises (migration 0019's triggers) whenever regions,
    pairings or categories change, by any writer (the seed loader, a migration, psql). Answers made
    from that data are kept under it (marketplace.cache.Prepared), so a change is seen at once."""

    __tablename__ = "reference_version"
    __table_args__ = (CheckConstraint("id = 1", name="one_row"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=0, server_default="0")
