import functools

from fastapi import FastAPI

from recorder import events


def connect(name: str) -> None:
    events.append(f"connect {name}")


app = FastAPI()


@app.on_event("startup")
def boot() -> None:
    events.append("boot")


app.on_event("startup")(functools.partial(connect, "primary"))
