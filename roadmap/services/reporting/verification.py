"""Verifying a signed report offline: is it intact, who signed it, when, with which chain, and does the chain
reach a trust anchor the administrator configured (SIGNING_TRUST_ANCHORS)?

Anyone may ask (the verification page, `flask report verify FILE`, the API). Nothing is fetched from the
network: revocation is checked against the CRLs embedded in the file (its Document Security Store) and those
the administrator configured (SIGNING_CRLS). Nothing the reader uploads is stored.

The verdict of a file is the worst of its signatures' verdicts, each one of `VERDICTS`: a tampered byte
("tampered"), a signature that the certificate's key did not make ("wrong_key"), a certificate expired or
revoked when it signed ("expired", "revoked"), a chain that reaches no configured anchor ("untrusted"), a
file changed after the signature beyond what signing adds ("partial"), or "valid".
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.ades.report import AdESFailure, AdESIndeterminate
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.status import PdfSignatureStatus, SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from roadmap.services.reporting import signing

log = logging.getLogger("roadmap.signing")

PDF_MAGIC = b"%PDF-"

# From the best to the worst: a file's verdict is its worst signature's.
VERDICTS = ("valid", "untrusted", "partial", "expired", "revoked", "wrong_key", "tampered")

VERDICT_TEXTS: dict[str, LazyString] = {
    "valid": _l(
        "Valid: the file is intact since it was signed, and every signature's certificate chain reaches a "
        "trusted authority."
    ),
    "untrusted": _l(
        "Not trusted: the signature is intact, but its certificate chain does not reach any authority that "
        "this service's administrator has configured as trusted."
    ),
    "partial": _l(
        "Not valid: the file was changed after it was signed; the signature covers only part of the file."
    ),
    "expired": _l("Not valid: the signer's certificate had expired (or was not yet valid) when it signed."),
    "revoked": _l("Not valid: the signer's certificate has been revoked."),
    "wrong_key": _l(
        "Not valid: the signature was not made with the key of the certificate it names (wrong key)."
    ),
    "tampered": _l(
        "Not valid: the file's content was altered after signing (the signed bytes do not match)."
    ),
}

ROLE_LABELS: dict[str, LazyString] = {
    signing.FIELD_NAMES["signatory"]: _l("Signatory"),
    signing.FIELD_NAMES["body"]: _l("Issuing body"),
}


class NotVerifiable(ValueError):  # noqa: N818 (reads as the domain says it)
    """The upload is not something we verify: `reason` 'not_pdf', 'unreadable', 'no_signatures'."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


REFUSAL_TEXTS: dict[str, LazyString] = {
    "not_pdf": _l("This file is not a PDF document. Please choose the report's PDF file."),
    "unreadable": _l("This PDF file is damaged and cannot be read."),
    "no_signatures": _l("This PDF file carries no digital signature: there is nothing to verify."),
    "too_large": _l("The file is too large (at most %(limit)s MB)."),
    "missing": _l("Please choose the PDF file to verify."),
}


@dataclass(frozen=True)
class SignatureFinding:
    """What one signature says and how it fares."""

    field: str
    role: str  # "signatory", "body" or "" for a field of another tool
    signer: str
    serial: str
    signed_at: dt.datetime | None
    chain: tuple[str, ...]  # subjects from the signer up to the anchor (or as embedded when no path)
    trust_anchor: str | None
    verdict: str
    intact: bool
    cryptographically_valid: bool
    covers_whole_file: bool
    revocation_checked: bool
    revoked_at: dt.datetime | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "role": self.role,
            "signer": self.signer,
            "serial": self.serial,
            "signed_at": self.signed_at.isoformat() if self.signed_at else None,
            "chain": list(self.chain),
            "trust_anchor": self.trust_anchor,
            "verdict": self.verdict,
            "reason": str(VERDICT_TEXTS[self.verdict]),
            "intact": self.intact,
            "cryptographically_valid": self.cryptographically_valid,
            "covers_whole_file": self.covers_whole_file,
            "revocation_checked": self.revocation_checked,
            "revoked_at": self.revoked_at.isoformat() if self.revoked_at else None,
        }


@dataclass(frozen=True)
class Verification:
    verdict: str
    signatures: tuple[SignatureFinding, ...] = field(default_factory=tuple)

    @property
    def valid(self) -> bool:
        return self.verdict == "valid"

    @property
    def reason(self) -> LazyString:
        return VERDICT_TEXTS[self.verdict]

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "valid": self.valid,
            "reason": str(self.reason),
            "signatures": [finding.as_dict() for finding in self.signatures],
        }


def trust_anchors(config: Mapping[str, Any]) -> list[Any]:
    """The certificates the administrator trusts (SIGNING_TRUST_ANCHORS): nothing is trusted by default."""
    return signing._certificates(config.get("SIGNING_TRUST_ANCHORS"))


