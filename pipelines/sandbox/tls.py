"""A self-signed certificate for ``sfsync sandbox start --tls`` (SAN ``IP:127.0.0.1``, ``localhost``).

simple_salesforce always builds ``https://`` URLs; serving TLS lets it run unmodified once it
trusts the certificate (``session.verify = cert`` with ``session.trust_env = False``, or
``REQUESTS_CA_BUNDLE=cert``). The certificate is made with the ``cryptography`` package when it
is installed, else with the ``openssl`` command; it is kept in the data directory and reused.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import subprocess
from pathlib import Path

CERT_FILE = "sandbox-cert.pem"
KEY_FILE = "sandbox-key.pem"
VALID_DAYS = 825


class CertificateError(RuntimeError):
    """No way to make a certificate on this machine; the message says what to install."""


def ensure_certificate(directory: Path) -> tuple[Path, Path]:
    """``(cert, key)`` in ``directory``, created on first use."""
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / CERT_FILE, directory / KEY_FILE
    if cert.exists() and key.exists():
        return cert, key
    try:
        _with_cryptography(cert, key)
    except ImportError:
        _with_openssl(cert, key)
    key.chmod(0o600)
    return cert, key


def _with_cryptography(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "sfsync sandbox org"),
        ]
    )
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def _with_openssl(cert_path: Path, key_path: Path) -> None:
    openssl = shutil.which("openssl")
    if openssl is None:
        raise CertificateError(
            "--tls needs a certificate and neither the 'cryptography' package nor the 'openssl' "
            "command is available: install one (pip install cryptography) or serve plain http"
        )
    command = [
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256",
        "-days", str(VALID_DAYS), "-subj", "/CN=127.0.0.1/O=sfsync sandbox org",
        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
        "-keyout", str(key_path), "-out", str(cert_path),
    ]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise CertificateError(f"openssl could not make a certificate: {done.stderr.strip()}")
