from app import app
from recorder import events


@app.on_event("startup")
def seed_test_data() -> None:
    events.append("seed_test_data")
