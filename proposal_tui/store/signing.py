"""Records signed by the server: comment event commits and plan commits made for a user who
logged in to `proposal serve` with an SSH key.

The server runs `proposal` with ``PROPOSAL_SIGNING_KEY`` (its private host key) and
``PROPOSAL_KEY_FINGERPRINT`` (the user's key that authenticated). Each commit we then make
carries a ``Proposal-Key: SHA256:...`` trailer naming the user's key, and a ``gpgsig`` header
in git's SSH format: ``ssh-keygen -Y sign -n git`` over the commit without that header,
exactly what ``git commit -S`` with ``gpg.format=ssh`` writes, so ``git verify-commit``
accepts it and the record no longer depends on trusting whoever can write the repository.

An ed25519 key (the server's own host key is one) signs in this process: the SSHSIG format
(OpenSSH's PROTOCOL.sshsig) is a few length-prefixed fields, and ed25519 signatures are
deterministic, so the bytes are exactly those ``ssh-keygen -Y sign`` writes, without its
process (~10 ms each, and a burst of twenty comments signs twenty commits in a row). Any
other key is signed by ssh-keygen.
"""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    PublicFormat,
    load_ssh_private_key,
)

from proposal_tui.domain.errors import ProposalError
from proposal_tui.domain.keys import PublicKey
from proposal_tui.store.programs import ssh_check, ssh_sign

SIGNING_KEY_ENV = "PROPOSAL_SIGNING_KEY"
FINGERPRINT_ENV = "PROPOSAL_KEY_FINGERPRINT"
TRAILER = "Proposal-Key"
NAMESPACE = "git"  # what git signs and verifies commits in
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}")
_BEGIN, _END = b"-----BEGIN SSH SIGNATURE-----", b"-----END SSH SIGNATURE-----"


@dataclass(frozen=True)
class Signer:
    """The server's private key, and the user's key the record is made for."""

    key: Path
    fingerprint: str

    def message(self, message: str) -> str:
        """``message`` with the ``Proposal-Key`` trailer (in its own paragraph)."""
        return f"{message.rstrip()}\n\n{TRAILER}: {self.fingerprint}\n"

    def git_config(self) -> list[str]:
        """``-c`` options making ``git commit-tree -S`` sign as ``git commit -S`` would with
        gpg.format=ssh, whatever the repository's own configuration says."""
        return ["-c", "gpg.format=ssh", "-c", f"user.signingKey={self.key}",
                "-c", "gpg.ssh.program=ssh-keygen"]

    def sign_commit(self, body: bytes) -> bytes:
        """The commit object ``body`` with its ``gpgsig`` header, as git writes it."""
        return add_signature(body, sign(self.key, body, NAMESPACE))


def sign(key: Path, data: bytes, namespace: str) -> bytes:
    """An armored SSH signature of ``data``, as ``ssh-keygen -Y sign -n NAMESPACE`` makes
    it: in this process for an unencrypted ed25519 key, else by ssh-keygen."""
    private = _ed25519_key(key)
    return ssh_sign(key, data, namespace) if private is None else \
        sshsig(private, data, namespace)


def _ed25519_key(path: Path) -> Ed25519PrivateKey | None:
    """The key at ``path`` if it is an unencrypted OpenSSH ed25519 key; None leaves it to
    ssh-keygen (which reports an unreadable or unusable key in its own words)."""
    try:
        key = load_ssh_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError):
        return None
    return key if isinstance(key, Ed25519PrivateKey) else None


