"""Reading purchase-order lines from an uploaded XLSX or CSV file.

The header row names the columns, in English or Chinese (COLUMNS): `quantity` (数量), and
`product_id` (商品编号) or `certificate_no` (证书编号); `product_name` (商品名称) and `note` (备注) may be
given too. Messages about a cell name its column as the file's header writes it. Cells are read
as values and never evaluated: a formula is text, and text is not a quantity. An XLSX file is a zip
archive, so its uncompressed size is checked from the archive's directory before anything is
unpacked (a zip bomb is refused, not inflated).

The work a file can cause is bounded before openpyxl reads it: the workbook's XML elements are
counted from its unzipped bytes (IMPORT_MAX_XML_ELEMENTS), then its XML is streamed once to place
every cell that holds something within IMPORT_MAX_COLUMNS columns and the header plus
IMPORT_MAX_ROWS rows; openpyxl then reads no further than those. The sheet's declared dimension is
never trusted: openpyxl's read-only mode pads every row to it, so `<dimension ref="A1:XFD40000"/>`
alone would make it walk 655 million empty cells.
"""

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol
from xml.etree.ElementTree import ParseError, iterparse

from flask import current_app
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.xml.constants import SHEET_MAIN_NS

from marketplace.errors import DomainError, InvalidField
from marketplace.i18n import _

XLSX_MAGIC = b"PK\x03\x04"
ROW_TAG = f"{{{SHEET_MAIN_NS}}}row"
CELL_TAG = f"{{{SHEET_MAIN_NS}}}c"


class UnsupportedFile(DomainError):
    status = 415
    error_code = "unsupported_file"


class FileTooLarge(DomainError):
    status = 413
    error_code = "file_too_large"

    def __init__(self, message: str):
        super().__init__(message, errors={"files": {"file": [message]}})


def check_size(data: bytes) -> None:
    """413 for a file over IMPORT_MAX_BYTES."""
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        raise FileTooLarge(
            _(
                "The file may be at most %(kib)s KiB.",
                kib=f"{current_app.config['IMPORT_MAX_BYTES'] // 1024:,}",
            )
        )


def read_rows(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[object]]], int]:
    """The header, the (row number, cells) of each data row, and about how many data rows there
    are (for the progress of an import: rows with a cell holding something, or lines of text), from
    XLSX or CSV bytes."""
    check_size(data)
    if data.startswith(XLSX_MAGIC):
        return _xlsx(data)
    return _csv(data)


