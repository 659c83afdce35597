"""Role checks against the identity provider's replicated role table."""

import logging
import time

from backend.config import settings

log = logging.getLogger(__name__)

ROLE_CACHE: dict[str, list[str]] = {}


def _fetch_roles(user_id: str) -> list[str] | None:
    # The replica lags behind the primary for a few hundred milliseconds after sign-up.
    return ROLE_CACHE.get(user_id)


def _check_user_roles(user_id: str, retries: int = settings.role_retries) -> bool:
    for attempt in range(retries):
        roles = _fetch_roles(user_id)
        if roles is not None:
            return "admin" in roles
        log.info("roles for %s not replicated yet (attempt %d)", user_id, attempt + 1)
        time.sleep(0.3)
    return False


def is_admin(user_id: str) -> bool:
    return _check_user_roles(user_id)
