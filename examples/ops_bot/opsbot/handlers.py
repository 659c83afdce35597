import os
import subprocess


async def on_disk_usage(path: str) -> str:
    if not os.path.exists(path):
        return f"{path}: no such path"
    result = subprocess.run(["du", "-sh", path], capture_output=True, text=True, check=True)
    return result.stdout.split()[0]


async def on_health(seconds: str = "0.3") -> int:
    # the health script takes a while; the bot must keep answering meanwhile
    return subprocess.call(["sleep", seconds])


async def on_failing_command() -> str:
    try:
        subprocess.run(["false"], check=True)
    except subprocess.CalledProcessError as exc:
        return f"failed with {exc.returncode}"
    return "ok"
