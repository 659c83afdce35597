from fastapi import Depends, HTTPException, Request

from backend.authorization import is_admin


async def current_user(request: Request) -> str:
    return request.headers.get("x-user-id", "anonymous")


async def require_admin(user_id: str = Depends(current_user)) -> str:
    if not is_admin(user_id):
        raise HTTPException(status_code=403, detail="admin only")
    return user_id
