import io
import zipfile

import openpyxl
import pytest

from marketplace.extensions import db
from marketplace.procurement.models import PurchaseOrder

EVIL = "=cmd|' /C calc'!A0"


def upload(desk, order, data, filename="lines.csv", headers=None):
    return desk.client.post(
        f"/api/v1/purchase-orders/{order['id']}/lines/import",
        data={"file": (io.BytesIO(data), filename)},
        content_type="multipart/form-data",
        headers=headers or desk.purchaser_h,
    )


def csv_bytes(rows, header="product_id,quantity"):
    return ("\n".join([header] + [",".join(map(str, r)) for r in rows]) + "\n").encode()


def xlsx_bytes(rows, header=("certificate_no", "quantity")):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(list(header))
    for row in rows:
        sheet.append(list(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def line_count(order):
    return len(db.session.get(PurchaseOrder, order["id"], populate_existing=True).lines)


def test_a_valid_10000_row_csv_replaces_the_drafts_lines(desk):
    order = desk.draft([{"product_id": desk.orange.id, "quantity": 1}])
    products = [desk.orange.id, desk.potato.id, desk.uncertified.id]
    rows = [(products[i % 3], 1 + i % 4) for i in range(10_000)]
    r = upload(desk, order, csv_bytes(rows))
    assert r.status_code == 200, r.json
    totals = {line["product_id"]: line["quantity"] for line in r.json["lines"]}
    assert totals == {p: sum(q for pid, q in rows if pid == p) for p in products}
    assert r.json["total_fen"] == sum(
        q * {desk.orange.id: 9900, desk.potato.id: 5000, desk.uncertified.id: 8000}[p] for p, q in rows
    )


def test_an_xlsx_by_certificate_number(desk):
    order = desk.draft()
    data = xlsx_bytes([("BF-500236-2026-000001", 12), ("BF-530627-2026-000002", 30.0)])
    r = upload(desk, order, data, filename="采购清单.xlsx")
    assert r.status_code == 200, r.json
    assert {line["product_id"]: line["quantity"] for line in r.json["lines"]} == {
        desk.orange.id: 12,
        desk.potato.id: 30,
    }


def test_every_bad_row_is_reported_by_number_and_column_and_nothing_changes(desk):
    order = desk.draft()
    rows = [(desk.orange.id, 5), (999999, 2), (desk.potato.id, 0), ("abc", "x"), (desk.potato.id, EVIL)]
    r = upload(desk, order, csv_bytes(rows))
    assert r.status_code == 422
    assert r.json["errors"]["files"]["file"] == {
        "3": {"product_id": ["No product on sale with product_id '999999'."]},
        "4": {"quantity": ["Not a whole number from 1 to 1,000,000: '0'."]},
        "5": {
            "quantity": ["Not a whole number from 1 to 1,000,000: 'x'."],
            "product_id": ["Missing or not valid: 'abc'."],
        },
        "6": {"quantity": [f"Not a whole number from 1 to 1,000,000: {EVIL!r}."]},
    }
    assert "4 of 5 rows" in r.json["message"]
    assert line_count(order) == 2


def test_formula_cells_stay_inert_text(desk):
    order = desk.draft()
    data = xlsx_bytes([(EVIL, 1), ("BF-500236-2026-000001", "=1+1")])
    r = upload(desk, order, data, filename="lines.xlsx")
    assert r.status_code == 422
    rows = r.json["errors"]["files"]["file"]
    assert rows["2"]["certificate_no"] == [f"No product on sale with certificate_no {EVIL!r}."]
    assert rows["3"]["quantity"] == ["Not a whole number from 1 to 1,000,000: '=1+1'."]


@pytest.mark.parametrize("header", ["sku,qty", "product_id,amount", "quantity", ""])
def test_wrong_headers_are_422_naming_the_file(desk, header):
    order = desk.draft()
    r = upload(desk, order, csv_bytes([(1, 1)], header=header))
    assert r.status_code == 422 and "file" in r.json["errors"]["json"]


def test_wrong_file_type_is_415(desk):
    order = desk.draft()
    png = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    assert upload(desk, order, png, filename="lines.csv").status_code == 415
    assert upload(desk, order, b"PK\x03\x04 not really a zip", filename="x.xlsx").status_code == 415


def test_oversized_files_and_zip_bombs_are_refused(app, desk, monkeypatch):
    order = desk.draft()
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 1000)
    assert upload(desk, order, csv_bytes([(desk.orange.id, 1)] * 400)).status_code == 413
    monkeypatch.setitem(app.config, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (60 * 1024 * 1024))
    assert len(bomb.getvalue()) < 200 * 1024  # tiny on the wire
    r = upload(desk, order, bomb.getvalue(), filename="bomb.xlsx")
    assert r.status_code == 413
    assert line_count(order) == 2


def test_too_many_rows(app, desk, monkeypatch):
    order = desk.draft()
    monkeypatch.setitem(app.config, "IMPORT_MAX_ROWS", 100)
    assert upload(desk, order, csv_bytes([(desk.orange.id, 1)] * 101)).status_code == 413


def test_only_a_purchaser_imports_and_only_into_a_draft(desk):
    order = desk.draft()
    data = csv_bytes([(desk.orange.id, 1)])
    assert upload(desk, order, data, headers=desk.approver_h).status_code == 403
    desk.step(order, "submit", desk.purchaser_h)
    assert upload(desk, order, data).status_code == 409


def test_gb18030_csv_from_excel_is_read(desk):
    order = desk.draft()
    data = f"product_id,quantity,备注\n{desk.orange.id},3,食堂用\n".encode("gb18030")
    r = upload(desk, order, data)
    assert r.status_code == 200 and r.json["lines"][0]["quantity"] == 3
