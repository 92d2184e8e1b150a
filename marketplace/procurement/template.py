"""The workbook a canteen fills in to import a purchase order's lines: a sheet of lines with its
headers in the reader's language, an example row and a drop-down of the products the agency may
buy (those on sale: active, from a verified supplier), a sheet of instructions, and the products'
list the drop-down reads. Filled in and uploaded as it is, it imports (imports.parse_lines reads its
first sheet, and every sheet keeps within the import's bounds)."""

import io

from flask import current_app
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import lazyload

from marketplace.accounts.models import User
from marketplace.agencies.models import Agency
from marketplace.catalog.models import Product
from marketplace.extensions import db
from marketplace.i18n import _, format_day, locale_tag, yuan
from marketplace.procurement import imports
from marketplace.procurement.services import MAX_LINE_QUANTITY, order_for_import
from marketplace.suppliers.models import Supplier, SupplierStatus
from marketplace.timeutil import china_today

# The drop-down lists at most this many products (a workbook of more would outgrow what an import
# reads); beyond it, Excel warns about an id not in the list but accepts it, and the import decides.
MAX_LISTED = 5_000
EXAMPLE_QUANTITY = 10
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
# The lines sheet's columns, in order.
COLUMNS = ("product_id", "product_name", "quantity", "note")


def usable_products(limit: int) -> list[Product]:
    """What an agency may put on an order: products on sale (active, their supplier verified), by id."""
    stmt = (
        select(Product)
        .join(Supplier, Supplier.id == Product.supplier_id)
        .where(Product.is_active.is_(True), Supplier.status == SupplierStatus.VERIFIED)
        .options(lazyload(Product.origin), lazyload(Product.category), lazyload(Product.images))
        .order_by(Product.id)
        .limit(limit)
    )
    return list(db.session.scalars(stmt))


def header(column: str) -> str:
    """A column's header in the reader's language: 商品编号, or product_id."""
    english, chinese = imports.COLUMNS[column]
    return chinese if locale_tag() == "zh-CN" else english


def _text(sheet: Worksheet, row: int, column: int, value: str) -> None:
    """A cell that holds text as it is: a name starting with "=" is not a formula."""
    cell = sheet.cell(row, column, value)
    cell.data_type = "s"


def _headers(sheet: Worksheet, headers: list[str], widths: list[int]) -> None:
    for column, (text, width) in enumerate(zip(headers, widths, strict=True), start=1):
        _text(sheet, 1, column, text)
        cell = sheet.cell(1, column)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "A2"


