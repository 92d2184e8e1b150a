"""Reading purchase-order lines from an uploaded XLSX or CSV file.

The header row names the columns: `quantity`, and `product_id` or `certificate_no`. Cells are read
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
from xml.etree.ElementTree import ParseError, iterparse

from flask import current_app
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple, get_column_letter
from openpyxl.xml.constants import SHEET_MAIN_NS

from marketplace.errors import DomainError, InvalidField

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


def read_rows(data: bytes) -> tuple[list[str], Iterator[tuple[int, list[object]]]]:
    """The header and the (row number, cells) of each data row, from XLSX or CSV bytes."""
    if len(data) > current_app.config["IMPORT_MAX_BYTES"]:
        raise FileTooLarge(f"The file may be at most {current_app.config['IMPORT_MAX_BYTES'] // 1024} KiB.")
    if data.startswith(XLSX_MAGIC):
        return _xlsx(data)
    return _csv(data)


def _xlsx(data: bytes):
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        unzipped = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile:
        raise UnsupportedFile("The file looks like XLSX but is not a readable workbook.") from None
    if unzipped > current_app.config["IMPORT_MAX_UNZIPPED_BYTES"]:
        raise FileTooLarge("The workbook unpacks to more than the import limit; split it.")
    _bound_workbook(archive)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise UnsupportedFile("The workbook cannot be read; save it again as .xlsx or as CSV.") from None
    rows = book.worksheets[0].iter_rows(
        max_row=current_app.config["IMPORT_MAX_ROWS"] + 1,
        max_col=current_app.config["IMPORT_MAX_COLUMNS"],
        values_only=True,
    )

    def unreadable() -> UnsupportedFile:
        return UnsupportedFile("The workbook cannot be read; save it again as .xlsx or as CSV.")

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

    return [str(h or "").strip().lower() for h in header], body()


def _bound_workbook(archive: zipfile.ZipFile) -> None:
    """Refuse the workbook (413, naming the bound) if it holds more XML elements than an import
    needs, or a cell with content outside the columns and rows an import may use. The elements are
    counted from the raw bytes first (fast: no parsing), so only a workbook within that bound is
    parsed, once, for its cells' places."""
    config = current_app.config
    max_rows, max_columns = config["IMPORT_MAX_ROWS"] + 1, config["IMPORT_MAX_COLUMNS"]
    last = f"{get_column_letter(max_columns)}{max_rows}"
    _count_elements(archive, config["IMPORT_MAX_XML_ELEMENTS"])
    # Every part, whatever its name: the workbook's relationships, not the names, say which are XML.
    for info in archive.infolist():
        row = 0
        try:
            with archive.open(info) as part:
                for _, element in iterparse(part):
                    if element.tag == ROW_TAG:
                        row = int(element.get("r") or row + 1)
                        _within(element, row, max_rows, max_columns, last)
                    if element.tag != CELL_TAG:  # a cell's reference is read with its row
                        element.clear()
        except ParseError:
            continue  # not XML (an image, say); openpyxl refuses it if it needs it as XML
        except ValueError:
            raise UnsupportedFile("The workbook's cell references cannot be read; save it again.") from None


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
                        f"The workbook holds more than {bound:,} XML elements, more than an import needs; "
                        "save only the lines, or send CSV."
                    )


def _within(row_element, row: int, max_rows: int, max_columns: int, last: str) -> None:
    """Refuse a row whose cells with content lie beyond the last row or column an import may use."""
    column = 0
    for cell in row_element:
        if cell.tag != CELL_TAG:
            continue
        ref = cell.get("r")
        cell_row, column = coordinate_to_tuple(ref) if ref else (row, column + 1)
        if len(cell) and (cell_row > max_rows or column > max_columns):
            raise FileTooLarge(
                f"Cell {ref or get_column_letter(column) + str(cell_row)} lies outside A1:{last}: an import "
                f"has at most {max_columns} columns and {max_rows - 1:,} rows under its header."
            )


def _csv(data: bytes):
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnsupportedFile("Send XLSX, or CSV in UTF-8 or GB18030.")
    if "\x00" in text:
        raise UnsupportedFile("This is not a text file; send XLSX or CSV.")
    # The csv module refuses a field over 131,072 characters with an error that names neither row nor
    # column; no field can be longer than the file, so that limit goes, and parse_lines applies ours.
    csv.field_size_limit(max(csv.field_size_limit(), current_app.config["IMPORT_MAX_BYTES"]))
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None) or []
    except csv.Error:
        raise UnsupportedFile("The CSV header row cannot be read.") from None

    def body():
        try:
            for number, cells in enumerate(reader, start=2):
                if any(cell.strip() for cell in cells):
                    yield number, cells
        except csv.Error as error:
            raise UnsupportedFile(f"The CSV cannot be read at line {reader.line_num}: {error}.") from None

    return [h.strip().lower() for h in header], body()


def parse_lines(data: bytes) -> tuple[list[tuple[int, str, object, object]], str]:
    """(row number, key column, key, quantity) for every row, and the key column's name; bad
    headers are a 422 naming the file."""
    header, rows = read_rows(data)
    key = "product_id" if "product_id" in header else "certificate_no" if "certificate_no" in header else None
    if key is None or "quantity" not in header:
        raise InvalidField(
            "file",
            f"The header row must name quantity and product_id or certificate_no; it has "
            f"{', '.join(h for h in header if h) or 'nothing'}.",
        )
    key_at, quantity_at = header.index(key), header.index("quantity")
    config = current_app.config
    limit, max_columns, max_chars = (
        config["IMPORT_MAX_ROWS"],
        config["IMPORT_MAX_COLUMNS"],
        config["IMPORT_MAX_CELL_CHARS"],
    )
    if len(header) > max_columns:
        raise FileTooLarge(f"The header row has {len(header)} columns; an import has at most {max_columns}.")
    parsed = []
    too_long: dict[str, dict[str, list[str]]] = {}
    for number, cells in rows:
        if len(parsed) >= limit:
            raise FileTooLarge(f"At most {limit} rows per import.")
        if len(cells) > max_columns:
            raise FileTooLarge(f"Row {number} has {len(cells)} cells; an import has at most {max_columns}.")
        for at, cell in enumerate(cells):
            if isinstance(cell, str) and len(cell) > max_chars:
                column = header[at] if at < len(header) and header[at] else get_column_letter(at + 1)
                too_long.setdefault(str(number), {})[column] = [
                    f"{len(cell):,} characters; a cell holds at most {max_chars:,}."
                ]
        parsed.append((number, key, _cell(cells, key_at), _cell(cells, quantity_at)))
    if too_long:
        raise InvalidField.rows(
            f"{len(too_long)} rows have cells too long to be a line; nothing was changed.", too_long
        )
    return parsed, key


def _cell(cells: list[object], index: int) -> object:
    return cells[index] if index < len(cells) else None