def _context(reader: PdfFileReader, config: Mapping[str, Any]) -> tuple[ValidationContext, bool]:
    """The validation context (anchors, embedded and configured revocation information, no network) and
    whether any revocation information is there at all."""
    configured = signing.revocation_lists(config.get("SIGNING_CRLS"))
    kwargs: dict[str, Any] = {
        "trust_roots": trust_anchors(config),
        "crls": configured,
        "allow_fetching": False,
        # Revocation is checked whenever information is there (embedded or configured); a file without any
        # is still judged on its chain, and the finding says that revocation was not checked.
        "revocation_mode": "soft-fail",
    }
    try:
        store = DocumentSecurityStore.read_dss(reader)
    except Exception:  # no DSS (a signature without embedded revocation information)
        return ValidationContext(**kwargs), bool(configured)
    return store.as_validation_context(kwargs), bool(configured or store.crls or store.ocsps)


def _role(field_name: str) -> str:
    for role, name in signing.FIELD_NAMES.items():
        if name == field_name:
            return role
    return ""


def _verdict(status: PdfSignatureStatus) -> str:
    if not status.intact:
        return "tampered"
    if not status.valid:
        return "wrong_key"
    if status.revoked or status.trust_problem_indic in (
        AdESFailure.REVOKED,
        AdESIndeterminate.REVOKED_NO_POE,
        AdESIndeterminate.REVOKED_CA_NO_POE,
    ):
        return "revoked"
    if status.trust_problem_indic in (
        AdESFailure.NOT_YET_VALID,
        AdESIndeterminate.OUT_OF_BOUNDS_NO_POE,
        AdESIndeterminate.OUT_OF_BOUNDS_NOT_REVOKED,
        AdESIndeterminate.EXPIRED,
        AdESIndeterminate.NOT_YET_VALID,
    ):
        return "expired"
    covered = status.coverage is not None and status.coverage >= SignatureCoverageLevel.ENTIRE_REVISION
    if not covered or not (status.docmdp_ok or status.modification_level is None):
        return "partial"
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE and status.modification_level is None:
        return "partial"
    if not status.trusted:
        return "untrusted"
    return "valid"


def verify(pdf: bytes, config: Mapping[str, Any]) -> Verification:
    """The verdict on a file; NotVerifiable when it is not a PDF, cannot be read or carries no signature."""
    return signing.outside_event_loop(_verify, pdf, config)


def _verify(pdf: bytes, config: Mapping[str, Any]) -> Verification:
    if not pdf.lstrip()[:1024].find(PDF_MAGIC) >= 0:
        raise NotVerifiable("not_pdf")
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception as error:  # whatever a hostile or broken file makes the parser raise: unreadable
        log.info("verification: unreadable PDF (%s)", type(error).__name__)
        raise NotVerifiable("unreadable") from None
    if not embedded:
        raise NotVerifiable("no_signatures")
    findings = []
    for signature in embedded:
        context, revocation_known = _context(reader, config)
        try:
            status = validate_pdf_signature(signature, signer_validation_context=context)
        except Exception as error:  # a signature so broken that it cannot even be evaluated
            log.info(
                "verification: signature %s not evaluable (%s)", signature.field_name, type(error).__name__
            )
            findings.append(_broken(signature))
            continue
        path = status.validation_path
        chain = (
            tuple(certificate.subject.human_friendly for certificate in reversed(list(path)))
            if path is not None
            else tuple(certificate.subject.human_friendly for certificate in signature.other_embedded_certs)
        )
        findings.append(
            SignatureFinding(
                field=signature.field_name,
                role=_role(signature.field_name),
                signer=status.signing_cert.subject.human_friendly,
                serial=format(status.signing_cert.serial_number, "x"),
                signed_at=signature.self_reported_timestamp,
                chain=chain if path is not None else (status.signing_cert.subject.human_friendly, *chain),
                trust_anchor=path[0].subject.human_friendly if path is not None else None,
                verdict=_verdict(status),
                intact=status.intact,
                cryptographically_valid=status.valid,
                covers_whole_file=status.coverage == SignatureCoverageLevel.ENTIRE_FILE,
                revocation_checked=revocation_known,
                revoked_at=status.revocation_details.revocation_date if status.revocation_details else None,
            )
        )
    worst = max((finding.verdict for finding in findings), key=VERDICTS.index)
    return Verification(worst, tuple(findings))


def _broken(signature: Any) -> SignatureFinding:
    return SignatureFinding(
        field=signature.field_name,
        role=_role(signature.field_name),
        signer="",
        serial="",
        signed_at=None,
        chain=(),
        trust_anchor=None,
        verdict="tampered",
        intact=False,
        cryptographically_valid=False,
        covers_whole_file=False,
        revocation_checked=False,
    )
