"""A supplier's invoice for its part of a purchase order with the e-invoice file: kept in the file
store, read back by the agency's side, admins and that supplier only, refused when it is not one."""

from io import BytesIO

from tests import images

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n"
OFD = b"PK\x03\x04" + b"\x00" * 40


def received(desk):
    """An order past receipt of every line, its two suppliers' parts to invoice."""
    order = desk.draft()
    desk.step(order, "submit", desk.purchaser_h)
    desk.step(order, "approve", desk.approver_h)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "confirm", headers)
    for headers in (desk.supplier_a_h, desk.supplier_b_h):
        desk.step(order, "ship", headers, {"carrier": "中国邮政", "tracking_no": "EMS0001"})
    lines = [{"line_id": line["id"], "quantity_received": line["quantity"]} for line in order["lines"]]
    desk.step(order, "receipts", desk.purchaser_h, {"lines": lines})
    return order


def upload(desk, order, headers, data, invoice_no="37002600001", amount_fen=990000, name="fapiao.pdf"):
    return desk.client.post(
        f"/api/v1/purchase-orders/{order['id']}/e-invoices",
        data={"invoice_no": invoice_no, "amount_fen": str(amount_fen), "file": (BytesIO(data), name)},
        headers={**headers, "Accept-Language": "zh-CN"},
        content_type="multipart/form-data",
    )


def download(desk, order, supplier, headers):
    return desk.client.get(f"/api/v1/purchase-orders/{order['id']}/e-invoices/{supplier.id}", headers=headers)


def test_invoice_with_its_pdf_is_recorded_and_downloaded_by_the_agency_admin_and_supplier(desk):
    order = received(desk)
    r = upload(desk, order, desk.supplier_a_h, PDF)
    assert r.status_code == 200, r.json
    part = next(p for p in r.json["parts"] if p["supplier_id"] == desk.supplier_a.id)
    assert (part["invoice_no"], part["invoice_amount_fen"]) == ("37002600001", 990000)
    assert part["invoice_file_type"] == "application/pdf"
    for headers in (desk.purchaser_h, desk.approver_h, desk.lead_approver_h, desk.admin_h, desk.supplier_a_h):
        got = download(desk, order, desk.supplier_a, headers)
        assert got.status_code == 200
        assert got.data == PDF and got.mimetype == "application/pdf"
        assert got.headers["Content-Disposition"] == 'attachment; filename="fapiao-37002600001.pdf"'
        assert got.headers["Cache-Control"] == "private, no-store"
    history = desk.client.get(f"/api/v1/purchase-orders/{order['id']}/history", headers=desk.purchaser_h).json
    invoiced = next(e for e in history if e["action"] == "invoice")
    assert invoiced["details"]["e_invoice"] == "application/pdf"


def test_the_other_supplier_and_strangers_cannot_read_an_e_invoice(desk):
    order = received(desk)
    assert upload(desk, order, desk.supplier_a_h, PDF).status_code == 200
    assert download(desk, order, desk.supplier_a, desk.supplier_b_h).status_code == 404
    assert download(desk, order, desk.supplier_a, desk.stranger_h).status_code == 404
    assert download(desk, order, desk.supplier_a, {}).status_code == 401


def test_a_part_without_an_e_invoice_is_not_found(desk):
    order = received(desk)
    desk.step(order, "invoices", desk.supplier_b_h, {"invoice_no": "53002600002", "amount_fen": 200000})
    r = download(desk, order, desk.supplier_b, {**desk.purchaser_h, "Accept-Language": "zh-CN"})
    assert r.status_code == 404
    assert "电子发票" in r.json["message"]


def test_ofd_and_photos_of_a_paper_fapiao_are_taken(desk):
    order = received(desk)
    assert upload(desk, order, desk.supplier_a_h, OFD, name="fapiao.ofd").status_code == 200
    photo = images.png()
    r = upload(desk, order, desk.supplier_b_h, photo, "53002600002", 200000, "fapiao.png")
    assert r.status_code == 200, r.json
    assert r.json["status"] == "invoiced"
    got = download(desk, order, desk.supplier_b, desk.purchaser_h)
    assert got.data == photo and got.mimetype == "image/png"
    assert download(desk, order, desk.supplier_a, desk.purchaser_h).mimetype == "application/ofd"


def test_a_file_that_is_no_invoice_is_refused_in_chinese_and_nothing_is_recorded(desk):
    order = received(desk)
    r = upload(desk, order, desk.supplier_a_h, b"name,amount\n", name="fapiao.csv")
    assert r.status_code == 415
    assert "PDF" in r.json["message"] and "发票" in r.json["message"]
    assert "file" in r.json["errors"]["files"]
    again = desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=desk.supplier_a_h).json
    assert again["parts"][0]["invoice_no"] is None and again["parts"][0]["invoice_file_type"] is None


def test_an_e_invoice_over_5_mib_is_refused(desk):
    order = received(desk)
    r = upload(desk, order, desk.supplier_a_h, PDF + b"0" * (5 * 1024 * 1024))
    assert r.status_code == 413
    assert desk.client.get(f"/api/v1/purchase-orders/{order['id']}", headers=desk.purchaser_h).json[
        "status"
    ] == ("received")


def test_the_amount_beside_the_file_must_be_the_value_received(desk):
    order = received(desk)
    r = upload(desk, order, desk.supplier_a_h, PDF, amount_fen=1)
    assert r.status_code == 422
    assert "amount_fen" in r.json["errors"]["form"]
    assert download(desk, order, desk.supplier_a, desk.purchaser_h).status_code == 404


def test_a_missing_file_or_invoice_number_names_the_field(desk):
    order = received(desk)
    r = desk.client.post(
        f"/api/v1/purchase-orders/{order['id']}/e-invoices",
        data={"invoice_no": "37002600001", "amount_fen": "990000"},
        headers=desk.supplier_a_h,
        content_type="multipart/form-data",
    )
    assert r.status_code == 422 and "file" in r.json["errors"]["files"]
    r = upload(desk, order, desk.supplier_a_h, PDF, invoice_no="发票")
    assert r.status_code == 422 and "invoice_no" in r.json["errors"]["form"]


def test_a_part_invoiced_once_takes_no_second_file(desk):
    order = received(desk)
    assert upload(desk, order, desk.supplier_a_h, PDF).status_code == 200
    assert upload(desk, order, desk.supplier_a_h, OFD, name="again.ofd").status_code == 409
    assert download(desk, order, desk.supplier_a, desk.purchaser_h).data == PDF