def lines_template(actor: User, order_id: int) -> bytes:
    """The template for importing the order's lines, for whoever may import them."""
    order = order_for_import(actor, order_id)
    products = usable_products(MAX_LISTED + 1)
    complete = len(products) <= MAX_LISTED
    products = products[:MAX_LISTED]
    max_rows = current_app.config["IMPORT_MAX_ROWS"]

    book = Workbook()
    lines = book.active
    assert isinstance(lines, Worksheet), "a new workbook opens on a worksheet"
    lines.title = _("Lines")
    guide: Worksheet = book.create_sheet(_("Instructions"))
    catalog: Worksheet = book.create_sheet(_("Products"))
    _headers(lines, [header(c) for c in COLUMNS], [14, 40, 12, 40])
    if products:
        example = products[0]
        lines.cell(2, 1, example.id)
        _text(lines, 2, 2, example.name)
        lines.cell(2, 3, EXAMPLE_QUANTITY)
        _text(lines, 2, 4, _("Example: change it to what you need, or delete this row."))

    _headers(
        catalog,
        [
            header("product_id"),
            header("product_name"),
            _("Supplier"),
            _("Unit price"),
            header("certificate_no"),
            _("In stock"),
        ],
        [14, 40, 36, 16, 26, 12],
    )
    for row, product in enumerate(products, start=2):
        catalog.cell(row, 1, product.id)
        _text(catalog, row, 2, product.name)
        _text(catalog, row, 3, product.supplier.name)
        _text(catalog, row, 4, yuan(product.price_fen))
        _text(catalog, row, 5, product.certificate_no or "")
        catalog.cell(row, 6, product.stock)
    if products:
        catalog.auto_filter.ref = f"A1:F{len(products) + 1}"
        choice = DataValidation(
            type="list",
            formula1=f"'{catalog.title}'!$A$2:$A${len(products) + 1}",
            allow_blank=True,
            showErrorMessage=True,
            errorStyle="stop" if complete else "warning",
            errorTitle=_("Not a product on sale"),
            error=_(
                "Choose a %(column)s from the list (the sheet %(sheet)s).",
                column=header("product_id"),
                sheet=catalog.title,
            ),
            showInputMessage=True,
            promptTitle=header("product_id"),
            prompt=_("Choose the product from the list."),
        )
        choice.add(f"A2:A{max_rows + 1}")
        lines.add_data_validation(choice)
    quantity = DataValidation(
        type="whole",
        operator="between",
        formula1="1",
        formula2=str(MAX_LINE_QUANTITY),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle=_("Not a quantity"),
        error=_("A whole number from 1 to %(max)s.", max=f"{MAX_LINE_QUANTITY:,}"),
    )
    quantity.add(f"C2:C{max_rows + 1}")
    lines.add_data_validation(quantity)

    agency = db.session.get_one(Agency, order.agency_id)
    steps = _instructions(len(products), complete, lines.title, catalog.title, max_rows)
    _text(
        guide,
        1,
        1,
        _("Importing the lines of purchase order %(id)s (%(agency)s)", id=order.id, agency=agency.name),
    )
    guide.cell(1, 1).font = Font(bold=True, size=14)
    for row, step in enumerate(steps, start=3):
        _text(guide, row, 1, step)
        guide.cell(row, 1).alignment = Alignment(wrap_text=True, vertical="top")
    guide.column_dimensions["A"].width = 100
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _instructions(count: int, complete: bool, lines: str, catalog: str, max_rows: int) -> list[str]:
    columns = {c: header(c) for c in (*COLUMNS, "certificate_no")}
    steps = [
        _(
            "1. On the sheet %(lines)s, write one product per row: its %(product)s (choose it from the "
            "drop-down, or look it up on the sheet %(catalog)s) and the %(quantity)s, a whole number "
            "from 1 to %(max)s.",
            lines=lines,
            catalog=catalog,
            product=columns["product_id"],
            quantity=columns["quantity"],
            max=f"{MAX_LINE_QUANTITY:,}",
        ),
        _(
            "2. The %(name)s may be left empty. If you write it, it must be the product's name or a "
            "part of it: a row whose name does not match its %(product)s is not imported.",
            name=columns["product_name"],
            product=columns["product_id"],
        ),
        _("3. The %(note)s column is for your own records; it is not imported.", note=columns["note"]),
        _("4. Row 2 is an example: change it to what you need, or delete it."),
        _("5. Rows naming the same product are added up."),
        _(
            "6. The import replaces all the lines of the draft. If any row is wrong, nothing is "
            "imported, and the answer lists each wrong row by its number and column."
        ),
        _(
            "7. Headers may be written in Chinese or in English: %(accepted)s. A product may be named "
            "by its %(certificate)s instead of its %(product)s.",
            accepted=imports.accepted_headers(),
            certificate=columns["certificate_no"],
            product=columns["product_id"],
        ),
        _(
            "8. At most %(rows)s rows. Save as .xlsx, or as CSV in UTF-8 or GB18030, and upload it.",
            rows=f"{max_rows:,}",
        ),
        _(
            "9. The sheet %(catalog)s lists the %(count)s products on sale on %(day)s; each line is "
            "priced as its product is on the day of the import.",
            catalog=catalog,
            count=f"{count:,}",
            day=format_day(china_today()),
        ),
    ]
    if not complete:
        steps.append(
            _(
                "10. Only the first %(count)s products on sale are listed; any other product on sale "
                "may be named too.",
                count=f"{count:,}",
            )
        )
    return steps
