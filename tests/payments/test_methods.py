"""A gateway per payment method: the shop offers what the deployment configures, checkout takes only
those, and each payment is followed up (paid, refunded) through the provider it went through."""

import pytest

from marketplace.config import ConfigError, load

BASE_PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": "s" * 40,
    "DATABASE_URL": "postgresql://db/x",
    "MAIL_SMTP_HOST": "smtp.example.cn",
    "MAIL_FROM": "shop@example.cn",
    "PUBLIC_BASE_URL": "https://shop.example.cn",
}


def test_by_default_every_method_goes_through_the_payment_gateway(client):
    r = client.get("/api/v1/payment-methods")
    assert r.status_code == 200
    assert r.json == [
        {"method": "card", "provider": "stripe"},
        {"method": "alipay", "provider": "stripe"},
        {"method": "wechat_pay", "provider": "stripe"},
    ]


def test_a_method_not_offered_is_422_naming_it_and_reserves_nothing(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_METHODS", {"wechat_pay": "stripe", "card": "stripe"})
    assert [m["method"] for m in shop.client.get("/api/v1/payment-methods").json] == ["wechat_pay", "card"]
    r = shop.order(method="alipay")
    assert r.status_code == 422
    why = r.json["errors"]["json"]["payment_method"]
    assert why == ["本店不提供 alipay 支付方式；可选：wechat_pay, card。"]
    assert (shop.stock(shop.orange), shop.stock(shop.plum)) == (10, 5)
    assert shop.client.get("/api/v1/orders", headers=shop.buyer_headers).json == []


def test_each_payment_is_paid_and_refunded_through_the_provider_of_its_method(shop, app, monkeypatch):
    monkeypatch.setitem(app.config, "PAYMENT_METHODS", {"card": "stripe", "wechat_pay": "dev"})
    by_card = shop.order(method="card").json
    assert (by_card["payment"]["provider"], by_card["payment"]["method"]) == ("stripe", "card")
    by_wechat = shop.order([{"product_id": shop.plum.id, "quantity": 1}], method="wechat_pay").json
    assert (by_wechat["payment"]["provider"], by_wechat["payment"]["method"]) == ("dev", "wechat_pay")

    shop.pay(by_card)
    url = f"/api/v1/dev/orders/{by_wechat['id']}/confirm-payment"
    assert shop.client.post(url, json={}, headers=shop.buyer_headers).json["outcome"] == "paid"
    # The development gateway confirms only its own payments.
    card_url = f"/api/v1/dev/orders/{by_card['id']}/confirm-payment"
    assert shop.client.post(card_url, json={}, headers=shop.buyer_headers).status_code == 404

    refund = shop.client.post(
        f"/api/v1/orders/{by_wechat['id']}/refunds", json={"amount_fen": 100}, headers=shop.admin_headers
    )
    assert refund.status_code == 201 and refund.json["status"] == "succeeded"
    assert shop.stripe.refunds == {}  # the development gateway refunded it, not Stripe
    assert shop.get(by_wechat["id"]).json["refunded_fen"] == 100


def test_configuration_names_a_method_its_gateway_does_not_take():
    with pytest.raises(ConfigError, match="is not one of"):
        load("/tmp", {"ENV": "development", "PAYMENT_METHODS": {"card": "paypal"}})
    assert load("/tmp", {"ENV": "development", "PAYMENT_METHODS": {"wechat_pay": "dev"}})


def test_production_refuses_the_development_gateway_for_any_method_and_needs_stripe_secrets_only_for_stripe():
    stripe = {"STRIPE_SECRET_KEY": "sk_live_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
    with pytest.raises(ConfigError, match="development payment gateway is refused"):
        load("/tmp", {**BASE_PRODUCTION, **stripe, "PAYMENT_METHODS": {"card": "stripe", "alipay": "dev"}})
    with pytest.raises(ConfigError, match="STRIPE_WEBHOOK_SECRET"):
        load("/tmp", {**BASE_PRODUCTION, "STRIPE_SECRET_KEY": "sk_x", "PAYMENT_METHODS": {"card": "stripe"}})


def test_the_methods_are_read_from_the_environment_as_a_json_object(monkeypatch):
    monkeypatch.setenv("MARKETPLACE_PAYMENT_METHODS", '{"wechat_pay": "dev"}')
    assert load("/tmp", {"ENV": "development"})["PAYMENT_METHODS"] == {"wechat_pay": "dev"}
