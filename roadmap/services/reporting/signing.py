"""Signing the official report: PAdES baseline signatures, by the named signatory and by the issuing body,
added to the rendered PDF by incremental update (the archival PDF/A revision stays byte for byte what it was).

Decree 30/2020/NĐ-CP (Appendix I) shows the two signatures of an electronic administrative document this way
(see docs/signing.md): the competent person's signature is their handwritten signature's image, blue, a PNG
with a transparent background, centred between their position and their name; the body's signature is its
seal's image, red, at the seal's real size, over about a third of the signer's image on its left, with the
body's name and the signing time (hh:mm:ss dd/mm/yyyy and the UTC offset, ISO 8601). The signatory therefore
signs first and the body second, as an office's clerk seals what the head of office has signed.

Keys are held as offices hold them: a PKCS#12 file (the embedded default, and the tests) or a PKCS#11 token
(an official's signing token; the key never leaves it). Each signer — `body`, `signatory` — is configured in
the environment (README, "Signing"); its passphrase or PIN comes from the environment or a secrets file at
the moment of signing and is kept nowhere else: not in the database, the app's configuration or the logs.
Nothing is fetched from the network: revocation information (CRLs) configured by the administrator is
embedded when available, so that the signature can be checked offline later; a time-stamp authority is used
only when one is configured (an internal one).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import datetime as dt
import io
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from asn1crypto import crl as asn1_crl
from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from PIL import Image
from pyhanko.pdf_utils import images, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_cms import Signer
from pyhanko.sign.timestamps import HTTPTimeStamper
from pyhanko.stamp import StaticStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext

T = TypeVar("T")
log = logging.getLogger("roadmap.signing")

ROOT = Path(__file__).resolve().parents[3]
FONT = ROOT / "static" / "fonts" / "LiberationSerif-Regular.ttf"  # embedded: PDF/A needs every font embedded

ROLES = ("signatory", "body")  # in signing order: the competent person, then the body's seal over it
SIGNATURE_PLACE = "signature-place"  # the link target the report template puts where the signature goes
FIELD_NAMES = {"signatory": "Signatory", "body": "IssuingBody"}
MM = 72 / 25.4
SEAL_SIZE = round(36 * MM)  # a round seal of a central body is 35–40 mm across; shown at its real size
INFO_HEIGHT = 20  # the body's name and the signing time, under the seal
BLUE_INK = (0.0, 0.2, 0.7)
RED_INK = (0.8, 0.0, 0.0)


class SigningUnavailable(RuntimeError):  # noqa: N818 (reads as the domain says it)
    """Signing is asked for but a key is not configured or cannot be used; the message holds no secret."""


# --- configuration ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySource:
    """Where one signer's key is: a PKCS#12 file, or a PKCS#11 token (module, token label, key label)."""

    role: str
    pkcs12: Path | None = None
    pkcs11_module: str | None = None
    pkcs11_token: str | None = None
    pkcs11_key: str | None = None
    secret_variable: str = ""  # the environment variable holding the passphrase or PIN
    secret_file: Path | None = None  # or the file holding it (a mounted secret)

    @property
    def kind(self) -> str:
        return "pkcs11" if self.pkcs11_module else "pkcs12"

    def describe(self) -> str:
        """Where the key is, for logs and the audit log (never the secret)."""
        if self.pkcs11_module:
            return f"PKCS#11 token {self.pkcs11_token or '?'}, key {self.pkcs11_key or '?'}"
        return f"PKCS#12 file {self.pkcs12.name if self.pkcs12 else '?'}"


def key_source(config: Mapping[str, Any], role: str) -> KeySource | None:
    """The configured key of `body` or `signatory`, or None when it has none."""
    prefix = f"SIGNING_{role.upper()}_"
    pkcs12 = config.get(prefix + "PKCS12")
    module = config.get(prefix + "PKCS11_MODULE")
    if not pkcs12 and not module:
        return None
    secret_file = config.get(prefix + "SECRET_FILE")
    return KeySource(
        role=role,
        pkcs12=Path(pkcs12) if pkcs12 else None,
        pkcs11_module=module or None,
        pkcs11_token=config.get(prefix + "PKCS11_TOKEN"),
        pkcs11_key=config.get(prefix + "PKCS11_KEY"),
        secret_variable=prefix + "SECRET",
        secret_file=Path(secret_file) if secret_file else None,
    )


