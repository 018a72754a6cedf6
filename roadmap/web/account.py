"""The user's own account: personal API tokens (made, listed, revoked; the secret is shown once), and which
notifications also come by e-mail."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from forms.api_tokens import TokenForm
from forms.auth import ConfirmForm
from forms.notifications import email_choices_form, field_name
from roadmap.models import utcnow
from roadmap.policy import Action
from roadmap.services import Invalid
from roadmap.services.directory import api_tokens
from roadmap.services.platform import notifications
from roadmap.web.guard import authorize, authorized_token

bp = Blueprint("account", __name__)


def _page(
    form: TokenForm, *, created: api_tokens.Created | None = None, status: int = 200
) -> tuple[str, int]:
    return (
        render_template(
            "account/tokens.html",
            form=form,
            created=created,
            tokens=api_tokens.tokens_of(current_user),
            revoke_form=ConfirmForm(),
            now=utcnow(),
        ),
        status,
    )


@bp.route("/account/tokens", methods=["GET", "POST"])
@login_required
def tokens() -> tuple[str, int]:
    authorize(Action.MANAGE_API_TOKENS)
    form = TokenForm()
    if not form.is_submitted():
        return _page(form)
    if not form.validate():
        return _page(form, status=400)
    try:
        created = api_tokens.create(
            current_user, form.name.data or "", expires_in_days=int(form.expires_in_days.data or 0)
        )
    except Invalid as error:
        for problem in error.problems:
            form.form_errors.append(str(problem.message))
        return _page(form, status=400)
    # The secret goes into this page only: never into the session (a flash message would put it in the
    # cookie) nor the log. Reloading the page does not show it again.
    return _page(TokenForm(formdata=None), created=created, status=201)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def notification_preferences() -> Response | str:
    authorize(Action.READ_NOTIFICATIONS)
    form = email_choices_form(notifications.LABELS, notifications.preferences_of(current_user))
    if form.validate_on_submit():
        notifications.set_preferences(current_user, form.choices())
        flash(_("Your e-mail choices have been saved."), "success")
        return redirect(url_for("account.notification_preferences"))
    return render_template(
        "account/notifications.html",
        form=form,
        field_name=field_name,
        heading=_("E-mail notifications"),
        intro=_(
            "Every notification appears in the application. Tick the kinds you also want by e-mail, "
            "in your language, with a link to the page."
        ),
    )


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def token_revoke(token_id: int) -> Response | tuple[str, int]:
    token = authorized_token(token_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        return _page(TokenForm(formdata=None), status=400)
    if api_tokens.revoke(token, actor=current_user):
        flash(
            _("The token “%(name)s” has been revoked: it no longer opens the API.", name=token.name),
            "success",
        )
    else:
        flash(_("The token “%(name)s” was already revoked.", name=token.name), "info")
    return redirect(url_for("account.tokens"))
