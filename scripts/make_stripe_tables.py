"""Build the Stripe rule's tables (src/awaitify/rules/stripe_global_key/tables/stripe-<version>.json), one per release named:

    python scripts/make_stripe_tables.py 16.1.0 15.6.2 14.4.2 13.2.1 12.5.2 11.6.1

Each release is installed into a folder of its own (pip, from the package index) and introspected by
`python -m awaitify.rules.stripe_global_key.introspect` with that folder first on the path, so the tables never
depend on the stripe installed next to awaitify. A table covers its major (see _stripe_table)."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TABLES = Path(__file__).resolve().parent.parent / "src" / "awaitify" / "rules" / "stripe_global_key" / "tables"


def build(version: str) -> Path:
    with tempfile.TemporaryDirectory() as folder:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--target",
                        folder, f"stripe=={version}"], check=True)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([folder, os.environ.get("PYTHONPATH", "")])}
        table = subprocess.run([sys.executable, "-W", "ignore", "-m", "awaitify.rules.stripe_global_key.introspect"], env=env,
                               check=True, capture_output=True).stdout
    out = TABLES / f"stripe-{version}.json"
    out.write_bytes(table + b"\n")
    return out


def main() -> None:
    TABLES.mkdir(exist_ok=True)
    for version in sys.argv[1:] or sys.exit(__doc__):
        print(build(version))


if __name__ == "__main__":
    main()
