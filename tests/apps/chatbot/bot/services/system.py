import subprocess


def run_check(name: str) -> str:
    # each health check is a small program; this one takes a quarter of a second
    proc = subprocess.run(["sh", "-c", f"sleep 0.25; echo {name} ok"], capture_output=True, text=True, check=True)
    return proc.stdout.strip()


def failing_check() -> str:
    return subprocess.run(["sh", "-c", "exit 3"], check=True).stdout
