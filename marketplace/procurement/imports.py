"""Reading purchase-order lines from an uploaded XLSX or CSV file.

The header row names the columns: `quantity`, and `product_id` or `certificate_no`. Cells are read
as values and never evaluated: a formula is text, and text is not a quantity. An XLSX file is a zip
archive, so its uncompressed size is checked from the archive's directory before anything is
unpacked (a zip bomb is refused, not inflated).
"""

import csv
import io
import zipfile
from collections.abc import Iterator

from flask import current_app
from openpyxl import load_workbook

from marketplace.errors import DomainError, InvalidField

XLSX_MAGIC = b"PK\x03\x04"


class UnsupportedFile(DomainError):
    status = 415
    error_code = "unsupported_file"


class FileTooLarge(DomainError):
    status = 413
    error_code = "file_too_large"


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
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds for a damaged workbook
        raise UnsupportedFile("The workbook cannot be read; save it again as .xlsx or as CSV.") from None
    rows = book.worksheets[0].iter_rows(values_only=True)
    header = next(rows, None) or ()

    def body():
        for number, cells in enumerate(rows, start=2):
            if any(cell not in (None, "") for cell in cells):
                yield number, list(cells)

    return [str(h or "").strip().lower() for h in header], body()


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
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None) or []

    def body():
        for number, cells in enumerate(reader, start=2):
            if any(cell.strip() for cell in cells):
                yield number, cells

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
    parsed = []
    limit = current_app.config["IMPORT_MAX_ROWS"]
    for number, cells in rows:
        if len(parsed) >= limit:
            raise FileTooLarge(f"At most {limit} rows per import.")
        parsed.append((number, key, _cell(cells, key_at), _cell(cells, quantity_at)))
    return parsed, key


def _cell(cells: list[object], index: int) -> object:
    return cells[index] if index < len(cells) else None
