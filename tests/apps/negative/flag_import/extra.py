from app import app
from recorder import events


@app.on_event("shutdown")
def extra_bye() -> None:
    events.append("extra_bye")
