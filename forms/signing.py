"""Forms of the signed report (issue 25): verifying a file, signing a report, the signatures' images."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FileField

from forms import BoundaryForm


class VerifyReportForm(BoundaryForm):
    """A PDF to verify; the service says what is wrong with it, beside the field."""

    file = FileField(_l("Signed report (PDF)"), description=_l("The file is checked and not kept."))


class SignReportForm(BoundaryForm):
    """Signing the approved report: nothing to type, the CSRF token is the form."""


class SigningAppearanceForm(BoundaryForm):
    """The images shown in the signatures (Decree 30/2020): an image not chosen keeps the one in force."""

    seal = FileField(
        _l("Seal image"),
        description=_l("The issuing body's seal: red, at its real size, PNG with a transparent background."),
    )
    signature = FileField(
        _l("Signature image"),
        description=_l("The signatory's handwritten signature: blue, PNG with a transparent background."),
    )
