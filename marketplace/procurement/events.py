"""What happens to a purchase order, announced for the domains above procurement to act on in the same
transaction (see payments/events.py). Listeners are connected when the app is built (create_app):
the ledger (ledger/receivers.py) and the notifications (notifications/receivers.py).
"""

from blinker import Namespace

events = Namespace()

# A purchase order fully paid: send(order, agency=<its Agency>, sale_date=<the day paid>).
purchase_order_paid = events.signal("purchase-order-paid")
# A purchase order changed status: send(order, from_status=<str>, to_status=<str>, reason=<str|None>).
purchase_order_moved = events.signal("purchase-order-moved")
