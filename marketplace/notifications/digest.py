"""The officers' weekly digest of alerts: on Monday morning each officer with open alerts in their
regions is told how many of each kind there are and the soonest due of each, with their figures, in the
inbox and by mail. Once per officer and ISO week (its event key): a rerun tells nobody twice."""

from datetime import date
from itertools import zip_longest
from typing import Any

from sqlalchemy import func, select

from marketplace.accounts.models import RoleGrant, User
from marketplace.alerts.models import KINDS
from marketplace.alerts.services import list_alerts
from marketplace.extensions import db
from marketplace.notifications.models import NotificationKind
from marketplace.notifications.services import notify
from marketplace.timeutil import china_today

# How many of an officer's open alerts the digest words in full, the soonest due first.
SHOWN = 3


def send_weekly_digests(today: date | None = None) -> int:
    """Tell each active officer with open alerts what is open in their regions this week; returns
    how many were told now."""
    year, week, _weekday = (today or china_today()).isocalendar()
    officers = db.session.scalars(
        select(User)
        .where(
            User.is_active,
            User.id.in_(select(RoleGrant.user_id).where(RoleGrant.role == "region_officer")),
        )
        .order_by(User.id)
    ).all()
    told = 0
    for officer in officers:
        digest = _digest_of(officer)
        if digest is not None:
            told += notify(
                {officer.id},
                NotificationKind.ALERT_DIGEST,
                officer,
                f"alert_digest:{year}-W{week:02d}",
                digest,
            )
    db.session.commit()
    return told


def _digest_of(officer: User) -> dict[str, Any] | None:
    """The figures of an officer's digest: open alerts by kind and a few of them; None when none is
    open."""
    opened = list_alerts(officer, None).subquery()
    by_kind: dict[str, int] = dict(
        db.session.execute(select(opened.c.kind, func.count()).group_by(opened.c.kind)).all()
    )
    if not by_kind:
        return None
    kinds = [kind for kind in KINDS if kind in by_kind]
    # The soonest due of each kind in turn: a target behind is not crowded out by a county's unsold stock.
    soonest = [list(db.session.scalars(list_alerts(officer, kind).limit(SHOWN))) for kind in kinds]
    shown = [alert for turn in zip_longest(*soonest) for alert in turn if alert is not None][:SHOWN]
    return {
        "total": sum(by_kind.values()),
        "counts": {kind: by_kind[kind] for kind in kinds},
        "shown": [{"kind": a.kind, "region": a.region_name, "alert": a.params} for a in shown],
    }
