"""The one place where the application is assembled. `flask` finds `create_app` here without FLASK_APP."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from roadmap import config


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    app = Flask(
        "roadmap",
        instance_path=str(Path(__file__).resolve().parent / "instance"),
        instance_relative_config=True,
        root_path=str(Path(__file__).resolve().parent),
    )
    # Tests are hermetic: they do not read the environment, and bring their own secret and database. Rate
    # limits are off for them (a suite, a soak or a benchmark is a flood by design); a test of the limits
    # turns them on in its own configuration.
    environ = (
        None if test_config is None else {"SECRET_KEY": "test-secret-" + "x" * 32, "RATE_LIMITS_ENABLED": "0"}
    )
    app.config.from_mapping(config.from_environment(Path(app.instance_path), environ))
    if test_config is not None:
        app.config.from_mapping(test_config)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", config.engine_options(app.config))

    register_extensions(app)
    register_i18n(app)
    register_templates(app)
    register_security(app)
    register_blueprints(app)
    register_limits(app)
    register_errorhandlers(app)
    register_commands(app)
    register_jobs(app)
    return app


def register_extensions(app: Flask) -> None:
    from roadmap import database  # (also registers the SQLite connection settings)
    from roadmap.extensions import csrf, db, login_manager, mail, migrate
    from roadmap.services.platform import mail as mail_service

    db.init_app(app)
    with app.app_context():
        database.open_transactions_for_writes_only(db.engine)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path) / "migrations"), compare_type=True, render_as_batch=True
    )
    csrf.init_app(app)
    login_manager.init_app(app)
    mail.init_app(app)
    mail_service.init_app(app)


def register_i18n(app: Flask) -> None:
    from roadmap.web import i18n

    i18n.init_app(app)


def register_templates(app: Flask) -> None:
    from roadmap.web import templating

    templating.init_app(app)


def register_security(app: Flask) -> None:
    from roadmap import security_log
    from roadmap.web import security

    security.init_app(app)
    security_log.init_app(app)


def register_blueprints(app: Flask) -> None:
    from roadmap.web.account import bp as account_bp
    from roadmap.web.admin import bp as admin_bp
    from roadmap.web.api import bp as api_bp
    from roadmap.web.auth import bp as auth_bp
    from roadmap.web.guard import DatabaseIdConverter
    from roadmap.web.health import bp as health_bp
    from roadmap.web.jobs import bp as jobs_bp
    from roadmap.web.main import bp as main_bp
    from roadmap.web.progress import bp as progress_bp
    from roadmap.web.reports import bp as reports_bp
    from roadmap.web.review import bp as review_bp
    from roadmap.web.roadmaps import bp as roadmaps_bp
    from roadmap.web.signing import bp as signing_bp
    from roadmap.web.survey import bp as survey_bp
    from roadmap.web.tracking import bp as tracking_bp

    app.url_map.converters["int"] = DatabaseIdConverter  # before the routes: ids the database can hold
    app.register_blueprint(auth_bp)
    app.register_blueprint(main_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(survey_bp)
    app.register_blueprint(roadmaps_bp)
    app.register_blueprint(review_bp)
    app.register_blueprint(progress_bp)
    app.register_blueprint(tracking_bp)
    app.register_blueprint(health_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(account_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(signing_bp)


def register_limits(app: Flask) -> None:
    from roadmap.web import limits

    limits.init_app(app)


def register_errorhandlers(app: Flask) -> None:
    from roadmap.web import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from roadmap import cli

    cli.init_app(app)


def register_jobs(app: Flask) -> None:
    """The kinds of background job, known to every process that builds the app (web hosts and workers)."""
    from roadmap.services.platform import jobs
    from roadmap.services.reporting import jobs as report_jobs
    from roadmap.services.review import cycle_exports

    for kind, title in report_jobs.KINDS.items():  # one kind per report format (report-pdf, report-docx)
        jobs.register(kind, title=title)(report_jobs.render_job)
    jobs.register(cycle_exports.KIND, title=cycle_exports.TITLE)(cycle_exports.export_job)
