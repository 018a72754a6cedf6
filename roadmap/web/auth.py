"""Logging in and out, changing one's password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from forms import attach_problems
from forms.auth import ChangePasswordForm, ConfirmForm, LoginForm
from roadmap.services import Invalid
from roadmap.services.directory import accounts
from roadmap.services.directory.accounts import LoginResult
from roadmap.web.security import start_session

bp = Blueprint("auth", __name__)


def safe_next(target: str | None) -> str | None:
    """Only a path on this site: no scheme, no host, no protocol-relative or backslash tricks."""
    if not target:
        return None
    if any(ch in target for ch in ("\\", "\r", "\n", "\t")) or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
def login() -> str | Response:
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm()
    if form.validate_on_submit():
        outcome = accounts.authenticate(form.email.data or "", form.password.data or "")
        if outcome.result is LoginResult.OK and outcome.user is not None:
            # A new session on login: nothing an attacker planted before login survives it.
            session.clear()
            login_user(outcome.user)
            start_session()
            return redirect(safe_next(request.args.get("next")) or url_for("main.home"))
        if outcome.result is LoginResult.LOCKED:
            form.form_errors.append(
                _("Too many failed attempts. Please wait 15 minutes and try again, or ask an administrator.")
            )
        else:
            form.form_errors.append(_("The e-mail address or the password is not correct."))
        form.password.data = ""
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Response:
    form = ConfirmForm()
    if form.validate_on_submit():
        accounts.logout(current_user)
        logout_user()
        locale = session.get("locale")
        session.clear()
        if locale:
            session["locale"] = locale
        flash(_("You have logged out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password() -> str | Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            accounts.change_password(
                current_user,
                form.current_password.data or "",
                form.new_password.data or "",
                form.confirm_password.data or "",
            )
        except Invalid as error:
            attach_problems(form, error)
        else:
            # Every other session ended with the change; this one goes on under the new version.
            login_user(current_user._get_current_object())
            start_session()
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("main.home"))
    return render_template("auth/change_password.html", form=form)
