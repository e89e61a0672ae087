"""WeChat's signatures and safe-mode encryption, against the vector of WeChat's own
sample code (WXBizMsgCrypt demo: token "spamtest", AppID wx2c2769f8efd9abc2), plus
round trips and tampering."""
from __future__ import annotations

import base64
import hashlib

import pytest

from api.wechat.crypto import CryptoError, MessageCrypto, signature, signature_matches

# From WeChat's official message-encryption sample (also used by wechatpy's tests).
TOKEN, APP_ID = "spamtest", "wx2c2769f8efd9abc2"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
TIMESTAMP, NONCE = "1409735669", "1320562132"
MSG_SIGNATURE = "5d197aaffba7e9b25a30732f161a50dee96bd5fa"
ENCRYPTED = (
    "hyzAe4OzmOMbd6TvGdIOO6uBmdJoD0Fk53REIHvxYtJlE2B655HuD0m8KUePWB3+LrPXo87wzQ1QLvbeUgmBM4x6F8PGHQHFVAFmOD2Ld"
    "JF9FrXpbUAh0B5GIItb52sn896wVsMSHGuPE328HnRGBcrS7C41IzDWyWNlZkyyXwon8T332jisa+h6tEDYsVticbSnyU8dKOIbgU6ux5"
    "VTjg3yt+WGzjlpKn6NPhRjpA912xMezR4kw6KWwMrCVKSVCZciVGCgavjIQ6X8tCOp3yZbGpy0VxpAe+77TszTfRd5RJSVO/HTnifJpXgC"
    "SUdUue1v6h0EIBYYI1BD1DlD+C0CR8e6OewpusjZ4uBl9FyJvnhvQl+q5rv1ixrcpCumEPo5MJSgM9ehVsNPfUM669WuMyVWQLCzpu9Gh"
    "glF2PE="
)


def test_the_official_sample_decrypts_and_its_signature_matches() -> None:
    assert signature(TOKEN, TIMESTAMP, NONCE, ENCRYPTED) == MSG_SIGNATURE
    xml = MessageCrypto(AES_KEY, APP_ID).decrypt(ENCRYPTED)
    assert "<FromUserName><![CDATA[oyORnuP8q7ou2gfYjqLzSIWZf0rs]]></FromUserName>" in xml
    assert "<Content><![CDATA[abcdteT]]></Content>" in xml and "<MsgId>6054768590064713728</MsgId>" in xml


def test_the_server_check_signature_is_sha1_of_the_sorted_parts() -> None:
    by_hand = hashlib.sha1("".join(sorted(["tok", "1700000000", "42"])).encode()).hexdigest()
    assert signature("tok", "1700000000", "42") == by_hand
    assert signature("42", "tok", "1700000000") == by_hand  # order does not matter: they are sorted
    assert signature_matches(("tok", "1700000000", "42"), by_hand.upper())
    assert not signature_matches(("tok", "1700000000", "43"), by_hand)
    assert not signature_matches(("tok", "1700000000", "42"), None)
    assert not signature_matches(("tok", "1700000000", "42"), "")


def test_a_round_trip_with_chinese_text_and_the_layout_wechat_expects() -> None:
    crypto = MessageCrypto(AES_KEY, APP_ID)
    xml = "<xml><Content><![CDATA[我想查一下电费]]></Content></xml>"
    encrypted = crypto.encrypt(xml, random_prefix=b"0123456789abcdef")
    assert crypto.decrypt(encrypted) == xml
    raw = base64.b64decode(encrypted)
    assert len(raw) % 32 == 0  # PKCS#7 to 32-byte blocks, as WeChat pads
    assert crypto.encrypt(xml) != crypto.encrypt(xml)  # a fresh random prefix each time


def test_another_accounts_payload_or_a_tampered_one_is_refused() -> None:
    encrypted = MessageCrypto(AES_KEY, "wx0000000000000000").encrypt("<xml/>")
    with pytest.raises(CryptoError):
        MessageCrypto(AES_KEY, APP_ID).decrypt(encrypted)
    tampered = ENCRYPTED[:-8] + "AAAAAAA="
    with pytest.raises(CryptoError):
        MessageCrypto(AES_KEY, APP_ID).decrypt(tampered)
    for junk in ("", "not base64!", base64.b64encode(b"short").decode()):
        with pytest.raises(CryptoError):
            MessageCrypto(AES_KEY, APP_ID).decrypt(junk)


def test_a_key_that_is_not_43_base64_characters_is_refused() -> None:
    for key in ("short", AES_KEY + "H", "!" * 43):
        with pytest.raises(ValueError):
            MessageCrypto(key, APP_ID)
