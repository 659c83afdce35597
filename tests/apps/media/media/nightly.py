"""The nightly sync script: publishes the day's stats the same way the upload route does."""

from media import stats


def run(name: str) -> str:
    return stats.publish_now(name)
