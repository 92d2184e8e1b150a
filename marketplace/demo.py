"""Demo data for the embedded default: demo accounts for each role on the seeded regions."""

from collections.abc import Callable
from pathlib import Path

import click
from sqlalchemy import select

from marketplace.accounts import services as accounts
from marketplace.accounts.models import RoleGrant, User
from marketplace.extensions import db
from marketplace.regions import services as regions

# (email, password, display name, role grants); listed in the README too.
DEMO_ACCOUNTS = [
    ("admin@demo.test", "demo-admin-pass", "Demo admin", [("admin", None)]),
    ("fengjie.officer@demo.test", "demo-officer-pass", "奉节县 officer", [("region_officer", "500236")]),
    ("chongqing.officer@demo.test", "demo-officer-pass", "重庆市 officer", [("region_officer", "500000")]),
    ("buyer@demo.test", "demo-buyer-pass", "Demo buyer", []),
]


def load_demo(seed_dir: Path, echo: Callable[[str], None]) -> None:
    counts = regions.load_region_seed(seed_dir / "regions")
    echo("Regions: " + ", ".join(f"{n} {what}" for what, n in counts.items()))
    with click.progressbar(DEMO_ACCOUNTS, label="Demo accounts") as bar:
        for email, password, name, grants in bar:
            _demo_account(email, password, name, grants)
    db.session.commit()
    echo("Demo accounts (email / password):")
    for email, password, _, grants in DEMO_ACCOUNTS:
        roles = ", ".join(f"{r} {c or ''}".strip() for r, c in grants) or "buyer"
        echo(f"  {email:32} {password:20} {roles}")


def _demo_account(email: str, password: str, name: str, grants: list[tuple[str, str | None]]) -> None:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        accounts.register_user(email, password, name)
        user = db.session.scalar(select(User).where(User.email == email))
    for role, region_code in grants:
        if not any(g.role == role and g.region_code == region_code for g in user.role_grants):
            user.role_grants.append(RoleGrant(role=role, region_code=region_code))
