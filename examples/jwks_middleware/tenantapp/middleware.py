"""Tenant resolution on every authenticated request: verify the bearer token against the auth
provider's JWKS, then find the user's organisation when the token does not carry one.

Both lookups use `requests` inside async code, so each one stops the whole server for a network
round trip (the seed's JWKS fetch and org lookup, fixes #3 and #4).
"""

import time

import requests
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

from tenantapp import settings
from tenantapp.tokens import InvalidToken, verify

_jwks = {"keys": None, "fetched": 0.0}


def get_jwks():
    """The provider's signing keys, cached for settings.JWKS_TTL seconds."""
    if _jwks["keys"] is None or time.monotonic() - _jwks["fetched"] > settings.JWKS_TTL:
        response = requests.get(settings.CLERK_JWKS_URL, timeout=10)
        response.raise_for_status()
        _jwks["keys"] = response.json()["keys"]
        _jwks["fetched"] = time.monotonic()
    return _jwks["keys"]


class TenantMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path in settings.PUBLIC_PATHS:
            return await call_next(request)
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return JSONResponse({"detail": "missing token"}, status_code=401)
        try:
            claims = verify(auth[len("Bearer "):], get_jwks())
        except InvalidToken as exc:
            return JSONResponse({"detail": str(exc)}, status_code=401)
        except requests.RequestException:
            return JSONResponse({"detail": "auth provider unavailable"}, status_code=503)

        org_id = claims.get("org_id")
        if org_id is None:
            headers = {"Authorization": f"Bearer {settings.CLERK_SECRET_KEY}"}
            try:
                response = requests.get(
                    f"{settings.CLERK_API_URL}/users/{claims['sub']}/organization_memberships",
                    headers=headers,
                    timeout=10,
                )
                response.raise_for_status()
                memberships = response.json()["data"]
            except requests.HTTPError:
                return JSONResponse({"detail": "unknown user"}, status_code=403)
            except requests.RequestException:
                return JSONResponse({"detail": "organization lookup failed"}, status_code=503)
            if not memberships:
                return JSONResponse({"detail": "no organization"}, status_code=403)
            org_id = memberships[0]["organization"]["id"]

        request.state.user_id = claims["sub"]
        request.state.org_id = org_id
        return await call_next(request)
