import subprocess

from notes import store


def grep(word: str) -> list[str]:
    proc = subprocess.run(["grep", "-l", "-r", word, "."], cwd=store.root(), capture_output=True, text=True)
    if proc.returncode not in (0, 1):
        raise RuntimeError(proc.stderr)
    return sorted(line[2:-3] for line in proc.stdout.splitlines())
