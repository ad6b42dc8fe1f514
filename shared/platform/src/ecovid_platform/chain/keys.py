"""Ed25519 keys of the checkpoints, and the checkpoints themselves: what is signed, and checked.

The private key comes from `ECOVID_CHECKPOINT_SIGNING_KEY` (the 32 raw bytes in base64, or a PEM
PKCS #8 block); `ECOVID_CHECKPOINT_PUBLIC_KEY` gives the public key(s) that `ecovid-ops
verify-chain` accepts (32 raw bytes in base64, several separated by commas for a key rotation, or
PEM blocks). Without a signing key a service signs with the DEVELOPMENT key, whose private half
is in this file: such checkpoints prove nothing (anyone can make them), a warning says so at
start, and production refuses to start without a key of its own (`ServiceSettings`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

# Public on purpose: development checkpoints must verify without any set-up, and must never be trusted.
DEVELOPMENT_SEED = hashlib.sha256(b"e-COVID development checkpoint key: anyone can sign with it").digest()
MESSAGE_LABEL = "e-COVID chain checkpoint v1"
_PEM = re.compile(r"-----BEGIN [A-Z ]+-----.+?-----END [A-Z ]+-----", re.DOTALL)


class BadKey(ValueError):
    """A key that cannot be read: says what was expected, never the value."""


def private_key_from(text: str) -> Ed25519PrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = serialization.load_pem_private_key(text.encode(), password=None)
        except (ValueError, TypeError):
            raise BadKey("not a readable unencrypted PEM private key") from None
        if not isinstance(key, Ed25519PrivateKey):
            raise BadKey("the PEM key is not an Ed25519 key")
        return key
    return Ed25519PrivateKey.from_private_bytes(_raw(text, "private"))


def public_keys_from(text: str) -> list[Ed25519PublicKey]:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        keys = []
        for block in _PEM.findall(text):
            try:
                key = serialization.load_pem_public_key(block.encode())
            except ValueError:
                raise BadKey("not a readable PEM public key") from None
            if not isinstance(key, Ed25519PublicKey):
                raise BadKey("a PEM key is not an Ed25519 key")
            keys.append(key)
        if not keys:
            raise BadKey("no PEM public key found")
        return keys
    return [Ed25519PublicKey.from_public_bytes(_raw(part, "public")) for part in text.split(",") if part.strip()]


def _raw(text: str, kind: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise BadKey(f"not base64 nor PEM: an Ed25519 {kind} key is 32 bytes in base64, or PEM") from None
    if len(raw) != 32:
        raise BadKey(f"an Ed25519 {kind} key is 32 bytes ({len(raw)} given), in base64, or PEM")
    return raw


def public_bytes(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    """Which key signed: the first 16 hexadecimal digits of SHA-256 of the raw public key."""
    return hashlib.sha256(public_bytes(key)).hexdigest()[:16]


def development_key() -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(DEVELOPMENT_SEED)


DEVELOPMENT_KEY_ID = key_id(development_key().public_key())


def new_key_pair() -> tuple[str, str]:
    """(private, public), each 32 raw bytes in base64: what `ecovid-ops checkpoint-key` prints."""
    key = Ed25519PrivateKey.generate()
    raw = key.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                            serialization.NoEncryption())
    return base64.b64encode(raw).decode(), base64.b64encode(public_bytes(key.public_key())).decode()


@dataclass(frozen=True)
class Checkpoint:
    """The chain's hash at a notification id, signed."""

    service: str
    notification_id: int
    hash: bytes
    signed_at: datetime
    key_id: str
    signature: bytes

    def message(self) -> bytes:
        return message(self.service, self.notification_id, self.hash, self.signed_at)


def message(service: str, notification_id: int, chain_hash: bytes, signed_at: datetime) -> bytes:
    """What is signed: one field per line; signed_at in ISO 8601 with microseconds, in UTC."""
    moment = signed_at.isoformat(timespec="microseconds")
    return "\n".join([MESSAGE_LABEL, service, str(notification_id), chain_hash.hex(), moment]).encode()


class Signer:
    def __init__(self, service: str, key: Ed25519PrivateKey | None) -> None:
        self.service = service
        self.is_development = key is None
        self.key = development_key() if key is None else key
        self.key_id = key_id(self.key.public_key())

    def sign(self, notification_id: int, chain_hash: bytes, signed_at: datetime) -> Checkpoint:
        # Stored and read back as the database keeps it: microseconds (PostgreSQL's precision).
        signature = self.key.sign(message(self.service, notification_id, chain_hash, signed_at))
        return Checkpoint(self.service, notification_id, chain_hash, signed_at, self.key_id, signature)


class Verifier:
    """Checks checkpoints against the public keys it was given."""

    def __init__(self, keys: list[Ed25519PublicKey]) -> None:
        self.keys = {key_id(key): key for key in keys}
        self.is_development = set(self.keys) == {DEVELOPMENT_KEY_ID}

    @classmethod
    def for_development(cls) -> Verifier:
        return cls([development_key().public_key()])

    def refusal(self, checkpoint: Checkpoint, service: str) -> str | None:
        """Why the checkpoint is not genuine, or None."""
        if checkpoint.service != service:
            return f"signed for service {checkpoint.service!r}"
        key = self.keys.get(checkpoint.key_id)
        if key is None:
            return f"signed by an unknown key (key id {checkpoint.key_id}; known: {', '.join(sorted(self.keys))})"
        try:
            key.verify(checkpoint.signature, checkpoint.message())
        except InvalidSignature:
            return f"signature invalid (key id {checkpoint.key_id})"
        return None
