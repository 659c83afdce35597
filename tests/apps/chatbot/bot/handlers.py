from bot.dispatcher import Dispatcher
from bot.services import notes, system, weather

dp = Dispatcher()
log: list[str] = []


@dp.on_event("startup")
async def hello() -> None:
    log.append("bot.hello")


@dp.message("/weather")
async def on_weather(chat: int, arg: str) -> str:
    return weather.forecast(arg)


@dp.message("/note")
async def on_note(chat: int, arg: str) -> str:
    size = notes.save(chat, arg)
    return f"saved ({size} bytes)"


@dp.message("/notes")
async def on_notes(chat: int, arg: str) -> str:
    try:
        return " | ".join(notes.read(chat))
    except FileNotFoundError:
        return "no notes yet"


@dp.message("/health")
async def on_health(chat: int, arg: str) -> str:
    return system.run_check(arg or "disk")


@dp.message("/broken")
async def on_broken(chat: int, arg: str) -> str:
    return system.failing_check()
