"""Signing the official report and verifying it offline (issue 25), on the demo's real report PDF and a
certificate hierarchy made in the tests (tests/signing_pki.py): a signed report verifies as valid; a tampered
byte, a wrong key, an expired or revoked certificate, a change after signing and an unknown root are each
refused with their reason, in both languages; the archival PDF/A revision survives signing; the visible
appearance sits where Decree 30/2020 puts it.
"""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pypdf
import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from flask_babel import force_locale
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko.sign.general import load_private_key_from_pemder_data

from roadmap.services.reporting import formats, signing, verification
from tests.conftest import demo_app, first_published_assessment
from tests.signing_pki import PASSPHRASE, Hierarchy, make_hierarchy, write_files


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Hierarchy:
    hierarchy = make_hierarchy()
    write_files(hierarchy, tmp_path_factory.mktemp("pki"))
    return hierarchy


def _png(colour: tuple[int, int, int, int], size: tuple[int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGBA", size, (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((4, 4, size[0] - 5, size[1] - 5), outline=colour, width=8)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


SEAL = _png((200, 0, 0, 255), (400, 400))
SIGNATURE = _png((0, 50, 180, 255), (600, 200))
APPEARANCE = signing.Appearance("CỤC BƯU ĐIỆN TRUNG ƯƠNG", SEAL, SIGNATURE)


@pytest.fixture(scope="module")
def demo(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The demo app and its published report in Vietnamese, rendered once (unsigned)."""
    folder = tmp_path_factory.mktemp("signing")
    app = demo_app(sqlite_template, folder)
    with app.app_context():
        assessment = first_published_assessment()
        with force_locale("vi"):
            pdf = formats.render(assessment, "pdf", "vi")
    return app, pdf


def key_config(pki: Hierarchy, *, body: str = "body", signatory: str | None = "signatory", crls: bool = True):
    files = pki.files
    config: dict[str, Any] = {
        "SIGNING_BODY_PKCS12": str(files[body]),
        "SIGNING_BODY_SECRET_FILE": str(files["passphrase"]),
        "SIGNING_CHAIN": str(files["chain"]),
        "SIGNING_CRLS": str(files["crl"]) if crls else None,
    }
    if signatory:
        config["SIGNING_SIGNATORY_PKCS12"] = str(files[signatory])
        config["SIGNING_SIGNATORY_SECRET_FILE"] = str(files["passphrase"])
    return config


def trusting(pki: Hierarchy, **extra: Any) -> dict[str, Any]:
    return {"SIGNING_TRUST_ANCHORS": str(pki.files["root"]), **extra}


@pytest.fixture(scope="module")
def signed(demo, pki) -> bytes:
    app, pdf = demo
    with app.app_context():
        content, by = signing.sign_report(pdf, key_config(pki), APPEARANCE)
    assert [b.role for b in by] == ["signatory", "body"]
    return content


def verdict(app, pdf: bytes, config: dict[str, Any], locale: str = "en") -> verification.Verification:
    with app.test_request_context(), force_locale(locale):
        return verification.verify(pdf, config)


# --- valid -----------------------------------------------------------------------------------------------


def test_a_signed_report_is_valid_with_who_signed_when_and_the_chain_to_the_configured_root(
    demo, pki, signed
):
    app, _pdf = demo
    result = verdict(app, signed, trusting(pki))
    assert result.verdict == "valid", result.as_dict()
    signatory, body = result.signatures
    assert (signatory.role, body.role) == ("signatory", "body")
    assert "Nguyễn Văn An" in signatory.signer
    assert "Cục Bưu điện Trung ương" in body.signer
    assert [re.search(r"Common Name: ([^,]+)", subject).group(1) for subject in body.chain] == [
        "Cục Bưu điện Trung ương",
        "Test Department CA",
        "Test Root CA",
    ]
    assert "Test Root CA" in (body.trust_anchor or "")
    assert signatory.signed_at is not None
    assert body.signed_at >= signatory.signed_at
    # The seal's signature follows the signatory's, and the embedded revocation information follows both:
    # updates that signing itself adds, which the verification accepts.
    assert not signatory.covers_whole_file
    assert body.revocation_checked  # the department's CRL travels in the file


def test_signing_appends_an_update_and_keeps_the_archival_pdfa_revision(demo, signed):
    _app, pdf = demo
    assert signed.startswith(pdf)  # the rendered PDF/A revision, byte for byte
    reader = pypdf.PdfReader(io.BytesIO(signed))
    root = reader.trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    assert 'pdfaid:part="3"' in xmp or "<pdfaid:part>3</pdfaid:part>" in xmp
    assert 'pdfaid:conformance="B"' in xmp or "<pdfaid:conformance>B</pdfaid:conformance>" in xmp
    assert "/OutputIntents" in root
    # PDF/A embeds every font, those of the signatures' appearance included.
    for field in root["/AcroForm"]["/Fields"]:
        appearance = field.get_object()["/AP"]["/N"].get_object()
        for font in (appearance.get("/Resources", {}).get("/Font") or {}).values():
            descendant = font.get_object()["/DescendantFonts"][0].get_object()
            assert (
                "/FontFile2" in descendant["/FontDescriptor"] or "/FontFile3" in descendant["/FontDescriptor"]
            )


def test_the_signature_sits_between_position_and_name_and_the_seal_over_its_left_third(demo, signed):
    _app, pdf = demo
    place = signing.signature_place(pdf)
    reader = pypdf.PdfReader(io.BytesIO(signed))
    page = reader.pages[place.page]
    rects = {}
    for annotation in page["/Annots"]:
        annotation = annotation.get_object()
        if annotation.get("/FT") == "/Sig" or annotation.get("/Subtype") == "/Widget":
            rects[str(annotation.get("/T"))] = [float(v) for v in annotation["/Rect"]]
    signatory, seal = rects["Signatory"], rects["IssuingBody"]
    assert signatory == pytest.approx([round(v) for v in place.box], abs=1)
    # The position is written above the box and the name below it, on the same page.
    lines: list[tuple[float, str]] = []

    def visit(text: str, cm: list[float], tm: list[float], *_: Any) -> None:
        if text.strip():
            lines.append((pypdf.mult(tm, cm)[5], text))

    page.extract_text(visitor_text=visit)
    position_y = max(y for y, text in lines if "CỤC TRƯỞNG" in text)
    assert signatory[3] < position_y < signatory[3] + 30
    # The seal: a square of the seal's real size whose right edge is a third into the signature's image.
    x1, _y1, x2, y2 = signatory
    image_width = min(x2 - x1, 3 * (y2 - signatory[1]))
    image_left = (x1 + x2) / 2 - image_width / 2
    assert seal[2] == pytest.approx(image_left + image_width / 3, abs=1)
    assert seal[2] - seal[0] == pytest.approx(signing.SEAL_SIZE, abs=1)
    assert seal[0] < image_left < seal[2]  # it overlaps the image's left part


def test_the_signing_time_is_written_as_decree_30_asks():
    import datetime as dt

    moment = dt.datetime(2026, 3, 5, 7, 3, 27, tzinfo=dt.UTC)
    assert signing.signing_time_text(moment, "Asia/Ho_Chi_Minh") == "14:03:27 05/03/2026 +07:00"


# --- refused, each with its reason ----------------------------------------------------------------------


def test_a_tampered_byte_is_refused_as_tampered(demo, pki, signed):
    app, pdf = demo
    altered = bytearray(signed)
    offset = pdf.index(b"stream", len(pdf) // 2) + 40  # inside a content stream of the signed revision
    altered[offset] ^= 0x01
    result = verdict(app, bytes(altered), trusting(pki))
    assert result.verdict == "tampered"
    assert not result.valid


def test_a_signature_made_with_another_key_is_refused_as_wrong_key(demo, pki):
    app, pdf = demo
    # The signatory's key signs but the body's certificate is named: what a forger would try.
    key = load_private_key_from_pemder_data(
        pki.signatory.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ),
        passphrase=None,
    )
    certificate = asn1_x509.Certificate.load(pki.body.certificate.public_bytes(serialization.Encoding.DER))
    forged = signers.SimpleSigner(signing_cert=certificate, signing_key=key, cert_registry=None)
    place = signing.signature_place(pdf)
    with app.app_context():
        content, _by = signing.outside_event_loop(
            signing.sign_once, pdf, forged, role="body", place=place, appearance=APPEARANCE, chain=[], crls=[]
        )
    assert verdict(app, content, trusting(pki)).verdict == "wrong_key"


@pytest.mark.parametrize(("leaf", "expected"), [("expired", "expired"), ("revoked", "revoked")])
def test_an_expired_or_revoked_certificate_is_refused_with_its_reason(demo, pki, leaf, expected):
    app, pdf = demo
    with app.app_context():
        # Signed without revocation information (signing would refuse a revoked key with it); the
        # verifier has the department's CRL as the administrator configured it.
        content, _by = signing.sign_report(
            pdf, key_config(pki, body=leaf, signatory=None, crls=False), APPEARANCE
        )
    result = verdict(app, content, trusting(pki, SIGNING_CRLS=str(pki.files["crl"])))
    assert result.verdict == expected, result.as_dict()
    if expected == "revoked":
        assert result.signatures[0].revoked_at is not None


def test_a_signer_with_a_revoked_certificate_cannot_sign_when_the_crl_is_embedded(demo, pki):
    app, pdf = demo
    with app.app_context(), pytest.raises(signing.SigningUnavailable):
        signing.sign_report(pdf, key_config(pki, body="revoked", signatory=None), APPEARANCE)


def test_a_change_appended_after_signing_is_refused_as_partial_coverage(demo, pki, signed):
    app, _pdf = demo
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    stream = writer.add_object(generic.StreamObject(stream_data=b"BT /F1 24 Tf 100 100 Td (APPROVED) Tj ET"))
    writer.add_stream_to_page(0, stream)
    out = io.BytesIO()
    writer.write(out)
    result = verdict(app, out.getvalue(), trusting(pki))
    assert result.verdict == "partial", result.as_dict()


def test_a_chain_to_a_root_the_administrator_did_not_configure_is_untrusted(demo, pki, signed):
    app, _pdf = demo
    assert (
        verdict(app, signed, {"SIGNING_TRUST_ANCHORS": str(pki.files["outsider_root"])}).verdict
        == "untrusted"
    )
    assert verdict(app, signed, {}).verdict == "untrusted"  # nothing is trusted by default


def test_not_a_pdf_a_damaged_pdf_and_an_unsigned_pdf_are_refused(demo, pki):
    app, pdf = demo
    for content, reason in (
        (b"PK\x03\x04 a zip", "not_pdf"),
        (b"%PDF-1.7 garbage", "unreadable"),
        (pdf, "no_signatures"),
    ):
        with pytest.raises(verification.NotVerifiable) as refused:
            verdict(app, content, trusting(pki))
        assert refused.value.reason == reason


def test_every_verdict_reads_in_both_languages(demo, pki, signed):
    app, _pdf = demo
    for name in verification.VERDICTS:
        with app.test_request_context():
            with force_locale("en"):
                english = str(verification.VERDICT_TEXTS[name])
            with force_locale("vi"):
                vietnamese = str(verification.VERDICT_TEXTS[name])
        assert english != vietnamese, name
        assert re.search(r"[ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịọỏốồổỗộớờởỡợụủứừửữự]", vietnamese), name
    result = verdict(app, signed, trusting(pki), locale="vi")
    with app.test_request_context(), force_locale("vi"):
        assert str(result.reason).startswith("Hợp lệ")
        assert result.as_dict()["signatures"][0]["reason"].startswith("Hợp lệ")


def test_a_wrong_passphrase_is_refused_and_no_secret_reaches_the_message_or_the_log(
    demo, pki, tmp_path, caplog
):
    app, pdf = demo
    wrong = tmp_path / "wrong"
    wrong.write_text("not the passphrase")
    config = {**key_config(pki, signatory=None), "SIGNING_BODY_SECRET_FILE": str(wrong)}
    with app.app_context(), pytest.raises(signing.SigningUnavailable) as refused:
        signing.sign_report(pdf, config, APPEARANCE)
    for text in (str(refused.value), caplog.text):
        assert "not the passphrase" not in text
        assert PASSPHRASE.decode() not in text
