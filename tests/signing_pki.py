"""A certificate hierarchy made for the signing tests with `cryptography`: a root, the department's
intermediate, leaves for the issuing body and a signatory, an expired leaf and a revoked one (with the
intermediate's CRL), and an outsider's root that no administrator trusts. Keys are small (RSA 2048) and made
once per test session."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

PASSPHRASE = b"correct horse battery staple"
NOW = dt.datetime.now(dt.UTC)


def _name(common_name: str, organisation: str = "Cục Bưu điện Trung ương") -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


@dataclass
class Issued:
    key: rsa.RSAPrivateKey
    certificate: x509.Certificate

    def pem(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.PEM)


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _certificate(
    subject: x509.Name,
    key: rsa.RSAPrivateKey,
    issuer: Issued | None,
    *,
    ca: bool,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> x509.Certificate:
    issuer_name = issuer.certificate.subject if issuer else subject
    signing_key = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if not ca:
        # Where the leaf's revocation list is published: a verifier checks revocation where it is declared
        # (nothing is fetched: the list travels in the signed file or is configured by the administrator).
        builder = builder.add_extension(
            x509.CRLDistributionPoints(
                [
                    x509.DistributionPoint(
                        [x509.UniformResourceIdentifier("http://crl.invalid/department.crl")],
                        None,
                        None,
                        None,
                    )
                ]
            ),
            critical=False,
        )
    if issuer is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    usage = {"key_cert_sign": ca, "crl_sign": ca, "digital_signature": not ca, "content_commitment": not ca}
    builder = builder.add_extension(
        x509.KeyUsage(
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            encipher_only=False,
            decipher_only=False,
            **usage,
        ),
        critical=True,
    )
    return builder.sign(signing_key, hashes.SHA256())


@dataclass
class Hierarchy:
    root: Issued
    department: Issued  # the intermediate CA that issues the department's certificates
    body: Issued  # the issuing body (its seal)
    signatory: Issued  # the named signatory
    expired: Issued
    revoked: Issued
    outsider_root: Issued
    outsider: Issued  # a leaf under a root nobody configured
    crl: x509.CertificateRevocationList
    files: dict[str, Path] = field(default_factory=dict)

    def chain_pem(self) -> bytes:
        return self.department.pem() + self.root.pem()


def make_hierarchy() -> Hierarchy:
    """The whole hierarchy; each leaf valid now except `expired` (ended yesterday) and `revoked`."""
    day = dt.timedelta(days=1)
    root_key = _key()
    root = Issued(
        root_key,
        _certificate(
            _name("Test Root CA"),
            root_key,
            None,
            ca=True,
            not_before=NOW - 30 * day,
            not_after=NOW + 3650 * day,
        ),
    )
    department_key = _key()
    department = Issued(
        department_key,
        _certificate(
            _name("Test Department CA"),
            department_key,
            root,
            ca=True,
            not_before=NOW - 30 * day,
            not_after=NOW + 1825 * day,
        ),
    )

    def leaf(common_name: str, issuer: Issued, *, not_after: dt.datetime = NOW + 365 * day) -> Issued:
        key = _key()
        return Issued(
            key,
            _certificate(
                _name(common_name), key, issuer, ca=False, not_before=NOW - 20 * day, not_after=not_after
            ),
        )

    body = leaf("Cục Bưu điện Trung ương", department)
    signatory = leaf("Nguyễn Văn An", department)
    expired = leaf("Trần Thị Bình", department, not_after=NOW - day)
    revoked = leaf("Lê Văn Cường", department)
    outsider_root_key = _key()
    outsider_root = Issued(
        outsider_root_key,
        _certificate(
            _name("Outsider Root", "Không rõ"),
            outsider_root_key,
            None,
            ca=True,
            not_before=NOW - 30 * day,
            not_after=NOW + 3650 * day,
        ),
    )
    outsider = leaf("Kẻ giả mạo", outsider_root)
    crl = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(department.certificate.subject)
        .last_update(NOW - day)
        .next_update(NOW + 30 * day)
        .add_revoked_certificate(
            x509.RevokedCertificateBuilder()
            .serial_number(revoked.certificate.serial_number)
            .revocation_date(NOW - 2 * day)
            .add_extension(x509.CRLReason(x509.ReasonFlags.key_compromise), critical=False)
            .build()
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(department.key.public_key()), critical=False
        )
        .add_extension(x509.CRLNumber(1), critical=False)
        .sign(department.key, hashes.SHA256())
    )
    return Hierarchy(root, department, body, signatory, expired, revoked, outsider_root, outsider, crl)


def write_files(hierarchy: Hierarchy, folder: Path) -> dict[str, Path]:
    """PKCS#12 files of the leaves (with their chain), the trust anchor, the chain and the CRL on disk."""
    folder.mkdir(parents=True, exist_ok=True)
    encryption = serialization.BestAvailableEncryption(PASSPHRASE)
    files: dict[str, Path] = {}
    for name in ("body", "signatory", "expired", "revoked", "outsider"):
        issued: Issued = getattr(hierarchy, name)
        extra = (
            [hierarchy.outsider_root.certificate]
            if name == "outsider"
            else [hierarchy.department.certificate, hierarchy.root.certificate]
        )
        path = folder / f"{name}.p12"
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                name.encode(), issued.key, issued.certificate, extra, encryption
            )
        )
        files[name] = path
    files["root"] = folder / "root.pem"
    files["root"].write_bytes(hierarchy.root.pem())
    files["outsider_root"] = folder / "outsider-root.pem"
    files["outsider_root"].write_bytes(hierarchy.outsider_root.pem())
    files["chain"] = folder / "chain.pem"
    files["chain"].write_bytes(hierarchy.chain_pem())
    files["crl"] = folder / "department.crl"
    files["crl"].write_bytes(hierarchy.crl.public_bytes(serialization.Encoding.DER))
    files["passphrase"] = folder / "passphrase"
    files["passphrase"].write_bytes(PASSPHRASE + b"\n")
    hierarchy.files = files
    return files