def _secret(source: KeySource) -> bytes | None:
    """The passphrase or PIN, read now from the environment or the secrets file, never kept."""
    value = os.environ.get(source.secret_variable)
    if value:
        return value.encode()
    if source.secret_file is not None:
        try:
            return source.secret_file.read_bytes().rstrip(b"\r\n")
        except OSError as error:
            raise SigningUnavailable(
                f"{source.role}: the secrets file cannot be read ({error.strerror})"
            ) from None
    return None


def _certificates(paths: str | None) -> list[asn1_x509.Certificate]:
    """The certificates in the PEM or DER files named (os.pathsep between them)."""
    found: list[asn1_x509.Certificate] = []
    for name in (paths or "").split(os.pathsep):
        if not name.strip():
            continue
        data = Path(name.strip()).read_bytes()
        if pem.detect(data):
            found.extend(asn1_x509.Certificate.load(der) for _kind, _headers, der in pem.unarmor(data, True))
        else:
            found.append(asn1_x509.Certificate.load(data))
    return found


def revocation_lists(paths: str | None) -> list[asn1_crl.CertificateList]:
    """The CRLs in the files named (os.pathsep between them): what is embedded for offline checks."""
    found: list[asn1_crl.CertificateList] = []
    for name in (paths or "").split(os.pathsep):
        if not name.strip():
            continue
        data = Path(name.strip()).read_bytes()
        if pem.detect(data):
            found.extend(
                asn1_crl.CertificateList.load(der) for _kind, _headers, der in pem.unarmor(data, True)
            )
        else:
            found.append(asn1_crl.CertificateList.load(data))
    return found


@contextlib.contextmanager
def open_signer(source: KeySource, chain: list[asn1_x509.Certificate] | None = None) -> Iterator[Signer]:
    """The signer of a configured key; a token's session is closed when the block ends."""
    secret = _secret(source)
    if source.pkcs12 is not None and not source.pkcs11_module:
        try:
            data = source.pkcs12.read_bytes()
        except OSError as error:
            raise SigningUnavailable(
                f"{source.role}: the key file cannot be read ({error.strerror})"
            ) from None
        try:
            yield signers.SimpleSigner.load_pkcs12_data(data, other_certs=chain or [], passphrase=secret)
        except ValueError:
            raise SigningUnavailable(
                f"{source.role}: the key file cannot be opened (wrong passphrase?)"
            ) from None
        return
    from pkcs11.exceptions import PKCS11Error as TokenError
    from pyhanko.sign import pkcs11 as token

    try:
        session = token.open_pkcs11_session(
            str(source.pkcs11_module),
            token_criteria=token.TokenCriteria(label=source.pkcs11_token) if source.pkcs11_token else None,
            user_pin=secret.decode() if secret is not None else None,
        )
    except (TokenError, token.PKCS11Error, OSError, RuntimeError) as error:
        raise SigningUnavailable(
            f"{source.role}: the token cannot be opened ({type(error).__name__})"
        ) from None
    try:
        yield token.PKCS11Signer(session, key_label=source.pkcs11_key, ca_chain=chain or [])
    finally:
        session.close()


# --- the visible appearance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Appearance:
    """What the signatures show: the administrator's seal and signature images (PNG), the body's name."""

    body_name: str
    seal_png: bytes | None = None
    signature_png: bytes | None = None
    timezone: str = "Asia/Ho_Chi_Minh"


@dataclass(frozen=True)
class Place:
    """Where the signatory's signature goes: a page (0-based) and a box in PDF points (x1, y1, x2, y2)."""

    page: int
    box: tuple[float, float, float, float]


