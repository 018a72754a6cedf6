"""E-mail copies of notifications, sent through the organisation's SMTP server (Flask-Mailman).

A notification that its recipient wants by e-mail has an `OutgoingEmail` row, added in the same
transaction (roadmap.services.platform.notifications). Once that transaction commits, the mail is sent
away from the user's action:

- with `REDIS_URL` set, as an RQ job (`roadmap.worker.send_email`) retried with growing pauses while the
  server is down;
- without Redis (the embedded default), in this process once the response has gone (a request), or at the
  end of the command (`flask reminders send`).

A mail that could not be sent stays queued with its attempts and last error, and `flask mail send`
(run by the same timer as the reminders) tries it again, up to MAX_ATTEMPTS in all. A server that is down
never fails the action that caused the mail: sending happens after its commit, and errors are kept, not
raised.

A mail holds the notification's text in the recipient's language, a link to the page, and a link to the
recipient's e-mail preferences: never an answer or any other content of an assessment.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from flask import Flask, after_this_request, current_app, has_request_context, render_template, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from roadmap.extensions import db, mail
from roadmap.models import EmailStatus, Notification, OutgoingEmail, User, utcnow
from roadmap.services.platform import jobs, notifications

log = logging.getLogger("roadmap.mail")

MAX_ATTEMPTS = 5
# Pauses between RQ's attempts, in seconds: a server restarting, then a longer outage.
RETRY_INTERVALS = [30, 120, 600, 1800]
WORKER_ENTRY_POINT = "roadmap.worker.send_email"
_PENDING = "roadmap.outgoing_emails"


def init_app(app: Flask) -> None:
    """Send the mails of every committed transaction that created some (see the module's docstring)."""
    if getattr(init_app, "_listening", False):
        return
    init_app._listening = True  # type: ignore[attr-defined]  # session events are global: listen once

    @event.listens_for(Session, "after_flush")
    def _remember(session: Session, _context: Any) -> None:
        created = [row.id for row in session.new if isinstance(row, OutgoingEmail)]
        if created:
            session.info.setdefault(_PENDING, []).extend(created)

    @event.listens_for(Session, "after_commit")
    def _dispatch(session: Session) -> None:
        created = session.info.pop(_PENDING, None)
        if created:
            dispatch(created)

    @event.listens_for(Session, "after_rollback")
    def _forget(session: Session) -> None:
        session.info.pop(_PENDING, None)


def enabled() -> bool:
    return bool(current_app.config.get("MAIL_ENABLED"))


def dispatch(email_ids: Iterable[int]) -> None:
    """Start sending these committed mails: on the queue, after the response, or left for `send_pending`."""
    ids = list(email_ids)
    if not enabled():
        return
    if current_app.config.get("REDIS_URL"):
        try:
            from rq import Retry  # as jobs.py: RQ is loaded only where Redis is configured

            queue = jobs.queue()
            for email_id in ids:
                queue.enqueue(
                    WORKER_ENTRY_POINT,
                    email_id,
                    retry=Retry(max=MAX_ATTEMPTS - 1, interval=RETRY_INTERVALS),
                    job_timeout=120,
                    result_ttl=600,
                    failure_ttl=7 * 24 * 3600,
                )
        except Exception:  # the queue is down: the mails stay queued for `flask mail send`
            log.warning("mail: could not queue %d e-mail(s); they wait for `flask mail send`", len(ids))
        return
    if has_request_context():
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        @after_this_request
        def _after(response: Any) -> Any:
            response.call_on_close(lambda: _send_in_app(app, ids))
            return response


def _send_in_app(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        for email_id in ids:
            send(email_id)


def send(email_id: int) -> bool:
    """One attempt at one queued mail; True when it was sent (or needs no sending any more)."""
    email = db.session.get(OutgoingEmail, email_id)
    if email is None or email.status != EmailStatus.QUEUED.value:
        return True
    notification = email.notification
    user = db.session.get(User, notification.user_id)
    if user is None or not user.active:
        email.status = EmailStatus.FAILED.value
        email.last_error = "recipient inactive"
        db.session.commit()
        return True
    email.attempts += 1
    try:
        message = compose(notification, user)
        message.send()
    except Exception as error:  # the server is down, refused us, or timed out: kept, retried later
        db.session.rollback()
        email = db.session.get(OutgoingEmail, email_id)
        if email is None:
            return True
        email.attempts += 1
        email.last_error = f"{type(error).__name__}: {error}"[:255]
        if email.attempts >= MAX_ATTEMPTS:
            email.status = EmailStatus.FAILED.value
        db.session.commit()
        log.warning("mail %s: attempt %d failed: %s", email_id, email.attempts, email.last_error)
        return False
    email.status = EmailStatus.SENT.value
    email.sent_at = utcnow()
    email.last_error = ""
    db.session.commit()
    return True


def send_pending() -> tuple[int, int]:
    """Try every queued mail once (the timer's retry, and the embedded shape's command runs); returns
    (sent, still waiting)."""
    if not enabled():
        return 0, 0
    ids = list(
        db.session.scalars(
            select(OutgoingEmail.id)
            .where(OutgoingEmail.status == EmailStatus.QUEUED.value)
            .order_by(OutgoingEmail.id)
        )
    )
    sent = sum(1 for email_id in ids if send(email_id))
    return sent, len(ids) - sent


def link(notification: Notification, endpoint: str | None = None) -> str:
    """The absolute address of the page a notification is about, at PUBLIC_URL (no request needed)."""
    base = current_app.config.get("PUBLIC_URL", "http://127.0.0.1:5000")
    with current_app.test_request_context("/", base_url=base):
        if endpoint is not None:
            return url_for(endpoint, _external=True)
        target, name = notifications.LINKS.get(notification.kind, notifications.DEFAULT_LINK)
        value = (notification.params or {}).get(name)
        if value is None:
            return url_for("main.home", _external=True)
        return url_for(target, _external=True, **{name: value})


def compose(notification: Notification, user: User) -> EmailMultiAlternatives:
    """The mail of a notification for its recipient, in the recipient's language: text and HTML parts."""
    locale = user.locale if user.locale in current_app.config.get("LANGUAGES", ("vi", "en")) else "vi"
    with force_locale(locale):
        words = notifications.text(notification)
        context = {
            "user": user,
            "text": words,
            "link": link(notification),
            "preferences": link(notification, "account.notification_preferences"),
            "locale": locale,
        }
        subject = _("[Digital transformation roadmap] %(text)s", text=words)
        body = render_template("email/notification.txt", **context)
        html = render_template("email/notification.html", **context)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split())[:200],
        body=body,
        from_email=current_app.config.get("MAIL_DEFAULT_SENDER"),
        to=[user.email],
        connection=mail.get_connection(),
    )
    message.attach_alternative(html, "text/html")
    return message
