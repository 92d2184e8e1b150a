"""What happens to a web order's parts, announced for the domains above orders to act on in the same
transaction (see payments/events.py). Listeners are connected when the app is built (create_app):
the notifications (notifications/receivers.py)."""

from blinker import Namespace

events = Namespace()

# A supplier's part of an order left with a carrier: send(fulfilment, order=<its Order>).
fulfilment_shipped = events.signal("fulfilment-shipped")
