from starlette.middleware.base import BaseHTTPMiddleware
from starlette.responses import JSONResponse

from gateway import audit
from gateway.auth import lookup_user


class AuthMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        if request.url.path == "/health":
            return await call_next(request)
        token = request.headers.get("x-token")
        if not token:
            return JSONResponse({"detail": "missing token"}, status_code=401)
        user = lookup_user(token)
        if user is None:
            return JSONResponse({"detail": "unknown token"}, status_code=403)
        request.state.user = user["user"]
        audit.record(f"{user['user']} {request.method} {request.url.path}")
        return await call_next(request)
