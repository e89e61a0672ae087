"""WeChat's signatures and safe mode (安全模式) message encryption.

Plain mode: ``signature`` = SHA-1 over the token, timestamp and nonce sorted and
joined.  Safe mode adds ``msg_signature`` = the same over the four values token,
timestamp, nonce and the Encrypt payload, and encrypts the message:
AES-256-CBC with the key ``base64(EncodingAESKey + "=")`` (32 bytes) and its first
16 bytes as the IV, over ``16 random bytes · 4-byte big-endian length · the XML ·
the AppID``, padded PKCS#7-style to a multiple of 32 bytes, then base64.  (WeChat's
"消息加解密说明" and its sample code.)
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 32  # WeChat pads to 32 bytes, not AES's 16


class CryptoError(ValueError):
    """A payload that does not decrypt to a message for this account."""


def signature(*parts: str) -> str:
    """SHA-1 hex of the parts sorted and joined (both signatures)."""
    return hashlib.sha1("".join(sorted(parts)).encode("utf-8")).hexdigest()


def signature_matches(expected_parts: tuple[str, ...], given: str | None) -> bool:
    """Whether ``given`` is the signature of the parts (compared in constant time)."""
    return bool(given) and hmac.compare_digest(signature(*expected_parts), given.lower())


def _pad(data: bytes) -> bytes:
    amount = BLOCK - len(data) % BLOCK
    return data + bytes([amount]) * amount


def _unpad(data: bytes) -> bytes:
    amount = data[-1] if data else 0
    if not 1 <= amount <= BLOCK or data[-amount:] != bytes([amount]) * amount:
        raise CryptoError("bad padding")
    return data[:-amount]


class MessageCrypto:
    """Encrypt and decrypt safe-mode payloads for one account (EncodingAESKey + AppID)."""

    def __init__(self, encoding_aes_key: str, app_id: str):
        if len(encoding_aes_key) != 43 or not app_id:
            raise ValueError("the EncodingAESKey has 43 characters, and the AppID is needed")
        try:
            self._key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except binascii.Error as exc:
            raise ValueError("the EncodingAESKey is not base64") from exc
        self._app_id = app_id.encode("utf-8")

    def _cipher(self) -> Cipher:
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def encrypt(self, xml: str, random_prefix: bytes | None = None) -> str:
        body = xml.encode("utf-8")
        prefix = random_prefix if random_prefix is not None else os.urandom(16)
        plain = _pad(prefix + struct.pack(">I", len(body)) + body + self._app_id)
        encryptor = self._cipher().encryptor()
        return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode("ascii")

    def decrypt(self, encrypted: str) -> str:
        """The XML inside ``encrypted``; CryptoError unless it is well formed and for
        this account's AppID."""
        try:
            data = base64.b64decode(encrypted, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise CryptoError("not base64") from exc
        if not data or len(data) % 16:
            raise CryptoError("not a whole number of AES blocks")
        decryptor = self._cipher().decryptor()
        plain = _unpad(decryptor.update(data) + decryptor.finalize())
        if len(plain) < 20:
            raise CryptoError("too short")
        (length,) = struct.unpack(">I", plain[16:20])
        body, app_id = plain[20:20 + length], plain[20 + length:]
        if len(body) != length or not hmac.compare_digest(app_id, self._app_id):
            raise CryptoError("not for this AppID")
        try:
            return body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CryptoError("not UTF-8") from exc
