import fancy_lib  # noqa: F401  (the optional extra this plugin needs)

from app import app
from recorder import events


@app.on_event("startup")
def plugin_boot() -> None:
    events.append("plugin_boot")
