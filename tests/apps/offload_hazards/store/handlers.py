from store import db


async def handle(text: str) -> dict:
    db.tag(f"req-{text}")
    try:
        count = db.save(text)
    except PermissionError as exc:
        return {"error": str(exc)}
    return {"count": count, "request_id": db.request_id.get(), "seen": db.describe()}
