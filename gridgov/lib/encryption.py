"""Personal data at rest (身份证号…): authenticated encryption (Fernet: AES-128-CBC + HMAC).

The key is GRIDGOV_DATA_KEY (settings.DATA_KEY, a Fernet key: 32 bytes url-safe base64);
when unset it is derived from SECRET_KEY, so a development install works with nothing set.
A production install sets its own key and keeps it apart from the database backups.
"""

import base64
import hashlib
from functools import cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings


@cache
def _fernet(key: str, secret: str) -> Fernet:
    if key:
        return Fernet(key.encode())
    derived = hashlib.sha256(b"gridgov-data-key:" + secret.encode()).digest()
    return Fernet(base64.urlsafe_b64encode(derived))


def _current() -> Fernet:
    return _fernet(getattr(settings, "DATA_KEY", ""), settings.SECRET_KEY)


def seal(text: str) -> str:
    """The ciphertext of `text` ('' stays '')."""
    if not text:
        return ""
    return _current().encrypt(text.encode()).decode()


def unseal(token: str) -> str:
    """The plain text of a sealed value; ValueError when it was altered or the key is wrong."""
    if not token:
        return ""
    try:
        return _current().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise ValueError("密文无法解密：数据被篡改或密钥不符") from exc
