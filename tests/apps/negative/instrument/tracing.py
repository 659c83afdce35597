from recorder import events


def start_tracing() -> None:
    events.append("start_tracing")


async def stop_tracing() -> None:
    events.append("stop_tracing")


def instrument(app) -> None:
    """The observability package's one-liner: `instrument(app)`."""
    app.router.add_event_handler("startup", start_tracing)  # app.add_event_handler before FastAPI 0.128
    app.router.add_event_handler("shutdown", stop_tracing)
