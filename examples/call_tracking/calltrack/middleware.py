import os

import requests
from starlette.middleware.base import BaseHTTPMiddleware

ORG_SERVICE = os.environ.get("ORG_SERVICE", "http://127.0.0.1:9/orgs")


class OrgLookupMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        api_key = request.headers.get("x-api-key")
        if api_key:
            org = requests.get(f"{ORG_SERVICE}/{api_key}", timeout=5).json()
            request.state.org = org["id"]
        return await call_next(request)
