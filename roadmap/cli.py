"""Command-line interface: `flask users create`, `flask demo load` (and Flask-Migrate's `flask db`)."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from roadmap.extensions import db
from roadmap.models import Role
from roadmap.services import Invalid, accounts
from roadmap.services.accounts import UserDetails

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the e-mail's local part).")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--office", "office_code", default=None, help="Office code, for respondents.")
@click.option("--locale", type=click.Choice(["vi", "en"]), default="vi")
@click.option(
    "--password-prompt", is_flag=True, help="Ask for the password instead of generating a one-time password."
)
def create_user(
    email: str, full_name: str | None, role: str, office_code: str | None, locale: str, password_prompt: bool
) -> None:
    """Create an account; prints a one-time password unless --password-prompt is given."""
    password = (
        click.prompt("Password", hide_input=True, confirmation_prompt=True) if password_prompt else None
    )
    details = UserDetails(email, full_name or email.split("@")[0], role, office_code, locale)
    try:
        user, given = accounts.create_user(details, password, actor=None)
    except Invalid as error:
        db.session.rollback()
        for problem in error.problems:
            click.echo(f"error: {problem.field or 'account'}: {problem.message}", err=True)
        raise SystemExit(1) from error
    click.echo(f"Created {user.role} {user.email}.")
    if password is None:
        click.echo(f"One-time password (to be changed at first login): {given}")


@demo_cli.command("load")
def load_demo() -> None:
    """Load demonstration offices, accounts and an open cycle (idempotent) and print the logins."""
    from roadmap.services import demo

    if current_app.config["PRODUCTION"]:
        click.echo("error: demo data is refused in production mode (no default accounts).", err=True)
        raise SystemExit(1)
    logins = demo.load()
    click.echo("Demo logins (also kept in instance/demo-logins.txt):")
    for login in logins:
        click.echo(f"  {login.role:<11} {login.email:<32} {login.password}   {login.office or ''}")


def init_app(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
