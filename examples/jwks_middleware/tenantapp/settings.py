"""Where the auth provider lives (a Clerk-style service: a JWKS endpoint and a users API)."""

import os

CLERK_JWKS_URL = os.environ.get("CLERK_JWKS_URL", "http://127.0.0.1:9/.well-known/jwks.json")
CLERK_API_URL = os.environ.get("CLERK_API_URL", "http://127.0.0.1:9/v1")
CLERK_SECRET_KEY = os.environ.get("CLERK_SECRET_KEY", "sk_test_example")
JWKS_TTL = 3600.0  # seconds the signing keys are cached
PUBLIC_PATHS = ("/health",)
