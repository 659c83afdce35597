"""A fake database: opened by a constructor hook, closed by a shutdown hook from another module."""

from shop.events import log

rows: dict[str, int] = {}


def open_db() -> None:
    rows.update({"apple": 3, "pear": 5})
    log.append("db.open")


async def close_db() -> None:
    rows.clear()
    log.append("db.close")
