"""The app as served, plus one endpoint for the web benchmark only (never part of the service): a JSON POST
that does what every autosave must do before it touches an answer — open the signed session, check the
CSRF token, load the user (Flask-Login), load the assessment and authorise the edit through the policy —
and then stores nothing. Its throughput is the most any autosave can reach with this stack: the floor
that `bench_web` reports beside autosave (`autosave_floor`)."""

from __future__ import annotations

from flask import Response, jsonify

from app import create_app
from roadmap.policy import Action
from roadmap.web.guard import authorized_assessment
from roadmap.web.survey import json_login_required

app = create_app()


@app.route("/bench/autosave-floor/<int:assessment_id>", methods=["POST"])
@json_login_required
def autosave_floor(assessment_id: int) -> Response:
    authorized_assessment(assessment_id, Action.EDIT_ASSESSMENT)
    return jsonify(status="unchanged")
