import os

from fastapi import FastAPI, HTTPException

from notes import search, store

app = FastAPI(title="notes")
log: list[str] = []


@app.on_event("startup")
def ensure_root() -> None:
    os.makedirs(store.root(), exist_ok=True)
    log.append("ensure_root")


@app.post("/notes/{title}")
async def create(title: str, body: dict):
    try:
        return {"created": store.add(title, body["text"])}
    except FileExistsError:
        raise HTTPException(409, "exists")


@app.get("/notes/{title}")
async def show(title: str):
    try:
        return {"text": store.read(title)}
    except KeyError:
        raise HTTPException(404, "no such note")


@app.get("/notes")
async def listing():
    return {"titles": store.titles()}


@app.get("/search")
async def find(word: str):
    return {"hits": search.grep(word)}


@app.post("/archive/{n}")
async def archive(n: int):
    return {"copied": store.archive(os.path.join(store.root() + "-archives", str(n)))}
