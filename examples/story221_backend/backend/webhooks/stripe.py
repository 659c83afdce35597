import os

import stripe

stripe.api_key = os.getenv("STRIPE_SECRET_KEY")


def parse_event(payload: bytes, signature: str) -> stripe.Event:
    return stripe.Webhook.construct_event(payload, signature, os.environ["STRIPE_WEBHOOK_SECRET"])


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = stripe.Customer.retrieve(session["customer"])
    return {"customer": customer["id"], "email": customer["email"]}


def start_checkout(customer_id: str, price_id: str) -> str:
    session = stripe.checkout.Session.create(
        customer=customer_id,
        mode="subscription",
        line_items=[{"price": price_id, "quantity": 1}],
        success_url="https://example.com/billing/done",
    )
    return session["url"]
