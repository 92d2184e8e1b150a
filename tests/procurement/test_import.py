import io
import threading
import time
import zipfile

import openpyxl
import pytest

from marketplace.extensions import db
from marketplace.procurement.models import PurchaseOrder
from tests.procurement.importing import imported

EVIL = "=cmd|' /C calc'!A0"


def upload(desk, order, data, filename="lines.csv", headers=None):
    """The import's outcome as one answer (see tests/procurement/importing.py)."""
    return imported(desk.client, order["id"], data, filename, headers or desk.purchaser_h)


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


def english(desk):
    return {**desk.purchaser_h, "Accept-Language": "en"}


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


@pytest.mark.postgres
def test_a_10000_line_order_is_imported_and_submitted_in_a_few_statements_not_one_per_line(desk):
    from datetime import timedelta

    from sqlalchemy import event, func, insert, select

    from marketplace.catalog.models import Product
    from marketplace.timeutil import china_today

    until = china_today() + timedelta(days=30)
    db.session.execute(
        insert(Product),
        [
            {
                "supplier_id": desk.supplier_a.id,
                "name": f"整箱脐橙 {i}",
                "category_code": "fruit.citrus",
                "unit": "箱",
                "price_fen": 100 + i % 50,
                "stock": 20,
                "origin_region_code": desk.orange.origin_region_code,
                "certificate_no": f"BF-500236-2027-{i:06d}",
                # Half of them certified today, half expired yesterday.
                "certified_until": until if i % 2 else china_today(),
            }
            for i in range(10_000)
        ],
    )
    db.session.commit()
    ids = list(
        db.session.scalars(select(Product.id).where(Product.name.like("整箱脐橙 %")).order_by(Product.id))
    )
    rows = [(pid, 1 + i % 7) for i, pid in enumerate(ids)]
    order = desk.draft()
    sent = []

    def count(conn, cursor, statement, parameters, context, executemany):
        # The import's own are those on the thread that runs it, less the job's progress.
        apart = threading.current_thread().name.startswith("outbox-apart")
        apart = apart and "po_import_jobs" not in statement
        sent.append((apart, len(parameters) if executemany else 1))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        imported = upload(desk, order, csv_bytes(rows))
        statements_to_import, sent[:] = sum(n for apart, n in sent if apart), []
        submitted = desk.client.post(
            f"/api/v1/purchase-orders/{order['id']}/submit", json={}, headers=desk.purchaser_h
        )
        statements_to_submit = sum(n for _, n in sent)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert imported.status_code == 200, imported.json
    assert submitted.status_code == 200 and submitted.json["status"] == "submitted", submitted.json
    assert statements_to_import <= 60 and statements_to_submit <= 60, (
        statements_to_import,
        statements_to_submit,
    )
    lines = submitted.json["lines"]
    assert [(line["product_id"], line["quantity"]) for line in lines] == rows
    assert sum(line["counts_toward_share"] for line in lines) == 5_000
    assert submitted.json["total_fen"] == sum((100 + i % 50) * q for i, (_, q) in enumerate(rows))
    stock = db.session.scalar(select(func.sum(Product.stock)).where(Product.id.in_(ids)))
    assert stock == 20 * 10_000 - sum(q for _, q in rows)


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
        "3": {"product_id": ["product_id 为“999999”的在售商品不存在。"]},
        "4": {"quantity": ["不是 1 至 1,000,000 的整数：“0”。"]},
        "5": {
            "quantity": ["不是 1 至 1,000,000 的整数：“x”。"],
            "product_id": ["未填写或无效：“abc”。"],
        },
        "6": {"quantity": [f"不是 1 至 1,000,000 的整数：“{EVIL}”。"]},
    }
    assert r.json["message"] == "5 行中有 4 行无法导入，未做任何改动。"
    assert line_count(order) == 2


def test_formula_cells_stay_inert_text(desk):
    order = desk.draft()
    data = xlsx_bytes([(EVIL, 1), ("BF-500236-2026-000001", "=1+1")])
    r = upload(desk, order, data, filename="lines.xlsx", headers=english(desk))
    assert r.status_code == 422
    rows = r.json["errors"]["files"]["file"]
    assert rows["2"]["certificate_no"] == [f'No product on sale with certificate_no "{EVIL}".']
    assert rows["3"]["quantity"] == ['Not a whole number from 1 to 1,000,000: "=1+1".']


