"""What happens to a purchase order, announced for the domains above procurement to act on in the same
transaction (see payments/events.py). Listeners are connected when the app is built (create_app):
the ledger (ledger/receivers.py).
"""

from blinker import Namespace

events = Namespace()

# A purchase order fully paid: send(order, agency=<its Agency>, sale_date=<the day paid>).
purchase_order_paid = events.signal("purchase-order-paid")
