"""Just enough JWT for the example: HS256 tokens checked against `oct` keys from a JWKS document
(stdlib only, so the example runs anywhere)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time


class InvalidToken(Exception):
    pass


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def sign(claims: dict, kid: str, secret: bytes) -> str:
    header = _b64encode(json.dumps({"alg": "HS256", "kid": kid, "typ": "JWT"}).encode())
    payload = _b64encode(json.dumps(claims).encode())
    signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{_b64encode(signature)}"


def jwk(kid: str, secret: bytes) -> dict:
    return {"kty": "oct", "kid": kid, "alg": "HS256", "k": _b64encode(secret)}


def verify(token: str, keys: list[dict]) -> dict:
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
        header = json.loads(_b64decode(header_b64))
        claims = json.loads(_b64decode(payload_b64))
    except ValueError:
        raise InvalidToken("malformed token") from None
    key = next((k for k in keys if k.get("kid") == header.get("kid") and k.get("kty") == "oct"), None)
    if key is None:
        raise InvalidToken("unknown signing key")
    expected = hmac.new(_b64decode(key["k"]), f"{header_b64}.{payload_b64}".encode(), hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _b64decode(signature_b64)):
        raise InvalidToken("bad signature")
    if claims.get("exp", float("inf")) < time.time():
        raise InvalidToken("token expired")
    return claims