def _xlsx(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UnsupportedFile(_("The file looks like XLSX but is not a readable workbook.")) from None
    if unzipped > current_app.config["IMPORT_MAX_UNZIPPED_BYTES"]:
        raise FileTooLarge(_("The workbook unpacks to more than the import limit; split it."))
    filled = _bound_workbook(archive)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise UnsupportedFile(_("The workbook cannot be read; save it again as .xlsx or as CSV.")) from None
    sheet = book.worksheets[0]
    rows = sheet.iter_rows(
        max_row=current_app.config["IMPORT_MAX_ROWS"] + 1,
        max_col=current_app.config["IMPORT_MAX_COLUMNS"],
        values_only=True,
    )

    def unreadable() -> UnsupportedFile:
        return UnsupportedFile(_("The workbook cannot be read; save it again as .xlsx or as CSV."))

    try:
        header = next(rows, None) or ()
    except Exception:  # the sheet is parsed only now, and openpyxl raises many kinds
        raise unreadable() from None

    def body():
        try:
            for number, cells in enumerate(rows, start=2):
                if any(cell not in (None, "") for cell in cells):
                    yield number, list(cells)
        except Exception:
            raise unreadable() from None

    estimate = max(filled.get(getattr(sheet, "_worksheet_path", ""), 0) - 1, 0)
    return [str(h or "").strip() for h in header], body(), estimate


def _bound_workbook(archive: zipfile.ZipFile) -> dict[str, int]:
    """Refuse the workbook (413, naming the bound) if it holds more XML elements than an import
    needs, or a cell with content outside the columns and rows an import may use. The elements are
    counted from the raw bytes first (fast: no parsing), so only a workbook within that bound is
    parsed, once, for its cells' places. Answers how many rows with content each part has."""
    config = current_app.config
    max_rows, max_columns = config["IMPORT_MAX_ROWS"] + 1, config["IMPORT_MAX_COLUMNS"]
    last = f"{get_column_letter(max_columns)}{max_rows}"
    _count_elements(archive, config["IMPORT_MAX_XML_ELEMENTS"])
    filled: dict[str, int] = {}
    # Every part, whatever its name: the workbook's relationships, not the names, say which are XML.
    for info in archive.infolist():
        row = 0
        try:
            with archive.open(info) as part:
                for _, element in iterparse(part):
                    if element.tag == ROW_TAG:
                        row = int(element.get("r") or row + 1)
                        if _within(element, row, max_rows, max_columns, last):
                            filled[info.filename] = filled.get(info.filename, 0) + 1
                    if element.tag != CELL_TAG:  # a cell's reference is read with its row
                        element.clear()
        except ParseError:
            continue  # not XML (an image, say); openpyxl refuses it if it needs it as XML
        except ValueError:
            raise UnsupportedFile(
                _("The workbook's cell references cannot be read; save it again.")
            ) from None
    return filled


def _count_elements(archive: zipfile.ZipFile, bound: int) -> None:
    """At most `bound` elements in all the parts: one per opening tag, "<" not followed by "/" (an
    upper bound: a comment counts too), read in chunks as they unzip."""
    elements = 0
    for info in archive.infolist():
        with archive.open(info) as part:
            while chunk := part.read(1 << 20):
                elements += chunk.count(b"<") - chunk.count(b"</")
                if elements > bound:
                    raise FileTooLarge(
                        _(
                            "The workbook holds more than %(bound)s XML elements, more than an import "
                            "needs; save only the lines, or send CSV.",
                            bound=f"{bound:,}",
                        )
                    )


def _within(row_element, row: int, max_rows: int, max_columns: int, last: str) -> bool:
    """Refuse a row whose cells with content lie beyond the last row or column an import may use;
    answer whether it has any."""
    column, filled = 0, False
    for cell in row_element:
        if cell.tag != CELL_TAG:
            continue
        ref = cell.get("r")
        cell_row, column = coordinate_to_tuple(ref) if ref else (row, column + 1)
        filled = filled or bool(len(cell))
        if len(cell) and (cell_row > max_rows or column > max_columns):
            raise FileTooLarge(
                _(
                    "Cell %(cell)s lies outside A1:%(last)s: an import has at most %(columns)s columns "
                    "and %(rows)s rows under its header.",
                    cell=ref or get_column_letter(column) + str(cell_row),
                    last=last,
                    columns=max_columns,
                    rows=f"{max_rows - 1:,}",
                )
            )
    return filled


def _csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnsupportedFile(_("Send XLSX, or CSV in UTF-8 or GB18030."))
    if "\x00" in text:
        raise UnsupportedFile(_("This is not a text file; send XLSX or CSV."))
    # The csv module refuses a field over 131,072 characters with an error that names neither row nor
    # column; no field can be longer than the file, so that limit goes, and parse_lines applies ours.
    csv.field_size_limit(max(csv.field_size_limit(), current_app.config["IMPORT_MAX_BYTES"]))
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None) or []
    except csv.Error:
        raise UnsupportedFile(_("The CSV header row cannot be read.")) from None

    def body():
        try:
            for number, cells in enumerate(reader, start=2):
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as error:
            raise UnsupportedFile(
                _("The CSV cannot be read at line %(line)s: %(error)s.", line=reader.line_num, error=error)
            ) from None

    return [h.strip() for h in header], body(), max(len(text.splitlines()) - 1, 0)


# The columns an import reads, and what a header may call each (matched trimmed and case-folded):
# the API's English name, or the Chinese a canteen writes. The product is named by its id or by its
# certificate; its name is checked against the product when given; a note stays in the purchaser's file.
COLUMNS = {
    "product_id": ("product_id", "商品编号"),
    "certificate_no": ("certificate_no", "证书编号"),
    "product_name": ("product_name", "商品名称"),
    "quantity": ("quantity", "数量"),
    "note": ("note", "备注"),
}
HEADER_NAMES = {name.casefold(): column for column, names in COLUMNS.items() for name in names}
# Longer header cells are cut short in the messages that quote them.
QUOTED = 40


@dataclass(frozen=True)
class Row:
    number: int
    key: object
    quantity: object
    name: object


