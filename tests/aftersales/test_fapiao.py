"""Fapiao (发票): the buyer asks for the invoice of one supplier's part of a paid order; that supplier
uploads the e-invoice with its number, and the buyer downloads it."""

import io

PDF = b"%PDF-1.7\n" + b"0" * 2000 + b"\n%%EOF\n"
USCC = "91370102MA3C4XYZ0K"


def paid_parts(shop):
    order = shop.order().json
    shop.pay(order)
    parts = {part["supplier_id"]: part for part in order["fulfilments"]}
    return order, parts[shop.supplier_a.id], parts[shop.supplier_b.id]


def ask(shop, part, headers=None, **body):
    return shop.client.post(
        f"/api/v1/fulfilments/{part['id']}/fapiao",
        json={"title": "济南市某某科技有限公司", "tax_id": USCC, **body},
        headers=headers or shop.buyer_headers,
    )


def upload(shop, fapiao_id, data=PDF, invoice_no="26372000000012345678", headers=None):
    return shop.client.post(
        f"/api/v1/fapiao/{fapiao_id}/invoice",
        data={"invoice_no": invoice_no, "file": (io.BytesIO(data), "invoice.pdf")},
        headers=headers or shop.supplier_a_headers,
        content_type="multipart/form-data",
    )


def test_the_supplier_uploads_the_e_invoice_and_the_buyer_downloads_it(shop):
    order, part_a, _ = paid_parts(shop)
    r = ask(shop, part_a)
    assert r.status_code == 201, r.json
    fapiao = r.json
    assert fapiao["status"] == "requested" and fapiao["amount_fen"] == 2 * 6990
    assert fapiao["invoice_url"] is None
    # The supplier sees it to answer; the other supplier does not.
    assert [f["id"] for f in shop.client.get("/api/v1/fapiao", headers=shop.supplier_a_headers).json] == [
        fapiao["id"]
    ]
    assert shop.client.get("/api/v1/fapiao", headers=shop.supplier_b_headers).json == []
    assert upload(shop, fapiao["id"], headers=shop.supplier_b_headers).status_code == 404
    assert upload(shop, fapiao["id"], headers=shop.buyer_headers).status_code == 403
    assert upload(shop, fapiao["id"], data=b"not a pdf").status_code == 415
    r = upload(shop, fapiao["id"])
    assert r.status_code == 200, r.json
    assert r.json["status"] == "issued" and r.json["invoice_no"] == "26372000000012345678"
    got = shop.client.get(r.json["invoice_url"], headers=shop.buyer_headers)
    assert got.status_code == 200 and got.data == PDF and got.mimetype == "application/pdf"
    assert "fapiao-26372000000012345678.pdf" in got.headers["Content-Disposition"]
    assert shop.client.get(r.json["invoice_url"], headers=shop.other_headers).status_code == 404
    # Issued once.
    assert upload(shop, fapiao["id"]).status_code == 409


def test_a_fapiao_is_asked_once_per_part_by_the_buyer_of_a_paid_order_with_a_valid_tax_id(shop):
    order, part_a, part_b = paid_parts(shop)
    bad = ask(shop, part_a, tax_id="12345")
    assert bad.status_code == 422 and "tax_id" in bad.json["errors"]["json"]
    assert ask(shop, part_a, headers=shop.other_headers).status_code == 404
    assert ask(shop, part_a, headers=shop.supplier_a_headers).status_code == 403
    person = shop.client.post(
        f"/api/v1/fulfilments/{part_a['id']}/fapiao", json={"title": "张伟"}, headers=shop.buyer_headers
    )
    assert person.status_code == 201 and person.json["tax_id"] is None
    assert ask(shop, part_a).status_code == 409
    assert ask(shop, part_b).status_code == 201
    unpaid = shop.order().json
    assert ask(shop, unpaid["fulfilments"][0]).status_code == 409


def test_the_invoiced_amount_leaves_out_what_was_refunded(shop):
    order, part_a, _ = paid_parts(shop)
    orange = next(line for line in order["lines"] if line["product_id"] == shop.orange.id)
    refund = shop.client.post(
        f"/api/v1/orders/{order['id']}/refunds",
        json={"lines": [{"line_id": orange["id"], "quantity": 1}]},
        headers=shop.supplier_a_headers,
    )
    assert refund.status_code == 201
    assert ask(shop, part_a).json["amount_fen"] == 6990


def test_a_member_who_also_buys_lists_only_its_suppliers_requests_by_supplier_id(shop):
    _, part_a, _ = paid_parts(shop)
    mine = ask(shop, part_a).json
    # Supplier A's member buys supplier B's plums and asks for their fapiao, as a buyer.
    order = shop.order([{"product_id": shop.plum.id, "quantity": 1}], headers=shop.supplier_a_headers).json
    shop.pay(order)
    bought = ask(shop, order["fulfilments"][0], headers=shop.supplier_a_headers).json
    every = shop.client.get("/api/v1/fapiao", headers=shop.supplier_a_headers).json
    assert {f["id"] for f in every} == {mine["id"], bought["id"]}
    query = f"/api/v1/fapiao?supplier_id={shop.supplier_a.id}"
    assert [f["id"] for f in shop.client.get(query, headers=shop.supplier_a_headers).json] == [mine["id"]]
    # Another's supplier is nobody's list but its members' and the admins'.
    theirs = f"/api/v1/fapiao?supplier_id={shop.supplier_b.id}"
    assert shop.client.get(theirs, headers=shop.supplier_a_headers).json == []
    assert [f["id"] for f in shop.client.get(theirs, headers=shop.admin_headers).json] == [bought["id"]]
    r = shop.client.get("/api/v1/fapiao?supplier_id=x", headers=shop.supplier_a_headers)
    assert r.status_code == 422 and "supplier_id" in r.json["errors"]["query"]


def test_the_buyer_is_mailed_when_the_e_invoice_is_issued_at_the_address_the_request_gave(shop, mailbox):
    order, part_a, part_b = paid_parts(shop)
    bad = ask(shop, part_a, email="not-an-address")
    assert bad.status_code == 422 and "email" in bad.json["errors"]["json"]
    r = ask(shop, part_a, email="caiwu@example.com")
    assert r.status_code == 201 and r.json["email"] == "caiwu@example.com"
    assert upload(shop, r.json["id"]).status_code == 200
    mails = mailbox.messages("caiwu@example.com")
    assert [m["Subject"] for m in mails] == [f"订单 {order['id']} 的发票已开具"]
    assert "26372000000012345678" in mails[0].get_content()
    assert f"/orders/{order['id']}" in mails[0].get_content()
    # With no address given, word goes to the buyer's own.
    other = ask(shop, part_b)
    assert other.json["email"] is None
    assert upload(shop, other.json["id"], headers=shop.supplier_b_headers).status_code == 200
    assert len(mailbox.messages(shop.buyer.email)) == 1


def test_an_order_page_lists_only_that_orders_requests(shop):
    first, part_a, _ = paid_parts(shop)
    second, other_a, _ = paid_parts(shop)
    assert ask(shop, part_a).status_code == 201
    assert ask(shop, other_a).status_code == 201
    listed = shop.client.get(f"/api/v1/fapiao?order_id={second['id']}", headers=shop.buyer_headers).json
    assert [f["order_id"] for f in listed] == [second["id"]]
    # Another buyer's order lists nothing to them.
    assert shop.client.get(f"/api/v1/fapiao?order_id={second['id']}", headers=shop.other_headers).json == []
