"""Command-line interface: `flask users create`, `flask demo load`, `flask cycle open`, `flask framework …`
(and Flask-Migrate's `flask db`)."""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections import Counter
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from flask_babel import force_locale
from sqlalchemy import select

from roadmap import worker as worker_process
from roadmap.engine.loader import FrameworkError
from roadmap.engine.text import ForbiddenCharacter, normalise
from roadmap.extensions import db
from roadmap.models import Assessment, Cycle, CycleStatus, FrameworkVersion, JobStatus, Role, User
from roadmap.policy import Action, permits
from roadmap.services import Invalid
from roadmap.services.demo import loader as demo
from roadmap.services.directory import accounts, cycles
from roadmap.services.directory.accounts import UserDetails
from roadmap.services.directory.cycles import CycleDetails
from roadmap.services.platform import backup, jobs, mail
from roadmap.services.platform.clock import local_today
from roadmap.services.platform.text import refusal
from roadmap.services.reporting import batch as report_batch
from roadmap.services.reporting import jobs as report_jobs
from roadmap.services.reporting import pdf as report_pdf
from roadmap.services.reporting import signed_reports, signing, verification
from roadmap.services.review import reminders
from roadmap.services.survey import frameworks

users_cli = AppGroup("users", help="Manage user accounts.")
demo_cli = AppGroup("demo", help="Demonstration data.")
framework_cli = AppGroup("framework", help="Framework versions: validate, import, list, export.")


def typed_text(_context: click.Context, parameter: click.Parameter, value: str | None) -> str | None:
    """A text given on the command line through the one text boundary: NFC, or refused naming its option."""
    if value is None:
        return None
    try:
        return normalise(value)
    except ForbiddenCharacter as problem:
        raise click.BadParameter(str(refusal(parameter.name or "", problem))) from None


def typed_texts(
    context: click.Context, parameter: click.Parameter, values: tuple[str, ...]
) -> tuple[str, ...]:
    """`typed_text` for an option given several times."""
    return tuple(str(typed_text(context, parameter, value)) for value in values)


@users_cli.command("create")
@click.option("--email", required=True, callback=typed_text)
@click.option(
    "--name",
    "full_name",
    default=None,
    callback=typed_text,
    help="Full name (defaults to the e-mail's local part).",
)
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option(
    "--office", "office_code", default=None, callback=typed_text, help="Office code, for respondents."
)
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

    if current_app.config["PRODUCTION"]:
        click.echo("error: demo data is refused in production mode (no default accounts).", err=True)
        raise SystemExit(1)
    # Loading the demo records hundreds of audit events (all kept in the audit log); their echo on the
    # console would bury the logins printed below.
    logging.getLogger("roadmap.security").setLevel(logging.WARNING)
    logins = demo.load()
    click.echo("Demo logins (also kept in instance/demo-logins.txt):")
    for login in logins:
        click.echo(f"  {login.role:<11} {login.email:<32} {login.password}   {login.office or ''}")


@demo_cli.command("reports")
def demo_reports() -> None:
    """Render the demo's reports of the day, for its administrator (`make run` does it in the background,
    as the nightly `flask report prerender` does in production)."""
    admin = db.session.scalar(select(User).where(User.email == demo.DEMO_ADMIN[0]))
    if admin is None:
        raise click.ClickException("The demo is not loaded (flask demo load).")
    _prerender(admin)


def _fail(error: Invalid) -> None:
    db.session.rollback()
    for problem in error.problems:
        click.echo(f"error: {problem.message}", err=True)
    raise SystemExit(1) from error


@framework_cli.command("validate")
@click.argument("path", type=click.Path(dir_okay=False))
def framework_validate(path: str) -> None:
    """Check a framework file; list every problem with its line, or say it is valid."""

    try:
        framework = frameworks.validate(frameworks.read_text(path), path)
    except Invalid as error:
        _fail(error)
    except FrameworkError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from error
    click.echo(
        f"{path}: valid — {framework.id} {framework.version}, {len(framework.dimensions)} dimensions, "
        f"{len(framework.questions)} questions, {len(framework.initiatives)} initiatives, "
        f"fingerprint {framework.fingerprint[:16]}"
    )
    for warning in framework.warnings:
        click.echo(f"warning: {warning}")


