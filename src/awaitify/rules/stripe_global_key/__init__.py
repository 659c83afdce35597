"""# AW513 `stripe-global-key`: a process-global `stripe.api_key = ...` assignment

## What it does
Reports an assignment to `stripe.api_key` at module level: at the top of a module, or under a
module-level `if`, `try` or `if __name__ == "__main__":` block. `stripe` is resolved through the
file's imports, so `import stripe as s` + `s.api_key = ...` is reported too. Unlike most rules it
does not depend on async code: the assignment is reported in any file, whether or not async code
runs there, with no chain.

## Why is this bad?
`stripe.api_key` is process-global state, shared by every request the process serves at the same
time. Concurrent webhook handlers and billing routes all read the one value; any code that sets it
(a per-tenant or Connect key, a test key in a test, a key rotation) changes it under every other
request in flight, a race that no lock around one handler prevents. Set at import time from
`os.getenv(...)`, a missing key is not noticed at startup either: it is `None` until the first Stripe
call fails. STORY-221 (AC6-AC8) replaces it with a `stripe.StripeClient` instance, uses that client for
every Stripe call in the webhooks and billing routes, and validates `STRIPE_WEBHOOK_SECRET` at
startup rather than on first use. (No flake8-async equivalent.)

## Example
```python
import os

import stripe

stripe.api_key = os.getenv("STRIPE_SECRET_KEY")


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = stripe.Customer.retrieve(session["customer"])
    return {"customer": customer["id"], "email": customer["email"]}
```
is reported as `AW513 stripe.api_key = ... is process-global state shared by every concurrent
request`. With a client created once, at startup, from a key that must be there:
```python
import os

import stripe

client = stripe.StripeClient(os.environ["STRIPE_SECRET_KEY"])  # or built in the app's lifespan


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = client.v1.customers.retrieve(session["customer"])
    return {"customer": customer["id"], "email": customer["email"]}
```
(`client.customers` before stripe-python 12.5.) The call itself still blocks the loop: the services
of recent releases also have awaitable `*_async` methods (`await
client.v1.customers.retrieve_async(...)`); otherwise offload it with `asyncio.to_thread`.

## When it is not reported
- An assignment inside a function or a class body (a test fixture, a settings object).
- Reading `stripe.api_key`, other Stripe settings (`stripe.api_version = ...`), an annotated or
  augmented assignment, or an `api_key` attribute of anything that is not the imported `stripe`.

## Suppressing
`# awaitify: ignore[AW513]` (or `# awaitify: ignore`) on the assignment line; `--ignore AW513`, or
`per-file-ignores` for scripts where one global key is fine. There is no flake8-async code for it.

## Fix
`awaitify fix` converts a module whose key is set once, by a plain top-level `stripe.api_key = <expr>`
(any import form: `import stripe`, `import stripe as s`; calls may also go through `from stripe import
Customer`). The assignment becomes a client of the module's own, and **every** Stripe API call of the
module uses it: a `stripe.<Resource>.<method>(...)` call becomes the matching call on the client's
service, keyword arguments go to `params={...}`, request options (`idempotency_key`, `stripe_account`,
`api_key`, `stripe_version`, `headers`, ...) to `options={...}`, and `modify` is `update`. Inside
`async def` the awaitable twin is used, with `await`; sync code keeps the sync method (it already runs
off the loop, or blocks as it did). A resource's own `*_async` method (`await
stripe.Customer.create_async(...)`) keeps its `await` and becomes the service's `*_async` method.

```python
import os

import stripe

stripe.api_key = os.getenv("STRIPE_SECRET_KEY")


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = stripe.Customer.retrieve(session["customer"], expand=["subscriptions"])
    return {"customer": customer["id"], "email": customer["email"]}


def start_checkout(customer_id: str, price_id: str) -> str:
    session = stripe.checkout.Session.create(
        customer=customer_id,
        mode="subscription",
        line_items=[{"price": price_id, "quantity": 1}],
        idempotency_key=f"checkout-{customer_id}",
    )
    return session["url"]
```
becomes
```python
import os

import stripe

stripe_client = stripe.StripeClient(os.getenv("STRIPE_SECRET_KEY"))


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = await stripe_client.v1.customers.retrieve_async(session["customer"], params={"expand": ["subscriptions"]})
    return {"customer": customer["id"], "email": customer["email"]}


def start_checkout(customer_id: str, price_id: str) -> str:
    session = stripe_client.v1.checkout.sessions.create(
        params={
            "customer": customer_id,
            "mode": "subscription",
            "line_items": [{"price": price_id, "quantity": 1}],
        },
        options={
            "idempotency_key": f"checkout-{customer_id}",
        },
    )
    return session["url"]
```
The client is named `stripe_client` (`stripe_client_2`, ... when that name is taken in the module).
A call written one argument a line keeps that shape, comments included. The requests are the same
ones: same method, path, parameters, key and options (the tests record them at the transport level,
for every resource method the table of the installed stripe major maps, sync and async).

Which resources and methods map, and the path to a service (`client.v1.customers`; `client.customers`
before stripe-python 12.5), is read from a table shipped with awaitify, one per stripe-python major
(11.x to 16.x, each built from that major's newest release by introspecting it:
`python scripts/make_stripe_tables.py 16.1.0 ...`). awaitify never imports stripe, so the result is the
same whether or not stripe is installed where it runs. The table is the newest one the project's pins
allow: the version in `poetry.lock`, `uv.lock` or `pdm.lock`, else every `stripe` requirement in
`requirements*.txt` and `pyproject.toml` (PEP 621 or Poetry); with no pin, the newest table. A project
whose pins allow none of those majors is refused (`the project pins stripe <11, and awaitify maps
stripe-python 11.x, ...`). A table is built from the newest release of its major: a project pinned to an
older release of that major that lacks a resource the table maps gets a service that is missing there.
Async code gets the `*_async` method when the table's services have one; otherwise the sync method,
which blocks as the original call did.

Left as they are: the webhook helpers (`stripe.Webhook.construct_event`,
`stripe.WebhookSignature`), the error classes, `stripe.StripeClient` itself, type annotations and
`isinstance` checks with resource classes. Results of converted calls keep working: objects fetched
through the client make their own follow-up requests (`auto_paging_iter()`, `.save()`) with its key.

### What changes, on purpose
- The key is read once, when the module is imported, into the client: code that changes
  `stripe.api_key` later no longer affects this module (that is the point).
- `StripeClient(None)` raises `stripe.AuthenticationError`: with a key from `os.getenv(...)` that is
  missing, the module now fails when it is imported, not at its first Stripe call (STORY-221 AC8 asks
  for the startup check). The change message says so when the key is not a literal or
  `os.environ[...]`.

### Refusals
It is all or nothing per module: when any Stripe use in it cannot be converted, nothing in the module
is rewritten and each reason is reported (`stripe.api_key not converted to a StripeClient: ...`):
- another module of the project uses Stripe's global configuration: it calls a resource
  (`stripe.Customer.create(...)`, or `Customer.create(...)` after `from stripe import Customer`),
  reads `stripe.api_key`, or names anything else of stripe that makes requests, without setting a key
  of its own. Converting this module would leave those calls without a key (`AuthenticationError`
  when they run). The message names each such module and line (`other modules make Stripe calls that
  rely on this global key (routes/billing.py:12)`); webhook helpers, error classes and a
  `StripeClient` of its own do not count. Two modules that both set the key and a third that relies on
  one of them: both refused;
- the key set in several places, read anywhere (`print(stripe.api_key)`), set inside a function or a
  class body, under a module-level `if`/`try`, chained (`key = stripe.api_key = ...`), annotated or
  augmented;
- another global setting set in the module (`stripe.api_version = ...`, `stripe.max_network_retries =
  ...`, `stripe.proxy = ...`): a `StripeClient` does not read them, so the requests would change;
- a method the client has no service method for (in the table chosen) (`stripe.Customer.list_payment_methods(...)`,
  `stripe.Customer.create_balance_transaction(...)`: nested services are not mapped), or anything that
  is not a resource's class-level API call (`stripe.raw_request(...)`, `stripe.Customer(id=...).save()`,
  `stripe.Customer.construct_from(...)`);
- `*args` / `**kwargs` (they cannot be split into params and options), or the wrong number of ids
  (`stripe.Account.retrieve()` with no id: use `client.v1.accounts.retrieve_current()` by hand);
- a method used without being called (`asyncio.to_thread(stripe.Customer.create, ...)`);
- a request option written before a parameter, or an `id=` after one, when both values may have side
  effects (the converted call would evaluate them in another order);
- a Stripe call at module level before the key is set;
- a Stripe call marked `# awaitify: ignore[AW513]` (the others would be converted without it); an
  ignore comment on the assignment leaves the module silently as it is;
- the `stripe` package cannot be imported where awaitify runs.

A module that only makes Stripe calls, with the key set elsewhere, is left alone: the module that
sets the key is the one converted.

Like every fix, this one writes no `await` inside an await barrier (a held thread lock, process-wide
state, a stretch another task may change, a `try` that swallows cancellation): such a call is left as
it is, and both commands say why ([which, and why](../safety.md#behaviour-is-kept-and-proved-by-running-the-code)).

## Fix safety
Safe: the client carries the same key and settings as the global configuration did; refused when
the key is set or read in more than one place, or when another module of the project relies on it.
"""

