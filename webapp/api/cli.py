"""`flask api-keys create NAME`: keys for the shop's systems, shown once."""

from __future__ import annotations

import click
from flask.cli import AppGroup
from sqlalchemy import select

from webapp.api.keys import SCOPES, ApiKeyError, issue, revoke
from webapp.extensions import db
from webapp.models import ApiKey

cli = AppGroup("api-keys", help="Keys to the shop API.")


@cli.command("create")
@click.argument("name")
@click.option(
    "--scope",
    "scopes",
    type=click.Choice(SCOPES),
    multiple=True,
    default=SCOPES,
    show_default=True,
    help="What the key may do; repeat for several.",
)
def create_command(name: str, scopes: tuple[str, ...]) -> None:
    """Make a key; it is printed once and cannot be shown again."""
    try:
        row, key = issue(name, list(scopes))
    except ApiKeyError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(key)
    click.echo(f"Key {row.name!r} ({row.scopes}). Store it now: it is not shown again.", err=True)


@cli.command("list")
def list_command() -> None:
    """Every key: name, scopes, when made, last used, revoked."""
    for row in db.session.scalars(select(ApiKey).order_by(ApiKey.name)):
        used = row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never"
        state = f"revoked {row.revoked_at:%Y-%m-%d}" if row.revoked_at else "live"
        fields = [row.name, f"mln_{row.lookup}_…", row.scopes]
        fields += [f"made {row.created_at:%Y-%m-%d}", f"used {used}", state]
        click.echo("\t".join(fields))


@cli.command("revoke")
@click.argument("name")
def revoke_command(name: str) -> None:
    """Stop a key at once; its row stays, so the list shows what it was."""
    try:
        row = revoke(name)
    except ApiKeyError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Key {row.name!r} is revoked.")
