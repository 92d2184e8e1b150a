"""Products, their categories, images, traceability batches and search terms."""

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    and_,
    case,
    func,
    select,
)
from sqlalchemy.ext.hybrid import hybrid_method, hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from marketplace.extensions import Model
from marketplace.regions.models import Region
from marketplace.suppliers.models import Supplier, SupplierStatus


class Category(Model):
    """Reference data, inserted by migration 0003; codes nest with dots (fruit, fruit.citrus)."""

    __tablename__ = "categories"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    parent_code: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))


class Product(Model):
    __tablename__ = "products"
    __table_args__ = (
        CheckConstraint("price_fen > 0", name="price_positive"),
        CheckConstraint("stock >= 0", name="stock_not_negative"),
        CheckConstraint(
            "expected_harvest_quantity IS NULL OR expected_harvest_quantity >= 0", name="harvest_not_negative"
        ),
        Index("ix_products_listing", "category_code", "created_at"),
        Index("ix_products_price", "category_code", "price_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("suppliers.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    category_code: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    unit: Mapped[str] = mapped_column(String(20))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    # Net weight of one unit, for targets set in tonnes; None where a unit has no fixed weight.
    net_weight_g: Mapped[int | None] = mapped_column(BigInteger)
    stock: Mapped[int] = mapped_column(BigInteger, default=0)
    origin_region_code: Mapped[str] = mapped_column(ForeignKey("regions.code"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    is_active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")
    expected_harvest_quantity: Mapped[int | None] = mapped_column(BigInteger)
    expected_harvest_on: Mapped[date | None] = mapped_column(Date)
    # The certificate in force, kept in step by the certification services.
    certificate_no: Mapped[str | None] = mapped_column(String(40))
    certified_until: Mapped[date | None] = mapped_column(Date, index=True)
    created_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=func.now()
    )

    supplier: Mapped[Supplier] = relationship(lazy="joined")
    origin: Mapped[Region] = relationship(lazy="joined")
    category: Mapped[Category] = relationship(lazy="joined")
    images: Mapped[list["ProductImage"]] = relationship(
        lazy="selectin", order_by="ProductImage.id", cascade="all, delete-orphan"
    )

    @hybrid_property
    def is_listed(self) -> bool:
        """On the public catalog: active, and its supplier verified."""
        return self.is_active and self.supplier.is_selling

    @is_listed.inplace.expression
    @classmethod
    def _is_listed_sql(cls) -> ColumnElement[bool]:
        verified = select(Supplier.id).where(Supplier.status == SupplierStatus.VERIFIED)
        return and_(cls.is_active.is_(True), cls.supplier_id.in_(verified))

    def certified_on(self, day: date) -> bool:
        return self.certified_until is not None and day < self.certified_until

    @hybrid_method
    def certificate_on(self, day: date) -> str | None:
        """The certificate a sale on `day` counts under, if it holds one valid that day."""
        return self.certificate_no if self.certified_on(day) else None

    # hybrid_method is typed as the plain method, without its .inplace: the expression is still set.
    @certificate_on.inplace.expression  # type: ignore[attr-defined]
    @classmethod
    def _certificate_on_sql(cls, day: date) -> ColumnElement[str | None]:
        return case((cls.certified_until > day, cls.certificate_no), else_=None)


class ProductImage(Model):
    __tablename__ = "product_images"

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)
    # Made with the image at upload; None for images uploaded before thumbnails were (migration 0025).
    thumbnail_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class TraceBatch(Model):
    """A traceability batch (质量溯源): what was produced when, tested how."""

    __tablename__ = "trace_batches"
    __table_args__ = (UniqueConstraint("product_id", "batch_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id", ondelete="CASCADE"), index=True)
    batch_code: Mapped[str] = mapped_column(String(60))
    produced_on: Mapped[date] = mapped_column(Date)
    quantity: Mapped[int | None] = mapped_column(BigInteger)
    test_report_ref: Mapped[str | None] = mapped_column(String(200))
    # 承诺达标合格证: the producer's compliance certificate accompanies the batch.
    has_compliance_certificate: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class ProductSearchTerm(Model):
    """Character unigrams and bigrams of a product's name: a Chinese n-gram index.

    Chinese has no spaces and most searches are two characters (脐橙, 腊肉), which
    trigram indexes cannot serve; an exact-match index on these terms can, on
    PostgreSQL and SQLite alike.
    """

    __tablename__ = "product_search_terms"

    term: Mapped[str] = mapped_column(String(8), primary_key=True)
    product_id: Mapped[int] = mapped_column(
        ForeignKey("products.id", ondelete="CASCADE"), primary_key=True, index=True
    )
