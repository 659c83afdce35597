from fastapi import FastAPI, Request

from tenantapp.middleware import TenantMiddleware

app = FastAPI()
app.add_middleware(TenantMiddleware)


@app.get("/health")
async def health():
    return {"ok": True}


@app.get("/me")
async def me(request: Request):
    return {"user": request.state.user_id, "org": request.state.org_id}
