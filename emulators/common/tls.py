"""A private CA and a loopback server certificate (IP SAN 127.0.0.1, DNS localhost) for the emulators."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import pathlib
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
CERT_FILE = "server.pem"
KEY_FILE = "server-key.pem"
# Short-lived on purpose: the material is regenerated when less than a day of validity remains.
CERT_VALIDITY = dt.timedelta(days=30)
RENEW_BEFORE = dt.timedelta(days=1)


@dataclass(frozen=True)
class TlsMaterial:
    """Paths of the PEM files one emulator process serves with and clients trust."""

    ca_file: pathlib.Path
    cert_file: pathlib.Path
    key_file: pathlib.Path


def ensure_tls(directory: pathlib.Path) -> TlsMaterial:
    """Create (or reuse, while still valid) a CA and a server certificate under ``directory``.

    msal, azure-identity and the Dataverse SDK refuse plain HTTP (research/dataverse.md §1.2), and
    https://127.0.0.1 only verifies with an IP subjectAltName (§1.4).

    Args:
        directory: Where ``ca.pem``, ``server.pem`` and their keys live (created if missing).

    Returns:
        The paths of the CA file (for clients) and of the server certificate and key.
    """
    directory.mkdir(parents=True, exist_ok=True)
    material = TlsMaterial(directory / CA_FILE, directory / CERT_FILE, directory / KEY_FILE)
    ca_key_path = directory / CA_KEY_FILE
    now = dt.datetime.now(dt.UTC)
    if _valid(material.ca_file, now) and ca_key_path.exists():
        ca_cert = x509.load_pem_x509_certificate(material.ca_file.read_bytes())
        ca_key = serialization.load_pem_private_key(ca_key_path.read_bytes(), password=None)
    else:
        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca_cert = _ca_certificate(ca_key, now)
        _write_key(ca_key_path, ca_key)
        material.ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
        material.cert_file.unlink(missing_ok=True)
    if not (_valid(material.cert_file, now) and material.key_file.exists()):
        assert isinstance(ca_key, ec.EllipticCurvePrivateKey)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _server_certificate(key, ca_cert, ca_key, now)
        _write_key(material.key_file, key)
        material.cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return material


def _valid(path: pathlib.Path, now: dt.datetime) -> bool:
    if not path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    return cert.not_valid_after_utc - RENEW_BEFORE > now


def _write_key(path: pathlib.Path, key: ec.EllipticCurvePrivateKey) -> None:
    data = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _ca_certificate(key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "practice-migration emulator CA")])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )


def _server_certificate(
    key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    ca_key: ec.EllipticCurvePrivateKey,
    now: dt.datetime,
) -> x509.Certificate:
    san = x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")])
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + CERT_VALIDITY)
        .add_extension(san, critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