def warm() -> None:
    """Read one throwaway key: cryptography sets its SSH key reader up on first use (~10 ms),
    which the fork server then pays once instead of every command it forks."""
    throwaway = Ed25519PrivateKey.generate().private_bytes(
        Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    sshsig(load_ssh_private_key(throwaway, password=None), b"", NAMESPACE)  # type: ignore[arg-type]


def _string(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def sshsig(key: Ed25519PrivateKey, data: bytes, namespace: str) -> bytes:
    """PROTOCOL.sshsig with SHA-512 (ssh-keygen's default), armored as ssh-keygen armors
    it: base64 in lines of 70 between the BEGIN and END lines."""
    public = key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    fields = _string(namespace.encode()) + _string(b"") + _string(b"sha512")
    signed = b"SSHSIG" + fields + _string(hashlib.sha512(data).digest())
    signature = _string(b"ssh-ed25519") + _string(key.sign(signed))
    blob = b"SSHSIG" + struct.pack(">I", 1) + \
        _string(_string(b"ssh-ed25519") + _string(public)) + fields + _string(signature)
    text = base64.b64encode(blob)
    lines = [text[i:i + 70] for i in range(0, len(text), 70)]
    return b"\n".join([_BEGIN, *lines, _END]) + b"\n"


def signer_from_env(env: Mapping[str, str]) -> Signer | None:
    """The signer the server set up for this process, or None outside the server."""
    key, fingerprint = env.get(SIGNING_KEY_ENV, ""), env.get(FINGERPRINT_ENV, "")
    if not key and not fingerprint:
        return None
    if not key or not fingerprint:
        missing = SIGNING_KEY_ENV if not key else FINGERPRINT_ENV
        raise ProposalError(f"{missing} is not set, but the other of {SIGNING_KEY_ENV} and "
                            f"{FINGERPRINT_ENV} is: both or neither")
    if not _FINGERPRINT.fullmatch(fingerprint):
        raise ProposalError(f"{FINGERPRINT_ENV} is not a SHA256:... key fingerprint")
    path = Path(key).absolute()
    if not path.is_file():
        raise ProposalError(f"{SIGNING_KEY_ENV}: no key file at {path}")
    return Signer(path, fingerprint)


def add_signature(body: bytes, signature: bytes) -> bytes:
    """Insert ``gpgsig`` as the last header, each further line indented by one space."""
    head, sep, message = body.partition(b"\n\n")
    lines = signature.strip(b"\n").split(b"\n")
    return head + b"\ngpgsig " + b"\n ".join(lines) + b"\n" + sep[1:] + message \
        if sep else body


def split_signature(raw: bytes) -> tuple[bytes, bytes | None]:
    """A commit object as (what was signed, its armored SSH signature or None)."""
    head, sep, message = raw.partition(b"\n\n")
    lines = head.split(b"\n")
    kept: list[bytes] = []
    signature: list[bytes] | None = None
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith(b"gpgsig ") and signature is None:
            signature = [line[len(b"gpgsig "):]]
            while i + 1 < len(lines) and lines[i + 1].startswith(b" "):
                i += 1
                signature.append(lines[i][1:])
        else:
            kept.append(line)
        i += 1
    payload = b"\n".join(kept) + sep + message
    return payload, None if signature is None else b"\n".join(signature) + b"\n"


def signature_key(signature: bytes) -> PublicKey | None:
    """The public key an armored SSHSIG names (read without trusting it), or None."""
    text = signature.strip()
    if not (text.startswith(_BEGIN) and text.endswith(_END)):
        return None
    try:
        blob = base64.b64decode(b"".join(text[len(_BEGIN):-len(_END)].split()), validate=True)
        if blob[:6] != b"SSHSIG":
            return None
        (size,) = struct.unpack(">I", blob[10:14])
        key_blob = blob[14:14 + size]
        (name_size,) = struct.unpack(">I", key_blob[:4])
        algorithm = key_blob[4:4 + name_size].decode("ascii")
    except (ValueError, struct.error, UnicodeDecodeError):
        return None
    return PublicKey(algorithm, key_blob)


def signature_holds(payload: bytes, signature: bytes) -> bool:
    """Whether the signature is good over ``payload`` (git's namespace), by the key it names."""
    return ssh_check(signature, payload, NAMESPACE)


def trailer_fingerprints(message: bytes) -> list[str]:
    """The ``Proposal-Key`` fingerprints a commit message's last paragraph carries."""
    last = message.rstrip(b"\n").rsplit(b"\n\n", 1)[-1].decode("utf-8", "replace")
    return [line.split(":", 1)[1].strip() for line in last.splitlines()
            if line.startswith(f"{TRAILER}:")]
