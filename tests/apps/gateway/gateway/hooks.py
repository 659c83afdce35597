"""Hooks a plugin module registers on the app it imports."""

from gateway.app import app
from gateway.events import log


def close_upstream() -> None:
    log.append("hooks.close_upstream")


async def say_bye() -> None:
    log.append("hooks.say_bye")


app.router.add_event_handler("shutdown", close_upstream)
app.on_event("shutdown")(say_bye)
