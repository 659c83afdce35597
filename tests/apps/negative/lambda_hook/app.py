from fastapi import FastAPI

from recorder import events


def boot() -> None:
    events.append("boot")


app = FastAPI(on_startup=[boot], on_shutdown=[lambda: events.append("bye")])
