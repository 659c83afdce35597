import os

SERVICE_URL = os.environ.get("SERVICE_URL", "http://127.0.0.1:9")
THROTTLE_SECONDS = 0.25
