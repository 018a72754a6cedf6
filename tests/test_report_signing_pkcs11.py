"""The PKCS#11 path of signing (issue 25) against a software token (SoftHSM2 from Debian's packages): the key
is made inside the token, non-extractable and sensitive; the report is signed through the token, with the PIN
from a secrets file, and verifies as valid; the key's value can never be read out."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID
from flask import Flask
from flask_babel import Babel, force_locale

from roadmap.services.reporting import signing, verification
from tests.signing_pki import NOW, make_hierarchy, write_files

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
PIN = "246810"


@pytest.fixture(scope="module")
def token(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A fresh SoftHSM2 token in a temporary directory, with the body's key made inside it and its
    certificate (issued by the tests' department CA) stored beside it."""
    if not Path(MODULE).exists():
        if os.environ.get("CI"):
            pytest.fail("SoftHSM2 is not installed (.ci/run installs it): the PKCS#11 path must be tested")
        pytest.skip("SoftHSM2 is not installed (apt-get install softhsm2)")
    import pkcs11
    from pkcs11 import Attribute, KeyType, ObjectClass
    from pkcs11.util.rsa import encode_rsa_public_key

    folder = tmp_path_factory.mktemp("softhsm")
    (folder / "tokens").mkdir()
    config = folder / "softhsm2.conf"
    config.write_text(
        f"directories.tokendir = {folder / 'tokens'}\nobjectstore.backend = file\nlog.level = ERROR\n"
    )
    os.environ["SOFTHSM2_CONF"] = str(config)  # read by the library when it is loaded, below
    subprocess.run(  # noqa: S603 (our own arguments)
        [
            "/usr/bin/softhsm2-util",
            "--init-token",
            "--free",
            "--label",
            "roadmap-test",
            "--pin",
            PIN,
            "--so-pin",
            "13579",
        ],
        check=True,
        capture_output=True,
    )
    hierarchy = make_hierarchy()
    files = write_files(hierarchy, folder / "pki")
    library = pkcs11.lib(MODULE)
    with library.get_token(token_label="roadmap-test").open(user_pin=PIN, rw=True) as session:
        public, _private = session.generate_keypair(
            KeyType.RSA,
            2048,
            store=True,
            label="body",
            id=b"\x01",
            public_template={Attribute.VERIFY: True},
            private_template={Attribute.SIGN: True, Attribute.EXTRACTABLE: False, Attribute.SENSITIVE: True},
        )
        public_key = serialization.load_der_public_key(encode_rsa_public_key(public))
        certificate = (
            x509.CertificateBuilder()
            .subject_name(
                x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Cục Bưu điện Trung ương (token)")])
            )
            .issuer_name(hierarchy.department.certificate.subject)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(hierarchy.body.certificate.not_valid_before_utc)
            .not_valid_after(hierarchy.body.certificate.not_valid_after_utc)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(hierarchy.department.key.public_key()),
                critical=False,
            )
            .add_extension(
                x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True
            )
            .sign(hierarchy.department.key, hashes.SHA256())
        )
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: pkcs11.CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: "body",
                Attribute.ID: b"\x01",
                Attribute.VALUE: certificate.public_bytes(serialization.Encoding.DER),
                Attribute.SUBJECT: certificate.subject.public_bytes(),
            }
        )
    pin_file = folder / "pin"
    pin_file.write_text(PIN + "\n")
    return {"library": library, "hierarchy": hierarchy, "files": files, "pin_file": pin_file, "issued": NOW}


def test_the_token_key_is_sensitive_and_cannot_be_extracted(token):
    import pkcs11
    from pkcs11 import Attribute, ObjectClass

    with token["library"].get_token(token_label="roadmap-test").open(user_pin=PIN) as session:
        key = session.get_key(object_class=ObjectClass.PRIVATE_KEY, label="body")
        assert key[Attribute.EXTRACTABLE] is False
        assert key[Attribute.SENSITIVE] is True
        with pytest.raises(pkcs11.exceptions.AttributeSensitive):
            key[Attribute.PRIVATE_EXPONENT]


def _small_report() -> bytes:
    """A one-page PDF/A with the report's signature place (test_report_signing signs the demo report)."""
    from weasyprint import HTML

    return HTML(
        string='<html lang="vi"><body><table><tr><td class="signer">CỤC TRƯỞNG'
        '<a id="signature-place" href="#signature-place" style="display:block;height:56pt"></a>'
        "<div>Nguyễn Văn An</div></td></tr></table></body></html>"
    ).write_pdf(pdf_variant="pdf/a-3b")


def test_a_report_signed_through_the_token_verifies_as_valid(token):
    files = token["files"]
    app = Flask(__name__)
    Babel(app)
    pdf = _small_report()
    config = {
        "SIGNING_BODY_PKCS11_MODULE": MODULE,
        "SIGNING_BODY_PKCS11_TOKEN": "roadmap-test",
        "SIGNING_BODY_PKCS11_KEY": "body",
        "SIGNING_BODY_SECRET_FILE": str(token["pin_file"]),
        "SIGNING_CHAIN": str(files["chain"]),  # type: ignore[index]
    }
    with app.app_context():
        signed, by = signing.sign_report(pdf, config, signing.Appearance("CỤC BƯU ĐIỆN TRUNG ƯƠNG"))
        assert [b.role for b in by] == ["body"]
        with force_locale("en"):
            result = verification.verify(signed, {"SIGNING_TRUST_ANCHORS": str(files["root"])})  # type: ignore[index]
    assert result.verdict == "valid", result.as_dict()
    assert "(token)" in result.signatures[0].signer
    assert "Test Root CA" in (result.signatures[0].trust_anchor or "")
    assert signed.startswith(pdf)  # an incremental update


def test_a_wrong_pin_is_refused_without_the_pin_in_the_message(token, tmp_path):
    wrong = tmp_path / "pin"
    wrong.write_text("000000")
    config = {
        "SIGNING_BODY_PKCS11_MODULE": MODULE,
        "SIGNING_BODY_PKCS11_TOKEN": "roadmap-test",
        "SIGNING_BODY_PKCS11_KEY": "body",
        "SIGNING_BODY_SECRET_FILE": str(wrong),
    }
    with pytest.raises(signing.SigningUnavailable) as refused:
        signing.sign_report(_small_report(), config, signing.Appearance("X"))
    assert "000000" not in str(refused.value)
    assert PIN not in str(refused.value)