@dataclass(frozen=True)
class Lines:
    """The rows of a file, the column naming their product ("product_id" or "certificate_no"), and
    each column's header as the file writes it, for the messages about its cells."""

    rows: list[Row]
    key: str
    headers: dict[str, str]


def accepted_headers() -> str:
    return ", ".join(" / ".join(reversed(names)) for names in COLUMNS.values())


def _columns(header: list[str]) -> dict[str, int]:
    """Where each known column is; a header cell naming no column, or one named twice, is a 422."""
    at: dict[str, int] = {}
    for index, text in enumerate(header):
        if not text:
            continue  # a column without a header is not read
        column = HEADER_NAMES.get(text.casefold())
        if column is None:
            raise InvalidField(
                "file",
                _(
                    'Column "%(header)s" is not one an import reads; the header row may name: %(accepted)s.',
                    header=text[:QUOTED],
                    accepted=accepted_headers(),
                ),
                location="files",
            )
        if column in at:
            raise InvalidField(
                "file",
                _(
                    'Columns "%(first)s" and "%(second)s" are the same column; keep one.',
                    first=header[at[column]][:QUOTED],
                    second=text[:QUOTED],
                ),
                location="files",
            )
        at[column] = index
    return at


class Progress(Protocol):
    """What hears an import's progress: rows read of about how many, then all read, then the lines
    written (in the transaction that writes them)."""

    def rows_read(self, done: int, total: int) -> None: ...

    def all_read(self, total: int) -> None: ...

    def finished(self, lines: int) -> None: ...


def parse_lines(data: bytes, progress: Progress | None = None) -> Lines:
    """Every row's product, quantity and name, read by the header row; bad headers are a 422 naming
    the file. `progress` hears every IMPORT_PROGRESS_ROWS rows read."""
    header, rows, estimate = read_rows(data)
    config = current_app.config
    limit, max_columns, max_chars, every = (
        config["IMPORT_MAX_ROWS"],
        config["IMPORT_MAX_COLUMNS"],
        config["IMPORT_MAX_CELL_CHARS"],
        config["IMPORT_PROGRESS_ROWS"],
    )
    if len(header) > max_columns:
        raise FileTooLarge(
            _(
                "The header row has %(count)s columns; an import has at most %(max)s.",
                count=len(header),
                max=max_columns,
            )
        )
    at = _columns(header)
    key = "product_id" if "product_id" in at else "certificate_no" if "certificate_no" in at else None
    if key is None or "quantity" not in at:
        raise InvalidField(
            "file",
            _(
                "The header row must name the quantity (数量 / quantity) and the product (商品编号 / "
                "product_id, or 证书编号 / certificate_no); it has %(headers)s.",
                headers=", ".join(h[:QUOTED] for h in header if h) or _("nothing"),
            ),
            location="files",
        )
    parsed: list[Row] = []
    too_long: dict[str, dict[str, list[str]]] = {}
    for number, cells in rows:
        if len(parsed) >= limit:
            raise FileTooLarge(_("At most %(limit)s rows per import.", limit=f"{limit:,}"))
        if len(cells) > max_columns:
            raise FileTooLarge(
                _(
                    "Row %(row)s has %(count)s cells; an import has at most %(max)s.",
                    row=number,
                    count=len(cells),
                    max=max_columns,
                )
            )
        for index, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > max_chars:
                column = (
                    header[index] if index < len(header) and header[index] else get_column_letter(index + 1)
                )
                too_long.setdefault(str(number), {})[column] = [
                    _(
                        "%(length)s characters; a cell holds at most %(max)s.",
                        length=f"{len(cell):,}",
                        max=f"{max_chars:,}",
                    )
                ]
        parsed.append(
            Row(
                number,
                _cell(cells, at[key]),
                _cell(cells, at["quantity"]),
                _cell(cells, at["product_name"]) if "product_name" in at else None,
            )
        )
        if progress is not None and len(parsed) % every == 0:
            progress.rows_read(len(parsed), max(estimate, len(parsed)))
    if progress is not None:
        progress.all_read(len(parsed))
    if too_long:
        raise InvalidField.rows(
            _("Rows with cells too long to be a line: %(count)s; nothing was changed.", count=len(too_long)),
            too_long,
        )
    return Lines(parsed, key, {column: header[index] for column, index in at.items()})


def _cell(cells: list[object], index: int) -> object:
    return cells[index] if index < len(cells) else None
