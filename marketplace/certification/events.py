"""What happens to a certification, announced for the domains above certification to act on in the
same transaction (see payments/events.py). Listeners are connected when the app is built
(create_app): the notifications (notifications/receivers.py)."""

from blinker import Namespace

events = Namespace()

# A certification changed status: send(certification, from_status=<str>, to_status=<str>, reason=<str|None>).
certification_moved = events.signal("certification-moved")