def signature_place(pdf: bytes) -> Place:
    """The box the report template keeps for the signature (a link to `#signature-place` between the
    signatory's position and name); when it is missing, the bottom right of the last page."""
    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    count = int(reader.root["/Pages"]["/Count"])
    for index in range(count - 1, -1, -1):
        page = reader.find_page_for_modification(index)[0].get_object()
        for annotation in page.get("/Annots") or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and str(annotation.get("/Dest", "")) == SIGNATURE_PLACE:
                x1, y1, x2, y2 = (float(value) for value in annotation["/Rect"])
                return Place(index, (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)))
    media = reader.find_page_for_modification(count - 1)[0].get_object()["/MediaBox"]
    width = float(media[2])
    return Place(count - 1, (width / 2, 120.0, width - 57.0, 180.0))


def seal_box(place: Place) -> tuple[float, float, float, float]:
    """The body's field: the seal's square over the left third of the signature's image, the signing
    information beneath it."""
    x1, y1, x2, y2 = place.box
    image_width = min(x2 - x1, 3 * (y2 - y1))  # the signature image is drawn centred, at most 3:1
    image_left = (x1 + x2) / 2 - image_width / 2
    right = image_left + image_width / 3
    centre_y = (y1 + y2) / 2
    return (right - SEAL_SIZE, centre_y - SEAL_SIZE / 2 - INFO_HEIGHT, right, centre_y + SEAL_SIZE / 2)


def _image(png: bytes | None) -> images.PdfImage | None:
    if not png:
        return None
    with Image.open(io.BytesIO(png)) as opened:
        return images.PdfImage(opened.convert("RGBA"))


def _text_style(size: int, colour: tuple[float, float, float]) -> TextBoxStyle:
    # Whole points: pyHanko's layout computes with fractions of integers.
    return TextBoxStyle(
        font=GlyphAccumulatorFactory(str(FONT)), font_size=size, leading=size + 1, text_color=colour
    )


def _signatory_style(appearance: Appearance) -> StaticStampStyle:
    """The signer's handwritten signature (blue), centred in the box; nothing else is written (the position
    and the name are the document's own lines above and below it)."""
    return StaticStampStyle(
        background=_image(appearance.signature_png),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MID,
            margins=layout.Margins.uniform(0),
        ),
        border_width=0,
    )


def _body_style(appearance: Appearance) -> TextStampStyle:
    """The seal's image (red) at the top of the box and, beneath it, the body's name and the signing time."""
    return TextStampStyle(
        stamp_text="%(body)s\n%(when)s",
        text_box_style=_text_style(7, RED_INK),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(0, 0, 0, 0),
        ),
        background=_image(appearance.seal_png),
        background_opacity=1.0,
        background_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MAX,
            margins=layout.Margins(0, 0, INFO_HEIGHT, 0),
        ),
        border_width=0,
    )


def signing_time_text(moment: dt.datetime, timezone: str) -> str:
    """'14:03:27 05/12/2026 +07:00': hour, day and UTC offset as Decree 30 asks (ISO 8601 offset)."""
    local = moment.astimezone(ZoneInfo(timezone))
    offset = local.strftime("%z")
    return f"{local:%H:%M:%S %d/%m/%Y} {offset[:3]}:{offset[3:]}"


# --- signing ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SignedBy:
    """Who signed the file, in which role, when (as the signer's clock said) and with which certificate."""

    role: str
    subject: str
    serial: str
    signed_at: dt.datetime


def _validation_context(
    chain: list[asn1_x509.Certificate], crls: list[asn1_crl.CertificateList]
) -> ValidationContext:
    """For embedding revocation information: the configured chain and CRLs, and never the network."""
    roots = [certificate for certificate in chain if certificate.self_signed in ("yes", "maybe")]
    return ValidationContext(
        trust_roots=roots or None,
        other_certs=chain,
        crls=crls,
        allow_fetching=False,
        revocation_mode="soft-fail",
    )


def _whole_points(box: tuple[float, float, float, float]) -> tuple[int, int, int, int]:
    """pyHanko lays out boxes in whole points (its layout computes with fractions of integers)."""
    x1, y1, x2, y2 = box
    return (round(x1), round(y1), round(x2), round(y2))


