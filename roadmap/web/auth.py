"""Logging in and out, changing one's password."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from forms import attach_problems
from forms.auth import (
    ChangePasswordForm,
    ConfirmForm,
    EnrolSecondFactorForm,
    LoginForm,
    SecondFactorForm,
)
from roadmap.extensions import db
from roadmap.policy import second_factor_required
from roadmap.services import Invalid
from roadmap.services.directory import accounts
from roadmap.services.directory import second_factor as second_factor_service
from roadmap.services.directory.accounts import LoginResult
from roadmap.services.directory.second_factor import CodeResult
from roadmap.web.security import SECOND_FACTOR_PENDING, start_session
from roadmap.web.templating import local_date

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
            user = outcome.user
            # A new session on login: nothing an attacker planted before login survives it.
            session.clear()
            login_user(user)
            start_session()
            target = safe_next(request.args.get("next"))
            second_factor_service.note_login(user)
            db.session.commit()
            if second_factor_service.is_enrolled(user):
                session[SECOND_FACTOR_PENDING] = True
                return redirect(url_for("auth.second_factor", next=target))
            if second_factor_required(user):
                if second_factor_service.enrolment_overdue(user):
                    return redirect(url_for("auth.enrol_second_factor", next=target))
                flash(
                    _(
                        "Please turn on two-factor sign-in by %(date)s: after that day your account can "
                        "only do that.",
                        date=local_date(user.second_factor_grace_until),
                    ),
                    "warning",
                )
            return redirect(target or url_for("main.home"))
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


def _end_locked_session() -> Response:
    logout_user()
    session.clear()
    flash(
        _("Too many failed attempts. Please wait 15 minutes and try again, or ask an administrator."),
        "danger",
    )
    return redirect(url_for("auth.login"))


@bp.route("/login/code", methods=["GET", "POST"])
@login_required
def second_factor() -> str | Response:
    """The second step of signing in: the authenticator's code, or a recovery code."""
    user = current_user._get_current_object()
    target = safe_next(request.args.get("next")) or url_for("main.home")
    if not session.get(SECOND_FACTOR_PENDING):
        return redirect(target)
    form = SecondFactorForm()
    if form.validate_on_submit():
        result = second_factor_service.verify(user, form.code.data or "")
        if result is CodeResult.LOCKED:
            return _end_locked_session()
        if result in (CodeResult.OK, CodeResult.RECOVERY_CODE_USED):
            session.pop(SECOND_FACTOR_PENDING, None)
            if result is CodeResult.RECOVERY_CODE_USED:
                flash(
                    _(
                        "You signed in with a recovery code, which cannot be used again. "
                        "%(n)d codes are left.",
                        n=second_factor_service.recovery_codes_left(user),
                    ),
                    "warning",
                )
            return redirect(target)
        if result is CodeResult.REPLAYED:
            form.code.errors = [_("This code has already been used. Wait for the next one and enter it.")]
        else:
            form.code.errors = [_("The code is not correct.")]
        form.code.data = ""
    return render_template("auth/second_factor.html", form=form)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def enrol_second_factor() -> str | Response:
    """Turning on two-factor sign-in: scan the QR code, confirm with a first code, keep the recovery codes."""
    user = current_user._get_current_object()
    if second_factor_service.is_enrolled(user):
        return render_template(
            "account/two_factor.html",
            user=user,
            enrolled=True,
            codes_left=second_factor_service.recovery_codes_left(user),
        )
    form = EnrolSecondFactorForm()
    if form.validate_on_submit():
        codes = second_factor_service.confirm_enrolment(user, form.code.data or "")
        if codes is not None:
            # Shown once, in the answer to this request (no-store): only their hashes are kept.
            return render_template("account/recovery_codes.html", codes=codes)
        if second_factor_service.is_locked(user):
            return _end_locked_session()
        form.code.errors = [_("The code is not correct.")]
        form.code.data = ""
    enrolment = second_factor_service.begin_enrolment(user)
    return render_template(
        "account/two_factor.html",
        user=user,
        enrolled=False,
        enrolment=enrolment,
        form=form,
        overdue=second_factor_service.enrolment_overdue(user),
    )
