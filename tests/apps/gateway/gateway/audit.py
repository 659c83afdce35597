import os


def record(line: str) -> int:
    path = os.path.join(os.environ["APP_DATA"], "audit.log")
    with open(path, "a", encoding="utf-8") as f:
        f.write(line + "\n")
    return os.path.getsize(path)