@framework_cli.command("import")
@click.argument("path", type=click.Path(dir_okay=False))
def framework_import(path: str) -> None:
    """Import a framework version (validated first; the same content twice is harmless)."""

    try:
        result = frameworks.import_file(path, actor=None)
    except Invalid as error:
        _fail(error)
    except FrameworkError as error:
        click.echo(str(error), err=True)
        raise SystemExit(1) from error
    row = result.version
    verb = "Imported" if result.created else "Already imported"
    click.echo(f"{verb}: {row.framework_key} {row.version} (fingerprint {row.fingerprint[:16]})")


@framework_cli.command("list")
def framework_list() -> None:
    """List the imported framework versions."""

    rows = frameworks.versions()
    if not rows:
        click.echo("No framework imported yet (flask framework import PATH).")
    for row in rows:
        click.echo(
            f"{row.framework_key:<20} {row.version:<10} {row.fingerprint[:16]}  "
            f"{row.question_count:>4} questions  {row.initiative_count:>3} initiatives  "
            f"{row.imported_at:%Y-%m-%d %H:%M} UTC  {row.title_vi}"
        )


@framework_cli.command("export")
@click.argument("version", callback=typed_text)
@click.option(
    "--framework", "framework_key", default=None, help="Framework id, when several have this version."
)
@click.option("--output", "-o", type=click.Path(dir_okay=False, writable=True), default=None)
def framework_export(version: str, framework_key: str | None, output: str | None) -> None:
    """Write a stored version as YAML (importing the export gives the same fingerprint)."""

    rows = frameworks.find(version, framework_key)
    if not rows:
        click.echo(f"error: no framework version {version}.", err=True)
        raise SystemExit(1)
    if len(rows) > 1:
        keys = ", ".join(row.framework_key for row in rows)
        click.echo(f"error: several frameworks have version {version} ({keys}): use --framework.", err=True)
        raise SystemExit(1)
    text = frameworks.export(rows[0])
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
        click.echo(f"Wrote {output}")
    else:
        click.echo(text, nl=False)


cycle_cli = AppGroup("cycle", help="Assessment cycles: open one on a framework version, close, list.")


def _framework_version(version: str | None, framework_key: str | None) -> FrameworkVersion | None:
    """The stored version named on the command line (None when none was named); exits when ambiguous."""
    if version is None:
        return None
    rows = frameworks.find(version, framework_key)
    if not rows:
        click.echo(f"error: framework_version: no framework version {version}.", err=True)
        raise SystemExit(1)
    if len(rows) > 1:
        keys = ", ".join(row.framework_key for row in rows)
        click.echo(
            f"error: framework_version: several frameworks have version {version} ({keys}): use --framework.",
            err=True,
        )
        raise SystemExit(1)
    return rows[0]


def _fail_located(error: Invalid) -> None:
    db.session.rollback()
    for problem in error.problems:
        click.echo(f"error: {problem.field or 'cycle'}: {problem.message}", err=True)
    raise SystemExit(1) from error


