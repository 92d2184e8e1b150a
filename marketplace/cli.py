"""Command-line entry points: `flask users ...`, `flask seed ...`, `flask ledger ...`."""

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from flask import current_app
from flask.cli import AppGroup

from marketplace.accounts import services as accounts
from marketplace.errors import DomainError
from marketplace.i18n import _, force_locale, terminal_locale, translate
from marketplace.regions import services as regions

# Installed as package data; in the checkout, marketplace/seed links to seed/.
SEED_DIR = Path(__file__).resolve().parent / "seed"


class Commands(AppGroup):
    """Each command speaks the terminal's language (i18n.terminal_locale: English for an English
    LANG, Chinese otherwise). One that fails on a missing file or a refused change says why and
    exits 1, so that a deployment script running it stops there."""

    def command(self, *args: Any, **kwargs: Any) -> Callable[[Callable], click.Command]:  # type: ignore[override]
        register = super().command(*args, **kwargs)

        def decorator(callback: Callable) -> click.Command:
            @functools.wraps(callback)
            def in_terminal_language(*call_args: Any, **call_kwargs: Any) -> Any:
                # Inside the app context AppGroup pushes around the callback, which the locale needs.
                with force_locale(terminal_locale()):
                    try:
                        return callback(*call_args, **call_kwargs)
                    except DomainError as error:
                        raise click.ClickException(translate(error.message)) from error
                    except OSError as error:
                        raise click.ClickException(str(error)) from error

            return register(in_terminal_language)

        return decorator


users_cli = Commands("users", help="Manage user accounts.")
seed_cli = Commands("seed", help="Load reference and demo data.")
ledger_cli = Commands("ledger", help="The sales ledger: its monthly rollup and monthly reports (台账).")


@users_cli.command("create-admin")
@click.option(
    "--email", required=True, help="The admin's email; an existing user who verified it is made admin."
)
@click.option("--name", "display_name", default="Administrator", show_default=True, help="Display name.")
@click.password_option(help="Password of a new account (asked for when not given).")
def create_admin(email: str, display_name: str, password: str) -> None:
    """Create an admin account, or grant admin to an existing user who verified their address
    (their password is left as it is). Refuses, exit status 1, an account never verified."""
    user, created = accounts.create_admin(email, password, display_name)
    if created:
        click.echo(_("Created %(email)s (id %(id)s).", email=user.email, id=user.id))
    else:
        click.echo(
            _(
                "Granted admin to %(email)s (id %(id)s); its password is unchanged.",
                email=user.email,
                id=user.id,
            )
        )


@seed_cli.command("regions")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=SEED_DIR / "regions",
    show_default="the data shipped with the package",
    help="A folder with regions.csv, poverty_flags.csv and pairings.csv.",
)
def seed_regions(directory: Path) -> None:
    """Load the region tree, poverty flags and pairings (idempotent)."""
    with click.progressbar(length=1, label=_("Loading regions")) as bar:
        counts = regions.load_region_seed(directory)
        bar.update(1)
    click.echo(regions.describe_seed(counts))


@seed_cli.command("demo")
def seed_demo() -> None:
    """Load the regions and the demo data; never under the production config."""
    if current_app.config["ENV"] == "production":
        raise click.ClickException(_("Demo data is never loaded under the production config."))
    from marketplace.seed.demo import load_demo

    load_demo(SEED_DIR, echo=click.echo)


@ledger_cli.command("check-rollup")
def check_rollup() -> None:
    """Compare the monthly rollup with the sum of the ledger entries; exit 1 if they differ."""
    from marketplace.ledger import entries as ledger

    differences = ledger.rollup_differences()
    for difference in differences[:20]:
        click.echo(_("differs: %(row)s", row=difference), err=True)
    if differences:
        count = len(differences)
        raise click.ClickException(_("%(count)s rollup rows differ from the entries.", count=count))
    click.echo(_("The monthly rollup equals the sum of the entries."))


@ledger_cli.command("rebuild-rollup")
def rebuild_rollup() -> None:
    """Recompute the monthly rollup from the entries, e.g. after a bulk load that bypassed the
    application. Takes the entries' totals as they are; the entries are not changed."""
    from marketplace.ledger import entries as ledger

    with click.progressbar(length=1, label=_("Summing the ledger per month and slice")) as bar:
        rows = ledger.rebuild_rollup()
        bar.update(1)
    click.echo(_("%(count)s rollup rows.", count=rows))
