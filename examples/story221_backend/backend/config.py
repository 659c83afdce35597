import os
from dataclasses import dataclass


@dataclass
class Settings:
    redis_url: str = os.getenv("REDIS_URL", "redis://localhost:6379/0")
    role_retries: int = int(os.getenv("ROLE_RETRIES", "3"))


settings = Settings()
