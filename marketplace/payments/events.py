"""What happens to money, announced for the domains above payments to act on in the same transaction.

Sent where the fact is recorded, before the use case commits, so a listener's writes commit or roll
back with it; a listener that raises fails the use case. Listeners are connected when the app is
built (create_app): the ledger (ledger/receivers.py) and the alerts (alerts/receivers.py).
"""

from blinker import Namespace

events = Namespace()

# A web order's money arrived and paid it: send(order, sale_date=<China date>).
order_paid = events.signal("order-paid")
# A refund of a web order succeeded at the provider: send(refund, order=order, refund_date=<China date>).
refund_succeeded = events.signal("refund-succeeded")
# The provider received money that does not pay the order: send(payment, why=<text>, received=<dict>).
payment_rejected = events.signal("payment-rejected")
# A refund the provider refused, declined or failed: send(refund, why=<text>).
refund_failed = events.signal("refund-failed")
# A provider event that cannot be resolved (its payment unknown there): send(webhook_event, why=<text>).
provider_event_failed = events.signal("provider-event-failed")
