"""Real races for the tests of any domain: requests sent at the same moment, each from its own
thread (so its own app context, session and database connection), and the pauses and barriers that
make every party of a race pass its check before any of them writes."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import event

from marketplace.extensions import db


def at_once(app, requests):
    """Send every request at the same moment, each from its own thread; returns their responses in
    order. Each request is a function of a test client."""
    # The test's own transaction ends first: on SQLite an open one would hold the write lock.
    db.session.commit()
    start = threading.Barrier(len(requests))

    def send(request):
        client = app.test_client()
        start.wait()
        return request(client)

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def slowly(check, seconds=0.2):
    """The check, then a pause before its caller writes: without serialisation every request of a
    race would pass the check before the first one's write, not only those that happen to."""

    def slowed(*args, **kwargs):
        result = check(*args, **kwargs)
        time.sleep(seconds)
        return result

    return slowed


@contextmanager
def both_checked_before_either_inserts(model, parties=2):
    """Each INSERT of `model` waits until every party has reached its own: so every party has run
    its check-if-it-exists first, and all but one must be refused by the unique constraint."""
    barrier = threading.Barrier(parties, timeout=10)

    def wait(mapper, connection, target):
        barrier.wait()

    event.listen(model, "before_insert", wait)
    try:
        yield
    finally:
        event.remove(model, "before_insert", wait)
