"""The workbook a canteen fills in: headers in the reader's language, an example row, a drop-down of
the products on sale, instructions; uploaded as it is, it imports."""

import io

import openpyxl

from marketplace.extensions import db
from marketplace.suppliers.models import Supplier
from tests.factories import ProductFactory, SupplierFactory
from tests.procurement.test_import import upload


def template(desk, order, headers=None):
    r = desk.client.get(
        f"/api/v1/purchase-orders/{order['id']}/lines/template.xlsx", headers=headers or desk.purchaser_h
    )
    assert r.status_code == 200, r.get_json()
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return r


def book_of(response):
    return openpyxl.load_workbook(io.BytesIO(response.data))


def listed_ids(book):
    """The product ids the 商品编号 column's drop-down offers, read from the range it names."""
    lines = book.worksheets[0]
    (choice,) = [v for v in lines.data_validations.dataValidation if v.type == "list"]
    assert "A2" in choice.sqref and choice.showErrorMessage
    sheet_name, cells = choice.formula1.split("!")
    sheet = book[sheet_name.strip("'")]
    first, last = cells.replace("$", "").split(":")
    return [row[0].value for row in sheet[first:last]]


def test_the_template_is_chinese_with_an_example_row_and_a_drop_down_of_the_products_on_sale(desk):
    unverified = SupplierFactory()
    db.session.get(Supplier, unverified.id).status = "pending"
    hidden = ProductFactory(supplier=unverified, name="未审核合作社的苹果")
    withdrawn = ProductFactory(supplier=desk.supplier_a, name="下架的夏橙", is_active=False)
    db.session.commit()
    order = desk.draft()
    r = template(desk, order)
    assert "attachment" in r.headers["Content-Disposition"]
    book = book_of(r)
    assert book.sheetnames == ["采购明细", "填写说明", "可选商品"]
    lines = book["采购明细"]
    assert [c.value for c in lines[1]] == ["商品编号", "商品名称", "数量", "备注"]
    assert [c.value for c in lines[2]][:3] == [desk.orange.id, "奉节脐橙 10kg", 10]
    assert lines.column_dimensions["B"].width >= 30 and lines.freeze_panes == "A2"
    on_sale = [desk.orange.id, desk.potato.id, desk.uncertified.id]
    assert listed_ids(book) == on_sale
    assert hidden.id not in listed_ids(book) and withdrawn.id not in listed_ids(book)
    products = book["可选商品"]
    assert [c.value for c in products[1]] == ["商品编号", "商品名称", "供应商", "单价", "证书编号", "库存"]
    assert [c.value for c in products[2]][:2] == [desk.orange.id, "奉节脐橙 10kg"]
    assert products.cell(2, 4).value == "¥99.00"
    guide = [row[0] for row in book["填写说明"].iter_rows(values_only=True) if row[0]]
    assert guide[0] == f"采购单 {order['id']}（山东省农业农村厅机关服务中心）明细导入模板"
    assert any(line.startswith("1. 在“采购明细”表中每行填一种商品") for line in guide)
    assert any("名称与商品编号不符的行不予导入" in line for line in guide)


def test_in_english_the_headers_and_instructions_are_english(desk):
    order = desk.draft()
    book = book_of(template(desk, order, headers={**desk.purchaser_h, "Accept-Language": "en"}))
    assert book.sheetnames == ["Lines", "Instructions", "Products"]
    assert [c.value for c in book["Lines"][1]] == ["product_id", "product_name", "quantity", "note"]
    assert book["Instructions"]["A1"].value.startswith(f"Importing the lines of purchase order {order['id']}")


def test_the_template_filled_in_and_uploaded_as_it_is_imports(desk):
    order = desk.draft()
    book = book_of(template(desk, order))
    lines = book["采购明细"]
    lines.append([desk.potato.id, "镇雄马铃薯", 25, "周三送到"])
    lines.append([desk.uncertified.id, None, 3, None])
    out = io.BytesIO()
    book.save(out)
    r = upload(desk, order, out.getvalue(), filename="采购单明细导入模板.xlsx")
    assert r.status_code == 200, r.json
    assert {line["product_id"]: line["quantity"] for line in r.json["lines"]} == {
        desk.orange.id: 10,
        desk.potato.id: 25,
        desk.uncertified.id: 3,
    }


def test_a_product_name_that_looks_like_a_formula_stays_text_and_round_trips(desk):
    order = desk.draft()
    odd = ProductFactory(supplier=desk.supplier_a, name='=HYPERLINK("x")橙', price_fen=100, stock=5)
    book = book_of(template(desk, order))
    products = book["可选商品"]
    (row,) = [r for r in products.iter_rows(min_row=2) if r[0].value == odd.id]
    assert row[1].value == '=HYPERLINK("x")橙' and row[1].data_type == "s"
    book["采购明细"].append([odd.id, row[1].value, 1])
    out = io.BytesIO()
    book.save(out)
    r = upload(desk, order, out.getvalue(), filename="lines.xlsx")
    assert r.status_code == 200, r.json


def test_only_the_agencys_purchasers_get_the_template(desk):
    order = desk.draft()
    for headers, status in ((desk.approver_h, 403), (desk.stranger_h, 404), (desk.supplier_a_h, 403)):
        r = desk.client.get(f"/api/v1/purchase-orders/{order['id']}/lines/template.xlsx", headers=headers)
        assert r.status_code == status, (status, r.get_json())
