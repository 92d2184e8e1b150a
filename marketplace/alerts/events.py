"""What happens to alerts, announced for the domains above alerts to act on in the same transaction
(see payments/events.py). Listeners are connected when the app is built (create_app): the
notifications (notifications/receivers.py)."""

from blinker import Namespace

events = Namespace()

# An alert newly opened, raised for the first time or opened again when its cause returned; flushed,
# so it has its id: send(alert).
alert_opened = events.signal("alert-opened")