from __future__ import annotations

from awaitify.rule import Example, Rule

RULE = Rule(
    code="AW513",
    name="stripe-global-key",
    summary="process-global stripe.api_key + stripe.<Resource>.<method>() -> a stripe.StripeClient and its "
            "services (awaited *_async in async code)",
    why="is process-global state shared by every concurrent request",
    family="Global state",
    fixed_by="AW513",
    context_free=True,
    fixable=True,
    triggers=("stripe",),
    order=48,
    planner="awaitify.rules.stripe_global_key.plan",  # other modules may rely on the global key
)

# Cases the suite runs with every rule on (tests/test_rule_examples.py; awaitify.rule.Example)
VALID = (
    Example("""\
import stripe

client = stripe.StripeClient("sk_test_123")


def charge(customer):
    return client.customers.retrieve(customer)
"""),
)

INVALID = (
    Example("""\
import stripe

stripe.api_key = "sk_test_123"


def charge(customer):
    return stripe.Customer.retrieve(customer)
""", fixed="""\
import stripe

stripe_client = stripe.StripeClient("sk_test_123")


def charge(customer):
    return stripe_client.v1.customers.retrieve(customer)
"""),
    Example("""\
import stripe

stripe.api_key = "sk_test_123"
stripe.max_network_retries = 2


def charge(customer):
    return stripe.Customer.retrieve(customer)
"""),
)
