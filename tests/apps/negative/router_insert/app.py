from fastapi import FastAPI

from recorder import events


def check_env() -> None:
    events.append("check_env")


app = FastAPI()


@app.on_event("startup")
async def boot() -> None:
    events.append("boot")


# must run before every other hook
app.router.on_startup.insert(0, check_env)
