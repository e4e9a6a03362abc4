"""SSH public keys as people's identities: parse an OpenSSH key line, name it by fingerprint.

A key is known by its SHA-256 fingerprint, written as ``ssh-keygen -l`` writes it
(``SHA256:`` + unpadded base64 of the digest of the key blob), so people can compare what
they see here with what their own tools print.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import struct
from dataclasses import dataclass

from proposal_tui.domain.errors import ProposalError

KEY_TYPES = frozenset({
    "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384",
    "ecdsa-sha2-nistp521", "sk-ssh-ed25519@openssh.com",
    "sk-ecdsa-sha2-nistp256@openssh.com",
})


@dataclass(frozen=True)
class PublicKey:
    algorithm: str
    blob: bytes
    comment: str = ""

    @property
    def fingerprint(self) -> str:
        digest = hashlib.sha256(self.blob).digest()
        return "SHA256:" + base64.b64encode(digest).decode("ascii").rstrip("=")

    @property
    def line(self) -> str:
        """The key as one authorized_keys-style line: type, base64 blob, comment."""
        text = f"{self.algorithm} {base64.b64encode(self.blob).decode('ascii')}"
        return f"{text} {self.comment}" if self.comment else text


def parse_public_key(line: str) -> PublicKey:
    """One OpenSSH public key line (``ssh-ed25519 AAAA... comment``); options such as
    ``command=`` are refused, as a key here names a person and grants nothing else."""
    parts = line.strip().split(None, 2)
    if len(parts) < 2:
        raise ProposalError("not an SSH public key (want 'TYPE BASE64 [comment]')")
    algorithm, data = parts[0], parts[1]
    if algorithm not in KEY_TYPES:
        raise ProposalError(f"unsupported SSH key type '{algorithm[:40]}' "
                            f"(use one of: {', '.join(sorted(KEY_TYPES))})")
    try:
        blob = base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise ProposalError("SSH public key: the key data is not valid base64") from None
    if _blob_type(blob) != algorithm:
        raise ProposalError(f"SSH public key: the key data is not a {algorithm} key")
    comment = parts[2].strip() if len(parts) > 2 else ""
    return PublicKey(algorithm, blob, comment)


def _blob_type(blob: bytes) -> str | None:
    """The key type written inside the blob (its first length-prefixed string)."""
    if len(blob) < 4:
        return None
    (size,) = struct.unpack(">I", blob[:4])
    if size > 64 or len(blob) < 4 + size:
        return None
    try:
        return blob[4:4 + size].decode("ascii")
    except UnicodeDecodeError:
        return None