@cycle_cli.command("open")
@click.argument("code")
@click.option("--version", "version", default=None, help="The framework version its assessments use.")
@click.option(
    "--framework", "framework_key", default=None, help="Framework id, when several have this version."
)
@click.option("--name-vi", default=None, help="Vietnamese name (new cycle).")
@click.option("--name-en", default=None, help="English name (new cycle).")
@click.option("--opens", "opens_on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
@click.option("--closes", "closes_on", type=click.DateTime(["%Y-%m-%d"]), default=None, help="YYYY-MM-DD")
def cycle_open(
    code: str,
    version: str | None,
    framework_key: str | None,
    name_vi: str | None,
    name_en: str | None,
    opens_on: dt.datetime | None,
    closes_on: dt.datetime | None,
) -> None:
    """Open a new cycle on a framework version, or reopen a closed one (which keeps its version)."""

    existing = db.session.scalar(select(Cycle).where(Cycle.code == code))
    chosen = _framework_version(version, framework_key)
    try:
        if existing is not None:
            if chosen is not None and chosen.id != existing.framework_version_id:
                click.echo(
                    f"error: framework_version: cycle {code} already uses "
                    f"{_label(existing.framework_version)}; a cycle's framework never changes.",
                    err=True,
                )
                raise SystemExit(1)
            cycles.set_status(existing, CycleStatus.OPEN, actor=None)
            cycle = existing
        else:
            details = CycleDetails(
                code=code,
                name_vi=name_vi or "",
                name_en=name_en or "",
                opens_on=opens_on.date() if opens_on else None,
                closes_on=closes_on.date() if closes_on else None,
                framework_version_id=chosen.id if chosen is not None else None,
            )
            cycle = cycles.create_cycle(details, actor=None)
    except Invalid as error:
        _fail_located(error)
    click.echo(f"Cycle {cycle.code} is open on {_label(cycle.framework_version)}.")


@cycle_cli.command("close")
@click.argument("code")
def cycle_close(code: str) -> None:
    """Close a cycle: no assessment can be started in it any more."""

    cycle = db.session.scalar(select(Cycle).where(Cycle.code == code))
    if cycle is None:
        raise click.ClickException(f"No cycle {code}.")
    cycles.set_status(cycle, CycleStatus.CLOSED, actor=None)
    click.echo(f"Cycle {cycle.code} is closed.")


@cycle_cli.command("list")
def cycle_list() -> None:
    """List the cycles with their status and framework version."""

    rows = db.session.scalars(select(Cycle).order_by(Cycle.opens_on.desc())).all()
    if not rows:
        click.echo("No cycle yet (flask cycle open CODE --version VERSION …).")
    for cycle in rows:
        click.echo(
            f"{cycle.code:<12} {cycle.status:<7} {cycle.opens_on} – {cycle.closes_on}  "
            f"{_label(cycle.framework_version)}"
        )


def _label(version: FrameworkVersion | None) -> str:
    return f"{version.framework_key} {version.version}" if version is not None else "no framework"


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty instead of waiting for more jobs.")
def worker(burst: bool) -> None:
    """Run background jobs (exports, reports) from the Redis queue; one job at a time per process."""
    if not current_app.config.get("REDIS_URL"):
        click.echo("error: REDIS_URL is not set: without Redis, jobs run in the web process.", err=True)
        raise SystemExit(1)
    worker_process.work(current_app._get_current_object(), burst=burst)  # type: ignore[attr-defined]


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("purge")
@click.option("--days", type=click.IntRange(min=0), default=7, show_default=True)
def jobs_purge(days: int) -> None:
    """Forget finished jobs older than DAYS and delete their result files."""

    click.echo(f"Purged {jobs.purge(dt.timedelta(days=days))} finished jobs.")


@jobs_cli.command("reap")
def jobs_reap() -> None:
    """Mark jobs whose worker is gone as failed ("worker stopped") and queue them again within attempts."""
    reaped = jobs.reap()
    click.echo(f"Reaped {len(reaped)} jobs whose worker stopped.")


backup_cli = AppGroup("backup", help="Back up the database while the service runs; restore a backup.")


@backup_cli.command("create")
@click.argument("path", type=click.Path(dir_okay=False), required=False)
def backup_create(path: str | None) -> None:
    """Write a backup (default: instance/backups/roadmap-<UTC time>.<sqlite|dump>)."""

    url = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
    if path is None:
        suffix = "sqlite" if url.startswith("sqlite") else "dump"
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        path = str(Path(current_app.instance_path) / "backups" / f"roadmap-{stamp}.{suffix}")
    try:
        found = backup.create(url, Path(path))
    except backup.BackupError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from error
    click.echo(f"Backup written to {path} ({found}).")


@backup_cli.command("restore")
@click.argument("path", type=click.Path(dir_okay=False, exists=True))
@click.option("--replace", is_flag=True, help="Overwrite a database that is not empty.")
def backup_restore(path: str, replace: bool) -> None:
    """Restore a backup into the configured database (which must be empty unless --replace)."""

    db.session.remove()
    db.engine.dispose()  # no connection of ours stays open on the database being replaced
    try:
        url = str(current_app.config["SQLALCHEMY_DATABASE_URI"])
        found = backup.restore(url, Path(path), replace=replace)
    except backup.BackupError as error:
        click.echo(f"error: {error}", err=True)
        raise SystemExit(1) from error
    click.echo(f"Restored {path}: {found}.")


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(demo_cli)
    app.cli.add_command(framework_cli)
    app.cli.add_command(cycle_cli)
    app.cli.add_command(worker)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(report_cli)
    app.cli.add_command(mail_cli)
    app.cli.add_command(reminders_cli)


reminders_cli = AppGroup("reminders", help="Deadline and review reminders (run daily by a timer).")


@reminders_cli.command("configure")
@click.option("--cycle", "cycle_code", required=True, help="Cycle code, e.g. 2026.")
@click.option("--days", "reminder_days", required=True, help="Days before closing, e.g. 14,7,2.")
@click.option("--review-after", "review_days", type=int, required=True, help="Days a submission may wait.")
def reminders_configure(cycle_code: str, reminder_days: str, review_days: int) -> None:
    """Change when an existing cycle's reminders go (a new cycle gets them on the admin's cycle form)."""
    cycle = db.session.scalar(select(Cycle).where(Cycle.code == cycle_code))
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_code}.")
    try:
        cycles.set_reminders(cycle, reminder_days, review_days, actor=None)
    except Invalid as error:
        _fail(error)
    click.echo(
        f"Cycle {cycle.code}: reminders {cycle.reminder_days} days before closing, "
        f"reviews after {review_days} days."
    )