@pytest.mark.parametrize("header", ["sku,qty", "product_id,amount", "quantity", ""])
def test_wrong_headers_are_422_naming_the_file(desk, header):
    order = desk.draft()
    r = upload(desk, order, csv_bytes([(1, 1)], header=header))
    assert r.status_code == 422 and "file" in r.json["errors"]["files"]


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


def hostile_xlsx(dimension="A1:XFD40000", row=40000, extra=""):
    """A workbook whose sheet declares a huge dimension and holds a header and one row far down."""
    book = openpyxl.Workbook()
    book.active.append(["product_id", "quantity"])
    source = io.BytesIO()
    book.save(source)
    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<dimension ref="{dimension}"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>product_id</t></is></c>'
        '<c r="B1" t="inlineStr"><is><t>quantity</t></is></c></row>'
        f'<row r="{row}"><c r="A{row}"><v>1</v></c><c r="B{row}"><v>1</v></c>{extra}</row>'
        "</sheetData></worksheet>"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in original.infolist():
            body = sheet.encode() if info.filename == "xl/worksheets/sheet1.xml" else original.read(info)
            copy.writestr(info.filename, body)
    return out.getvalue()


def test_a_sheet_declaring_a_huge_dimension_is_refused_at_once_naming_the_bound(desk):
    order = desk.draft()
    data = hostile_xlsx()
    assert len(data) < 8 * 1024
    started = time.monotonic()
    r = upload(desk, order, data, filename="lines.xlsx", headers=english(desk))
    elapsed = time.monotonic() - started
    assert r.status_code == 413, r.json
    assert r.json["errors"]["files"]["file"] == [
        "Cell A40000 lies outside A1:AX20001: an import has at most 50 columns and "
        "20,000 rows under its header."
    ]
    assert elapsed < 5  # generous: the walk it replaces took minutes; this one reads a dozen elements
    assert line_count(order) == 2


def test_a_declared_dimension_is_not_walked_when_the_cells_fit(desk):
    # The same lie about the sheet's size, with the one row where it belongs: read, not walked.
    order = desk.draft()
    data = _with_product(hostile_xlsx(dimension="A1:XFD1048576", row=2), desk.orange.id)
    started = time.monotonic()
    r = upload(desk, order, data, filename="lines.xlsx")
    assert time.monotonic() - started < 5  # walking the dimension would take hours
    assert r.status_code == 200, r.json
    assert [(line["product_id"], line["quantity"]) for line in r.json["lines"]] == [(desk.orange.id, 1)]


def test_a_cell_beyond_the_last_column_and_a_workbook_of_too_many_elements_are_413(app, desk, monkeypatch):
    order = desk.draft()
    extra = '<c r="XFD2"><v>7</v></c>'
    r = upload(desk, order, hostile_xlsx(row=2, extra=extra), filename="lines.xlsx", headers=english(desk))
    assert r.status_code == 413
    assert r.json["errors"]["files"]["file"][0].startswith("Cell XFD2 lies outside A1:AX20001")
    monkeypatch.setitem(app.config, "IMPORT_MAX_XML_ELEMENTS", 50)
    r = upload(desk, order, xlsx_bytes([("BF-500236-2026-000001", 1)] * 20), filename="lines.xlsx")
    assert r.status_code == 413
    assert "超过 50 个 XML 元素" in r.json["errors"]["files"]["file"][0]
    assert line_count(order) == 2


