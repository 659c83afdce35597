import os

EXTRA = os.environ.get("EXTRA") == "1"
