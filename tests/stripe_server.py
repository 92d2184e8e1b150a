"""A local server that answers the Stripe SDK like Stripe does, for tests.

Objects are Stripe's own examples (../shared/stripe/fixtures3.json) with our
fields filled in. Idempotency keys are honoured. Tests drive it directly
(succeed / fail a payment, make the next calls fail) and sign webhook events
with Stripe's scheme (t=<time>,v1=<HMAC-SHA256 of "<time>.<body>">).
"""

import copy
import hashlib
import hmac
import itertools
import json
import secrets
import threading
import time
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.serving import make_server

# What the app verifies the events with in tests (its STRIPE_WEBHOOK_SECRET) and the tests sign them with.
WEBHOOK_SECRET = "whsec_test_marketplace"
FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "stripe" / "fixtures3.json"
FALLBACK_FIXTURES = Path(__file__).resolve().parent / "data" / "stripe_fixtures.json"


def _templates() -> dict:
    path = FIXTURES if FIXTURES.exists() else FALLBACK_FIXTURES
    resources = json.loads(path.read_text())["resources"]
    return {
        "payment_intent": resources["payment_intent"],
        "refund": resources["refund"],
        "event": resources["event"],
    }


class FakeStripe:
    def __init__(self) -> None:
        self.templates = _templates()
        self.lock = threading.Lock()
        self.reset()
        self.app = self._make_app()
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def reset(self) -> None:
        self.intents: dict[str, dict] = {}
        self.refunds: dict[str, dict] = {}
        self.idempotent: dict[str, tuple[int, dict]] = {}
        self.failures: list[int] = []  # HTTP statuses the next calls answer with
        self.delay_seconds = 0.0  # how long the next calls take to answer
        self.refund_status = "succeeded"  # what new refunds start as
        self.requests: list[tuple[str, str, dict]] = []
        self.on_request = None  # called as each request arrives, before it is answered
        self.ids = itertools.count(1)

    def close(self) -> None:
        self.server.shutdown()

    # Test controls ---------------------------------------------------------------

    def fail_next(self, count: int = 1, status: int = 500) -> None:
        self.failures.extend([status] * count)

    def settle_refund(self, refund_id: str, status: str = "succeeded") -> dict:
        with self.lock:
            self.refunds[refund_id]["status"] = status
            return copy.deepcopy(self.refunds[refund_id])

    def succeed(
        self, intent_id: str, amount_received: int | None = None, currency: str | None = None
    ) -> dict:
        """The buyer paid: in full, or (to test what we accept) another amount or currency."""
        with self.lock:
            intent = self.intents[intent_id]
            intent.update(
                status="succeeded",
                amount_received=intent["amount"] if amount_received is None else amount_received,
                currency=currency or intent["currency"],
                latest_charge=f"ch_{intent_id[3:]}",
            )
            return copy.deepcopy(intent)

    def refund_at_provider(self, intent_id: str) -> dict:
        """All of a payment refunded at the provider directly (its dashboard), not through us."""
        with self.lock:
            intent = self.intents[intent_id]
            refund = copy.deepcopy(self.templates["refund"])
            refund.update(
                id=f"re_{next(self.ids):06d}{secrets.token_hex(6)}",
                amount=intent["amount_received"],
                payment_intent=intent_id,
                currency=intent["currency"],
                status="succeeded",
                created=int(time.time()),
            )
            self.refunds[refund["id"]] = refund
            return copy.deepcopy(refund)

    def fail_payment(self, intent_id: str) -> dict:
        with self.lock:
            intent = self.intents[intent_id]
            intent.update(
                status="requires_payment_method",
                last_payment_error={"type": "card_error", "code": "card_declined"},
            )
            return copy.deepcopy(intent)

    def event(
        self,
        event_type: str,
        obj: dict,
        secret: str,
        timestamp: int | None = None,
        event_id: str | None = None,
    ) -> tuple[bytes, str]:
        """A webhook body and its Stripe-Signature header."""
        event = copy.deepcopy(self.templates["event"])
        event.update(
            id=event_id or f"evt_{secrets.token_hex(8)}",
            type=event_type,
            data={"object": obj},
            created=int(time.time()),
            api_version="2024-06-20",
        )
        body = json.dumps(event).encode()
        ts = timestamp or int(time.time())
        signature = hmac.new(secret.encode(), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
        return body, f"t={ts},v1={signature}"

    def succeeded_refunds(self, intent_id: str) -> int:
        return sum(
            r["amount"]
            for r in self.refunds.values()
            if r["payment_intent"] == intent_id and r["status"] == "succeeded"
        )

    # The HTTP side -------------------------------------------------------------------

    def _make_app(self) -> Flask:
        app = Flask("fake-stripe")
        fake = self

        def error(status: int, message: str, kind: str = "invalid_request_error"):
            return jsonify({"error": {"type": kind, "message": message}}), status

        @app.before_request
        def record_and_fail():
            fake.requests.append((request.method, request.path, request.form.to_dict()))
            if fake.on_request is not None:
                fake.on_request()
            if not request.headers.get("Authorization", "").startswith("Bearer sk_"):
                return error(401, "Invalid API Key provided", "authentication_error")
            if fake.delay_seconds:
                time.sleep(fake.delay_seconds)
            with fake.lock:
                status = fake.failures.pop(0) if fake.failures else None
            if status:
                return error(status, "An error occurred with our connection to Stripe.", "api_error")
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key and key in fake.idempotent:
                status, body = fake.idempotent[key]
                return jsonify(body), status
            return None

        @app.after_request
        def remember(response):
            key = request.headers.get("Idempotency-Key")
            if request.method == "POST" and key and key not in fake.idempotent and response.status_code < 500:
                fake.idempotent[key] = (response.status_code, response.get_json())
            return response

        @app.post("/v1/payment_intents")
        def create_intent():
            form = request.form
            intent_id = f"pi_{next(fake.ids):06d}{secrets.token_hex(6)}"
            intent = copy.deepcopy(fake.templates["payment_intent"])
            intent.update(
                id=intent_id,
                amount=int(form["amount"]),
                currency=form["currency"],
                amount_received=0,
                status="requires_payment_method",
                client_secret=f"{intent_id}_secret_{secrets.token_hex(8)}",
                metadata={k[9:-1]: v for k, v in form.items() if k.startswith("metadata[")},
                payment_method_types=[v for k, v in form.items() if k.startswith("payment_method_types[")],
                created=int(time.time()),
                canceled_at=None,
                last_payment_error=None,
                latest_charge=None,
            )
            with fake.lock:
                fake.intents[intent_id] = intent
            return jsonify(intent)

        @app.get("/v1/payment_intents/<intent_id>")
        def get_intent(intent_id):
            if intent_id not in fake.intents:
                return error(404, f"No such payment_intent: '{intent_id}'")
            return jsonify(fake.intents[intent_id])

        @app.get("/v1/payment_intents")
        def list_intents():
            since = int(request.args.get("created[gte]", 0))
            data = [i for i in fake.intents.values() if i["created"] >= since]
            return jsonify({"object": "list", "data": data, "has_more": False, "url": "/v1/payment_intents"})

        @app.post("/v1/payment_intents/<intent_id>/cancel")
        def cancel_intent(intent_id):
            intent = fake.intents.get(intent_id)
            if intent is None:
                return error(404, f"No such payment_intent: '{intent_id}'")
            if intent["status"] == "succeeded":
                return error(
                    400, "You cannot cancel this PaymentIntent because it has a status of succeeded."
                )
            intent.update(
                status="canceled", canceled_at=int(time.time()), cancellation_reason="requested_by_customer"
            )
            return jsonify(intent)

        @app.post("/v1/refunds")
        def create_refund():
            intent = fake.intents.get(request.form.get("payment_intent", ""))
            if intent is None or intent["status"] != "succeeded":
                return error(400, "This PaymentIntent has no successful charge to refund.")
            amount = int(request.form.get("amount", intent["amount_received"]))
            if amount > intent["amount_received"] - fake.succeeded_refunds(intent["id"]):
                return error(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge.")
            refund = copy.deepcopy(fake.templates["refund"])
            refund.update(
                id=f"re_{next(fake.ids):06d}{secrets.token_hex(6)}",
                amount=amount,
                payment_intent=intent["id"],
                charge=intent["latest_charge"],
                currency=intent["currency"],
                status=fake.refund_status,
                created=int(time.time()),
            )
            fake.refunds[refund["id"]] = refund
            return jsonify(refund)

        @app.get("/v1/refunds")
        def list_refunds():
            intent_id = request.args.get("payment_intent")
            data = [r for r in fake.refunds.values() if intent_id in (None, r["payment_intent"])]
            return jsonify({"object": "list", "data": data, "has_more": False, "url": "/v1/refunds"})

        return app