def sign_once(
    pdf: bytes,
    signer: Signer,
    *,
    role: str,
    place: Place,
    appearance: Appearance,
    chain: list[asn1_x509.Certificate],
    crls: list[asn1_crl.CertificateList],
    tsa_url: str | None = None,
) -> tuple[bytes, SignedBy]:
    """One PAdES signature added as an incremental update, with its visible appearance."""
    box = place.box if role == "signatory" else seal_box(place)
    moment = dt.datetime.now(dt.UTC)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAMES[role],
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Ký số văn bản điện tử (Nghị định 30/2020/NĐ-CP)",
        location=None,
        embed_validation_info=bool(crls),
        validation_context=_validation_context(chain, crls) if crls else None,
        signer_key_usage={"non_repudiation"},
    )
    style: StaticStampStyle | TextStampStyle = (
        _signatory_style(appearance) if role == "signatory" else _body_style(appearance)
    )
    pdf_signer = signers.PdfSigner(
        metadata,
        signer,
        timestamper=HTTPTimeStamper(tsa_url) if tsa_url else None,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(FIELD_NAMES[role], on_page=place.page, box=_whole_points(box)),
    )
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    output = pdf_signer.sign_pdf(
        writer,
        appearance_text_params={
            "body": appearance.body_name,
            "when": signing_time_text(moment, appearance.timezone),
        },
    )
    certificate = signer.signing_cert
    if certificate is None:  # a token without the certificate beside its key
        raise SigningUnavailable(f"{role}: the key has no certificate")
    return output.getvalue(), SignedBy(
        role, certificate.subject.human_friendly, format(certificate.serial_number, "x"), moment
    )


def sign_report(
    pdf: bytes,
    config: Mapping[str, Any],
    appearance: Appearance,
    *,
    with_signatory: bool = True,
) -> tuple[bytes, list[SignedBy]]:
    """The report signed by the configured signatory (when configured and wanted) and then by the body.
    SigningUnavailable when the body's key is not configured or a key cannot be used."""
    return outside_event_loop(_sign_report, pdf, config, appearance, with_signatory=with_signatory)


def outside_event_loop(call: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """`call` run where pyHanko can work. Its synchronous calls start an event loop of their own
    (asyncio.run), which fails in a thread where one already runs (a host embedding the service in an asyncio
    server, a browser driver in tests): there, the call runs in a thread of its own."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args, **kwargs).result()


def _sign_report(
    pdf: bytes,
    config: Mapping[str, Any],
    appearance: Appearance,
    *,
    with_signatory: bool,
) -> tuple[bytes, list[SignedBy]]:
    body = key_source(config, "body")
    if body is None:
        raise SigningUnavailable("body: no signing key is configured (SIGNING_BODY_PKCS12 or _PKCS11_MODULE)")
    chain = _certificates(config.get("SIGNING_CHAIN"))
    crls = revocation_lists(config.get("SIGNING_CRLS"))
    place = signature_place(pdf)
    signatory = key_source(config, "signatory") if with_signatory else None
    signed: list[SignedBy] = []
    for role, source in (("signatory", signatory), ("body", body)):
        if source is None:
            continue
        with open_signer(source, chain) as signer:
            try:
                pdf, by = sign_once(
                    pdf,
                    signer,
                    role=role,
                    place=place,
                    appearance=appearance,
                    chain=chain,
                    crls=crls,
                    tsa_url=config.get("SIGNING_TSA_URL"),
                )
            except SigningUnavailable:
                raise
            except Exception as error:  # pyHanko's refusals: an unusable key, a revoked certificate, …
                log.warning("signing as %s with %s failed: %s", role, source.describe(), type(error).__name__)
                raise SigningUnavailable(f"{role}: {type(error).__name__}: {error}"[:300]) from error
        log.info("report signed as %s by %s (%s)", role, by.subject, source.describe())
        signed.append(by)
    return pdf, signed