def _with_product(data, product_id):
    """hostile_xlsx's workbook with its row naming `product_id`."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as original, zipfile.ZipFile(out, "w") as copy:
        for info in original.infolist():
            body = original.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                body = body.replace(b'<c r="A2"><v>1</v>', f'<c r="A2"><v>{product_id}</v>'.encode())
            copy.writestr(info.filename, body)
    return out.getvalue()


@pytest.mark.parametrize("cell", ["²", "¹⁰", "٣"])
def test_superscript_and_non_ascii_digits_are_422_naming_the_row(desk, cell):
    order = desk.draft()
    r = upload(desk, order, csv_bytes([(desk.orange.id, 1), (desk.orange.id, cell), (cell, 1)]))
    assert r.status_code == 422, r.json
    rows = r.json["errors"]["files"]["file"]
    assert rows["3"] == {"quantity": [f"不是 1 至 1,000,000 的整数：“{cell}”。"]}
    assert rows["4"] == {"product_id": [f"未填写或无效：“{cell}”。"]}
    assert line_count(order) == 2


@pytest.mark.parametrize("length", [1001, 131_073])
def test_an_overlong_cell_is_422_naming_its_row_and_column(desk, length):
    order = desk.draft()
    data = f"product_id,quantity,备注\n{desk.orange.id},1,ok\n{desk.orange.id},1,{'x' * length}\n".encode()
    r = upload(desk, order, data)
    assert r.status_code == 422, r.json
    assert r.json["errors"]["files"]["file"] == {
        "3": {"备注": [f"共 {length:,} 个字符，每个单元格最多 1,000 个。"]}
    }
    assert line_count(order) == 2


def test_repeated_rows_are_summed_before_the_per_line_cap(desk):
    order = desk.draft()
    rows = [(desk.orange.id, 600_000), (desk.potato.id, 1), (desk.orange.id, 600_000)]
    r = upload(desk, order, csv_bytes(rows), headers=english(desk))
    assert r.status_code == 422, r.json
    assert r.json["errors"]["files"]["file"] == {
        "4": {
            "quantity": [
                f"Rows of product {desk.orange.id} come to more than 1,000,000 by this row; "
                "one order holds at most that many of one product."
            ]
        }
    }
    lines = [{"product_id": desk.orange.id, "quantity": 1_000_000}] * 2
    r = desk.client.put(
        f"/api/v1/purchase-orders/{order['id']}/lines", json={"lines": lines}, headers=desk.purchaser_h
    )
    assert r.status_code == 422 and "lines" in r.json["errors"]["json"]
    assert line_count(order) == 2


def test_lines_worth_more_than_an_order_can_be_paid_are_422_not_500(desk):
    from tests.factories import ProductFactory

    order = desk.draft()
    dear = [ProductFactory(supplier=desk.supplier_a, price_fen=10**11, stock=10**9) for _ in range(2)]
    lines = [{"product_id": p.id, "quantity": 1_000_000} for p in dear] * 50
    r = desk.client.put(
        f"/api/v1/purchase-orders/{order['id']}/lines", json={"lines": lines}, headers=desk.purchaser_h
    )
    assert r.status_code == 422 and "lines" in r.json["errors"]["json"], r.json
    lines = [{"product_id": p.id, "quantity": 1_000_000} for p in dear]
    r = desk.client.put(
        f"/api/v1/purchase-orders/{order['id']}/lines", json={"lines": lines}, headers=english(desk)
    )
    assert r.status_code == 422, r.json
    assert r.json["errors"]["json"]["lines"] == [
        "The order would come to CN¥2,000,000,000,000,000.00; one order may come to at most "
        "CN¥100,000,000,000.00. Split it."
    ]
    assert line_count(order) == 2


def test_a_fractional_quantity_is_422_in_json_and_in_imports(desk):
    order = desk.draft()
    lines = [{"product_id": desk.orange.id, "quantity": 1.5}]
    r = desk.client.put(
        f"/api/v1/purchase-orders/{order['id']}/lines", json={"lines": lines}, headers=desk.purchaser_h
    )
    assert r.status_code == 422, r.json
    assert r.json["errors"]["json"]["lines"]["0"]["quantity"] == ["须为整数。"]
    r = upload(desk, order, xlsx_bytes([("BF-500236-2026-000001", 1.5)]), filename="lines.xlsx")
    assert r.status_code == 422
    assert r.json["errors"]["files"]["file"]["2"]["quantity"] == ["不是 1 至 1,000,000 的整数：“1.5”。"]
    assert line_count(order) == 2


@pytest.mark.postgres
def test_a_refused_file_does_not_wait_for_the_orders_row_lock(desk):
    import threading

    from sqlalchemy import text

    order = desk.draft()
    other = db.engine.connect()
    # The lock every step of the workflow takes (services._order_for): the job's row, which refers
    # to the order, may still be written beside it.
    other.execute(
        text("SELECT id FROM purchase_orders WHERE id = :id FOR NO KEY UPDATE"), {"id": order["id"]}
    )
    release = threading.Timer(5, other.rollback)  # so that the old code, which waits, finishes too
    release.start()
    try:
        started = time.monotonic()
        r = upload(desk, order, hostile_xlsx(), filename="lines.xlsx")
        elapsed = time.monotonic() - started
    finally:
        release.cancel()
        other.rollback()
        other.close()
    assert r.status_code == 413
    assert elapsed < 4  # refused while another transaction held the order


def test_chinese_headers_import_and_a_name_is_checked_against_the_product(desk):
    order = desk.draft()
    data = (
        "商品编号,商品名称,数量,备注\n"
        f"{desk.orange.id},奉节脐橙 10kg,12,食堂周一用\n"
        f"{desk.potato.id},镇雄马铃薯,30,\n"
        f"{desk.uncertified.id},,5,名称可不填\n"
    ).encode("gb18030")
    r = upload(desk, order, data)
    assert r.status_code == 200, r.json
    assert {line["product_id"]: line["quantity"] for line in r.json["lines"]} == {
        desk.orange.id: 12,
        desk.potato.id: 30,
        desk.uncertified.id: 5,
    }


@pytest.mark.parametrize(
    "header",
    [" 商品编号 ,QUANTITY", "Product_ID,数量", "证书编号,Quantity ", "certificate_no,数量,NOTE,商品名称"],
)
def test_headers_match_trimmed_and_case_folded_english_chinese_or_mixed(desk, header):
    order = desk.draft()
    key = desk.orange.certificate_no if "证书" in header or "certificate" in header else desk.orange.id
    cells = [key, 7, "", ""][: len(header.split(","))]
    r = upload(desk, order, f"{header}\n{','.join(map(str, cells))}\n".encode())
    assert r.status_code == 200, r.json
    assert [(line["product_id"], line["quantity"]) for line in r.json["lines"]] == [(desk.orange.id, 7)]


def test_a_name_contradicting_the_product_is_a_row_error_under_the_files_own_header(desk):
    order = desk.draft()
    data = (
        f"商品编号,商品名称,数量\n{desk.orange.id},镇雄马铃薯 25kg,12\n{desk.potato.id},马铃薯,1\n".encode()
    )
    r = upload(desk, order, data)
    assert r.status_code == 422, r.json
    assert r.json["errors"]["files"]["file"] == {
        "2": {
            "商品名称": [
                f"商品编号 “{desk.orange.id}”对应的商品是“奉节脐橙 10kg”，不是所填的"
                "“镇雄马铃薯 25kg”，请改正填错的一项。"
            ]
        }
    }
    assert line_count(order) == 2
    r = upload(desk, order, data, headers=english(desk))
    assert r.json["errors"]["files"]["file"]["2"]["商品名称"] == [
        f'商品编号 "{desk.orange.id}" is "奉节脐橙 10kg", not "镇雄马铃薯 25kg"; '
        "correct the one that is wrong."
    ]
    assert r.json["message"] == "1 of 2 rows cannot be imported; nothing was changed."


def test_row_errors_name_the_column_as_the_chinese_header_writes_it(desk):
    order = desk.draft()
    r = upload(desk, order, "商品编号,数量\n999999,0\n".encode())
    assert r.status_code == 422, r.json
    assert r.json["errors"]["files"]["file"] == {
        "2": {
            "数量": ["不是 1 至 1,000,000 的整数：“0”。"],
            "商品编号": ["商品编号 为“999999”的在售商品不存在。"],
        }
    }


@pytest.mark.parametrize(
    ("header", "zh", "en"),
    [
        (
            "商品编号,数量,单价",
            "无法识别列“单价”；表头可用的列名为：",
            'Column "单价" is not one an import reads; the header row may name: ',
        ),
        ("商品编号,数量,Quantity", "列“数量”和“Quantity”是同一列，请只保留一列。", "are the same column"),
    ],
)
def test_a_header_naming_no_column_or_one_twice_is_422_naming_the_accepted_ones(desk, header, zh, en):
    order = desk.draft()
    data = csv_bytes([(desk.orange.id, 1, 1)], header=header)
    r = upload(desk, order, data)
    assert r.status_code == 422, r.json
    assert zh in r.json["message"] and zh in r.json["errors"]["files"]["file"][0]
    english_answer = upload(desk, order, data, headers=english(desk)).json
    assert en in english_answer["message"]
    if "单价" in header:
        for accepted in ("商品编号 / product_id", "证书编号 / certificate_no", "商品名称 / product_name"):
            assert accepted in r.json["message"]
        assert "数量 / quantity" in english_answer["message"] and "备注 / note" in english_answer["message"]
    assert line_count(order) == 2