@reminders_cli.command("send")
@click.option(
    "--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, help="Default: today."
)
def reminders_send(day: dt.datetime | None) -> None:
    """Give the reminders due today, once per office, kind and day however often it runs; then send the
    e-mails still waiting (without Redis they go from this process)."""
    given = reminders.send_due(day.date() if day else None)
    click.echo(
        f"{given.deadline} office(s) reminded of the deadline, {given.review} review reminder(s), "
        f"{given.progress} office(s) reminded of their quarterly progress report."
    )
    if mail.enabled() and not current_app.config.get("REDIS_URL"):
        sent, waiting = mail.send_pending()
        click.echo(f"{sent} e-mail(s) sent, {waiting} still waiting.")


mail_cli = AppGroup("mail", help="E-mail notifications.")


@mail_cli.command("send")
def mail_send() -> None:
    """Try once more every e-mail still waiting (the mail server was down); run by the reminders timer."""
    if not mail.enabled():
        click.echo("MAIL_SERVER is not set: notifications stay in the application.")
        return
    sent, waiting = mail.send_pending()
    click.echo(f"{sent} e-mail(s) sent, {waiting} still waiting.")


report_cli = AppGroup(
    "report", help="The official report (PDF): one assessment, or every reviewed one of a cycle."
)


@report_cli.command("pdf")
@click.option("--assessment", "assessment_id", type=int, required=True)
@click.option("--lang", "locale", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--out", "out", type=click.Path(dir_okay=False, writable=True), required=True)
def report_pdf_command(assessment_id: int, locale: str, out: str) -> None:
    """Render the report of one assessment to a PDF file."""

    assessment = db.session.get(Assessment, assessment_id)
    if assessment is None:
        raise click.ClickException(f"No assessment {assessment_id}.")
    try:
        rendered = report_pdf.render_assessment(assessment, locale)
    except report_pdf.RenderFailed as error:
        raise click.ClickException(f"The render was stopped ({error.reason}): {error.detail}") from error
    with open(out, "wb") as stream:
        stream.write(rendered.pdf)
    click.echo(f"{out}: {len(rendered.pdf)} bytes in {rendered.seconds:.2f} s")


@report_cli.command("batch")
@click.option("--cycle", "cycle_code", required=True, callback=typed_text, help="Cycle code, e.g. 2026.")
@click.option("--out", "out", type=click.Path(file_okay=False), required=True)
@click.option("--lang", "locale", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--processes", type=int, default=None, help="Worker processes (default: one per core).")
def report_batch_command(cycle_code: str, out: str, locale: str, processes: int | None) -> None:
    """Render the report of every approved or published assessment of a cycle into a directory."""

    cycle = db.session.scalar(select(Cycle).where(Cycle.code == cycle_code))
    if cycle is None:
        raise click.ClickException(f"No cycle {cycle_code}.")
    ids = report_batch.reviewed_assessments(cycle)
    items = report_batch.render_all(ids, locale, Path(out), processes)
    failed = [item for item in items if item.error]
    for item in items:
        click.echo(item.path if not item.error else f"assessment {item.assessment_id}: {item.error}")
    click.echo(f"{len(items) - len(failed)} of {len(items)} reports written to {out}")
    if failed:
        raise SystemExit(1)


@report_cli.command("prerender")
@click.option(
    "--as",
    "email",
    required=True,
    callback=typed_text,
    help="The administrator (or consultant) the renders are made for: the reports they may download.",
)
@click.option(
    "--cycle",
    "cycle_codes",
    multiple=True,
    callback=typed_texts,
    help="Only this cycle (repeatable). Default: every cycle still open or closed within the last year.",
)
def report_prerender_command(email: str, cycle_codes: tuple[str, ...]) -> None:
    """Render today's reports (PDF and Word, Vietnamese and English) of every approved or published
    assessment that the cache does not hold yet, as the report jobs: on the queue with Redis, here and now
    without. A report is dated the day it is read, so each day gives every report a new key: run this each
    night after midnight (docs/deploy.md) and the day's first reader gets a cached file. A second run
    renders nothing that is cached."""
    actor = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if actor is None or not actor.active:
        raise click.ClickException(f"No active account {email}.")
    _prerender(actor, cycle_codes)


def _prerender(actor: User, cycle_codes: tuple[str, ...] = ()) -> None:
    if cycle_codes:
        found = list(
            db.session.scalars(
                select(Cycle).where(Cycle.code.in_(cycle_codes)).order_by(Cycle.opens_on.desc())
            )
        )
    else:
        found = report_jobs.cycles_still_read(local_today())
    missing = sorted(set(cycle_codes) - {cycle.code for cycle in found})
    if missing:
        raise click.ClickException(f"No cycle {', '.join(missing)}.")
    made = report_jobs.prerender_all(actor=actor, cycle_ids=[cycle.id for cycle in found])
    by_status = Counter(job.status for job in made)
    click.echo(
        f"Cycles {', '.join(cycle.code for cycle in found) or '(none)'}: {len(made)} rendering(s) asked for, "
        f"{by_status[JobStatus.READY.value]} ready, {by_status[JobStatus.QUEUED.value]} queued, "
        f"{by_status[JobStatus.FAILED.value]} failed; the others were ready already."
    )
    for job in made:
        if job.status == JobStatus.FAILED.value:
            which = f"assessment {job.params.get('assessment')} {job.kind} {job.params.get('locale')}"
            click.echo(f"failed: {which}: {job.reason}", err=True)
    if by_status[JobStatus.FAILED.value]:
        raise SystemExit(1)


@report_cli.command("verify")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--lang", "locale", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="The verdict as JSON (as the API gives it).")
def report_verify_command(file: str, locale: str, as_json: bool) -> None:
    """Verify a signed report offline: intact, who signed, when, which chain, trusted. Exit 0 if valid."""
    with force_locale(locale):
        try:
            result = verification.verify(Path(file).read_bytes(), current_app.config)
        except verification.NotVerifiable as refusal:
            raise click.ClickException(str(verification.REFUSAL_TEXTS[refusal.reason])) from None
        if as_json:
            click.echo(json.dumps(result.as_dict(), ensure_ascii=False, indent=2))
        else:
            click.echo(f"{result.verdict}: {result.reason}")
            for finding in result.signatures:
                click.echo(
                    f"- {verification.ROLE_LABELS.get(finding.field, finding.field)}: {finding.signer}"
                )
                click.echo(
                    f"  {finding.signed_at.isoformat() if finding.signed_at else '-'} · {finding.verdict}"
                )
                for subject in finding.chain:
                    click.echo(f"    {subject}")
    if not result.valid:
        raise SystemExit(1)


@report_cli.command("sign")
@click.option("--assessment", "assessment_id", type=int, required=True)
@click.option("--as", "email", required=True, help="The e-mail of the consultant or administrator who signs.")
def report_sign_command(assessment_id: int, email: str) -> None:
    """Sign the approved report of one assessment with the configured keys (a new version)."""
    assessment = db.session.get(Assessment, assessment_id)
    actor = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if assessment is None or actor is None or not permits(actor, Action.SIGN_REPORT, assessment):
        raise click.ClickException("No such assessment, or this user may not sign its report.")
    try:
        records = signed_reports.sign(assessment, actor=actor)
    except (Invalid, signing.SigningUnavailable) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    for record in records:
        click.echo(
            f"assessment {assessment.id} ({record.locale}): version {record.version}, sha256 {record.sha256}"
        )
