import os

import stripe

stripe.api_key = os.getenv("STRIPE_SECRET_KEY")


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = stripe.Customer.retrieve(session["customer"])
    return {"customer": customer["id"], "email": customer.get("email")}
