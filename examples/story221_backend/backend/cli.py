"""`python -m backend.cli USER_ID`: tells whether a user is an admin."""

import sys

from backend import authorization


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m backend.cli USER_ID", file=sys.stderr)
        return 2
    print("admin" if authorization.is_admin(args[0]) else "not admin")
    return 0


if __name__ == "__main__":
    sys.exit(main())
