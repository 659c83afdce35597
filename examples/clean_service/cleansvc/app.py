import asyncio
import time
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI

STATE: dict[str, object] = {}


@asynccontextmanager
async def lifespan(app: FastAPI):
    STATE["client"] = httpx.AsyncClient(timeout=10)
    yield
    await STATE["client"].aclose()


app = FastAPI(lifespan=lifespan)


def render_pdf(path: str) -> bytes:
    time.sleep(0.1)  # a CPU-bound library call; run in a worker thread below
    return Path(path).read_bytes()


@app.get("/report")
async def report(path: str) -> dict:
    data = await asyncio.to_thread(render_pdf, path)
    await asyncio.sleep(0)
    return {"size": len(data)}


@app.get("/upstream")
async def upstream(url: str) -> dict:
    response = await STATE["client"].get(url)
    return {"status": response.status_code}


@app.get("/legacy")
def legacy(path: str) -> dict:
    with open(path) as fh:  # a sync endpoint: FastAPI runs it in its thread pool
        return {"lines": len(fh.readlines())}


async def main() -> None:
    await asyncio.sleep(0)


if __name__ == "__main__":
    asyncio.run(main())
