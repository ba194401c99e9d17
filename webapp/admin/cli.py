"""`flask users create EMAIL --role admin`: staff accounts from the command line."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup

from webapp.admin.accounts import ROLES, AccountError, create_user
from webapp.extensions import db

cli = AppGroup("users", help="Staff accounts.")


@cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(ROLES), default="viewer", show_default=True)
def create_command(email: str, role: str) -> None:
    """Add a member of staff; the password is asked for, or read from standard input."""
    if sys.stdin.isatty():
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    try:
        user = create_user(email, password, role)
    except AccountError as error:
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{user.email} can now sign in as {role}.")
