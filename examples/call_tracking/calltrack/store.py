import asyncio

CALLS: dict[str, list[dict]] = {}


async def record_call(account: str, number: str, seconds: int) -> dict:
    await asyncio.sleep(0.2)  # the database round trip
    entry = {"number": number, "seconds": seconds}
    CALLS.setdefault(account, []).append(entry)
    return entry


async def call_summary(account: str) -> dict:
    await asyncio.sleep(0.2)
    calls = CALLS.get(account, [])
    return {"account": account, "calls": len(calls), "seconds": sum(c["seconds"] for c in calls)}
