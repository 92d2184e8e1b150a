"""Sales entered in the ledger as the web shop's and the purchase orders' payments enter them
(ledger.record), for the tests of every domain that reads the ledger: tallies, targets, alerts,
notifications."""

from marketplace.extensions import db
from marketplace.ledger import entries as ledger


def sell(
    product,
    day,
    amount,
    buyer="370102",
    key=None,
    certificate="BF-500236-2026-000001",
    channel="web",
    quantity=1,
):
    ledger.record(
        [
            ledger.Sale(
                source_key=key or f"test:{product.id}:{day}:{amount}",
                sale_date=day,
                amount_fen=amount,
                quantity=quantity,
                product_id=product.id,
                buyer_region_code=buyer,
                delivery_region_code=buyer,
                channel=channel,
                certificate_no=certificate,
            )
        ]
    )
    db.session.commit()
