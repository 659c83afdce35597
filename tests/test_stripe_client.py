"""AW513 stripe-global-key: a module's `stripe.api_key = ...` becomes a `stripe.StripeClient`, and its
`stripe.<Resource>.<method>()` calls the client's services. The original and the rewritten module
are run against the installed stripe package with its HTTP layer replaced by a recorder (no
network): the same requests (method, path, parameters, key, options) must come out."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import sys
import textwrap
import time
import types
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from packaging.version import Version

stripe = pytest.importorskip("stripe")
stripe_client_module = pytest.importorskip("stripe._stripe_client")

from awaitify.config import Config
from awaitify.plan import FilePlan
from awaitify.rules import all_rules
from awaitify.runner import fix_file
from awaitify.source import read_source

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "story221_backend"
KEY = "sk_test_from_env"


# --- the transport stub -------------------------------------------------------------------------------
class Recorder(stripe.HTTPClient):
    """Stands where stripe's requests/httpx/aiohttp client stands: records each request and answers
    with canned JSON. `delay` makes each request take that long (time.sleep / asyncio.sleep)."""

    name = "recorder"

    def __init__(self, delay: float = 0.0) -> None:
        super().__init__()
        self.delay = delay
        self.requests: list[dict] = []

    def _record(self, method: str, url: str, headers, post_data, how: str) -> str:
        parts = urlsplit(url)
        body = post_data.decode() if isinstance(post_data, bytes) else (post_data or "")
        kind = headers.get("Content-Type", "")
        if "boundary=" in kind:  # multipart (file uploads): the boundary is random
            body = body.replace(kind.partition("boundary=")[2], "BOUNDARY")
        idem = headers.get("Idempotency-Key")
        self.requests.append({
            "method": method,
            "path": parts.path,
            "params": sorted(parse_qsl(parts.query, keep_blank_values=True) + parse_qsl(body, keep_blank_values=True)),
            "key": headers.get("Authorization"),
            "account": headers.get("Stripe-Account"),
            "version": headers.get("Stripe-Version"),
            "idempotency": idem if idem and idem.count("-") != 4 else ("<generated>" if idem else None),
            "how": how,
        })
        last = parts.path.rsplit("/", 1)[-1]
        if any(c.isdigit() for c in last):  # /v1/customers/cus_1: one object
            obj = {"id": last, "object": "customer", "email": f"{last}@example.com", "url": f"https://pay/{last}"}
        elif method == "post" and not last.startswith(("confirm", "cancel")):  # a create
            obj = {"id": "new_1", "object": "checkout.session", "url": "https://pay/new_1"}
        else:  # a list or a search
            kind = "search_result" if last == "search" else "list"
            obj = {"object": kind, "url": parts.path, "has_more": False,
                   "data": [{"id": "cus_1", "object": "customer"}, {"id": "cus_2", "object": "customer"}]}
        return json.dumps(obj)

    def request(self, method, url, headers, post_data=None, *, _usage=None):
        time.sleep(self.delay)
        return self._record(method, url, headers, post_data, "sync"), 200, {}

    def request_stream(self, method, url, headers, post_data=None, *, _usage=None):
        return iter([self._record(method, url, headers, post_data, "sync").encode()]), 200, {}

    async def request_async(self, method, url, headers, post_data=None):
        await asyncio.sleep(self.delay)
        return self._record(method, url, headers, post_data, "async").encode(), 200, {}

    async def request_stream_async(self, method, url, headers, post_data=None):
        data = self._record(method, url, headers, post_data, "async").encode()

        async def chunks():
            yield data

        return chunks(), 200, {}

    def close(self) -> None:
        pass

    async def close_async(self) -> None:
        pass

    def calls(self, *, how: bool = False) -> list[dict]:
        """What was asked of Stripe; `how` keeps whether it went through the sync or async path."""
        return [r if how else {k: v for k, v in r.items() if k != "how"} for r in self.requests]


@pytest.fixture
def transport(monkeypatch: pytest.MonkeyPatch) -> Recorder:
    recorder = Recorder()
    monkeypatch.setattr(stripe, "default_http_client", recorder)  # the global key's requestor
    monkeypatch.setattr(stripe_client_module, "new_default_http_client", lambda **kw: recorder)  # StripeClient's
    monkeypatch.setattr(stripe, "api_key", None)
    monkeypatch.setenv("STRIPE_SECRET_KEY", KEY)
    monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", "whsec_test")
    return recorder


# --- helpers ------------------------------------------------------------------------------------------------
def fix(tmp_path: Path, source: str, name: str = "billing.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(source).lstrip())
    result = fix_file(read_source(path, name), all_rules(), Config(root=tmp_path), FilePlan())
    assert result.error is None, result.error
    return result.new.decode(), result


def load(source: str, name: str) -> types.ModuleType:
    module = types.ModuleType(name)
    module.__file__ = f"<{name}>"
    exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    return module


def run_both(source: str, tmp_path: Path, transport: Recorder, scenario):
    """Runs `scenario(module)` on the original module, then on the rewritten one; returns
    (rewritten text, change list, (results, requests) before, (results, requests) after)."""
    new, result = fix(tmp_path, source)
    assert result.diagnostics == []
    runs = []
    for text in (textwrap.dedent(source).lstrip(), new):
        stripe.api_key = None
        transport.requests.clear()
        value = scenario(load(text, "billing"))
        runs.append((value, transport.calls(how=True)))
        assert (stripe.api_key is None) == (text == new)  # the rewritten module leaves the global alone
    return new, result.changes, runs[0], runs[1]


def _without_how(requests: list[dict]) -> list[dict]:
    return [{k: v for k, v in r.items() if k != "how"} for r in requests]


# --- sync code: same requests, same results ------------------------------------------------------------------
SYNC_MODULE = """
import os

import stripe
from stripe import Customer

stripe.api_key = os.getenv("STRIPE_SECRET_KEY")


def onboard(email, plan):
    customer = stripe.Customer.create(
        email=email,
        metadata={"plan": plan, "source": "web"},  # where they signed up
        idempotency_key=f"onboard-{email}",
    )
    fetched = Customer.retrieve(id=customer["id"], expand=["sources", "tax"])
    stripe.Customer.modify(fetched["id"], metadata={"plan": plan}, stripe_account="acct_123")
    return customer["id"], fetched["email"]


def checkout(customer_id, price_id):
    session = stripe.checkout.Session.create(
        customer=customer_id,
        mode="subscription",
        line_items=[{"price": price_id, "quantity": 2}],
        success_url="https://example.com/done",
    )
    return session["url"]


def everyone():
    ids = [c["id"] for c in stripe.Customer.list(limit=2).auto_paging_iter()]
    found = stripe.Customer.search(query="email:'a@example.com'")
    return ids, [c["id"] for c in found]


def close(customer_id, intent_id):
    stripe.PaymentIntent.cancel(intent_id, cancellation_reason="abandoned")
    stripe.Customer.delete(customer_id)
    return stripe.Balance.retrieve()["object"]
"""


def _sync_scenario(module) -> list:
    return [module.onboard("a@example.com", "pro"), module.checkout("cus_7", "price_9"), module.everyone(),
            module.close("cus_7", "pi_3")]


def test_sync_calls_make_the_same_requests_with_the_same_key(tmp_path: Path, transport: Recorder) -> None:
    new, changes, before, after = run_both(SYNC_MODULE, tmp_path, transport, _sync_scenario)
    assert before[0] == after[0]
    assert before[1] == after[1]  # every request, field by field, and all of them through the sync path
    assert len(before[1]) == 9 and {r["key"] for r in after[1]} == {f"Bearer {KEY}"}
    assert [r["account"] for r in after[1]].count("acct_123") == 1
    assert after[1][0]["idempotency"] == "onboard-a@example.com"
    assert ("post", "/v1/checkout/sessions") in {(r["method"], r["path"]) for r in after[1]}
    assert "api_key" not in new and "stripe_client = stripe.StripeClient(os.getenv(\"STRIPE_SECRET_KEY\"))" in new
    assert "from stripe import Customer" not in new  # no longer used
    assert 'stripe_client.v1.customers.update(fetched["id"], params={"metadata": {"plan": plan}}, ' \
           'options={"stripe_account": "acct_123"})' in new
    assert 'stripe_client.v1.customers.delete(customer_id)' in new
    assert """
    customer = stripe_client.v1.customers.create(
        params={
            "email": email,
            "metadata": {"plan": plan, "source": "web"},  # where they signed up
        },
        options={
            "idempotency_key": f"onboard-{email}",
        },
    )""" in new
    assert [c.dependent for c in changes] == [False] + [True] * 9


def test_import_alias_and_a_second_run_changes_nothing(tmp_path: Path, transport: Recorder) -> None:
    source = """
    import stripe as s

    s.api_key = "sk_test_literal"


    def charge(amount):
        return s.PaymentIntent.create(amount=amount, currency="eur", confirm=True)["id"]
    """
    new, _, before, after = run_both(source, tmp_path, transport, lambda m: m.charge(500))
    assert before == after
    assert after[1][0]["key"] == "Bearer sk_test_literal"
    assert 'stripe_client = s.StripeClient("sk_test_literal")' in new
    again, result = fix(tmp_path, new, "again.py")
    assert again == new and result.changes == [] and result.diagnostics == []


# --- async code: the awaitable twins, same requests ----------------------------------------------------------
ASYNC_MODULE = """
import os

import stripe

stripe.api_key = os.environ["STRIPE_SECRET_KEY"]


async def handle_checkout_completed(event: dict) -> dict:
    session = event["data"]["object"]
    customer = stripe.Customer.retrieve(session["customer"], expand=["subscriptions"])
    stripe.Customer.modify(customer["id"], metadata={"paid": "yes"})
    first = stripe.Invoice.list(customer=customer["id"], limit=1).data[0]["id"]
    return {"customer": customer["id"], "email": customer["email"], "first": first}


async def already_async(email):
    created = await stripe.Customer.create_async(email=email)
    return created["id"]


def nightly(customer_id):
    return stripe.Customer.retrieve(customer_id)["id"]  # sync code keeps the sync method
"""


def _async_scenario(module) -> list:
    async def main():
        event = {"data": {"object": {"customer": "cus_42"}}}
        return [await module.handle_checkout_completed(event), await module.already_async("b@example.com")]

    return [asyncio.run(main()), module.nightly("cus_5")]


def test_async_calls_use_the_awaitable_twins_with_the_same_requests(tmp_path: Path, transport: Recorder) -> None:
    new, _, before, after = run_both(ASYNC_MODULE, tmp_path, transport, _async_scenario)
    assert before[0] == after[0]
    assert _without_how(before[1]) == _without_how(after[1]) and len(after[1]) == 5
    # before: the handler's three calls blocked the loop (sync path); after: all awaited but the sync job's
    assert [r["how"] for r in before[1]] == ["sync", "sync", "sync", "async", "sync"]
    assert [r["how"] for r in after[1]] == ["async", "async", "async", "async", "sync"]
    assert 'customer = await stripe_client.v1.customers.retrieve_async(session["customer"], ' \
           'params={"expand": ["subscriptions"]})' in new
    assert 'first = (await stripe_client.v1.invoices.list_async(params={"customer": customer["id"], ' \
           '"limit": 1})).data[0]["id"]' in new
    assert 'created = await stripe_client.v1.customers.create_async(params={"email": email})' in new
    assert 'return stripe_client.v1.customers.retrieve(customer_id)["id"]' in new


def test_rewritten_handlers_no_longer_block_the_loop(tmp_path: Path, transport: Recorder) -> None:
    source = """
    import stripe

    stripe.api_key = "sk_test_x"


    async def lookup(customer_id):
        return stripe.Customer.retrieve(customer_id)["id"]
    """
    new, _ = fix(tmp_path, source)
    transport.delay = 0.2

    def gathered(text: str) -> tuple[float, list]:
        module = load(text, "lookup")

        async def main():
            start = time.perf_counter()
            ids = await asyncio.gather(*[module.lookup(f"cus_{i}") for i in range(4)])
            return time.perf_counter() - start, ids

        return asyncio.run(main())

    slow, ids_before = gathered(textwrap.dedent(source))
    fast, ids_after = gathered(new)
    assert ids_before == ids_after == ["cus_0", "cus_1", "cus_2", "cus_3"]
    assert slow >= 0.75 and fast < 0.5  # four 0.2 s requests one after another, then overlapping


# --- every mapping of the shipped table, against the installed stripe -----------------------------------------
@pytest.fixture(scope="module")
def api():
    from awaitify.rules.stripe_global_key import table

    installed = Version(stripe.VERSION)
    (version,) = [v for v in table.shipped() if v.major == installed.major]
    return table, table.load(str(version))


def _resolve(qualified: str) -> object:
    obj: object = stripe
    for part in qualified.split(".")[1:]:
        obj = getattr(obj, part)
    return obj


def test_the_shipped_table_is_what_the_installed_release_gives(api) -> None:
    """Tables are built by introspecting a released stripe: for the release installed here, building
    it again gives the shipped table (so the generator and the data cannot drift apart)."""
    from awaitify.rules.stripe_global_key import introspect

    _, table = api
    if table.version != stripe.VERSION:
        pytest.skip(f"stripe {stripe.VERSION} is installed; the shipped table of its major is {table.version}")
    built = json.loads(json.dumps(introspect.build()))  # as the table file holds it (lists, not tuples)
    assert built["resources"] == table.resources and set(built["exceptions"]) == table.exceptions
    assert set(built["options"]) == table.options


@pytest.mark.filterwarnings("ignore::DeprecationWarning")  # some endpoints are deprecated: still mapped alike
def test_every_mapped_resource_method_makes_the_same_request(api, transport: Recorder) -> None:
    """Each (resource, method) pair the table maps, called with placeholder ids and no parameters,
    through the global key and through the client (sync and async): the same requests."""
    module, table = api
    stripe.api_key = KEY
    client = stripe.StripeClient(KEY)
    checked = 0
    for qualified, methods in sorted(table.resources.items()):
        cls = _resolve(qualified)
        for name in sorted(methods):
            target = table.target(f"{qualified}.{name}")
            if not isinstance(target, module.Target):
                continue
            ids = [f"id_{i}" for i in range(len(target.positional))]
            extra = {"stripe_version": "2020-08-27"} if cls.__name__ == "EphemeralKey" else {}
            service = client
            for part in target.service:
                service = getattr(service, part)
            method = getattr(cls, f"_cls_{name}", None) or getattr(cls, name)
            kwargs = {"params": {}} if target.params_required else {}
            if extra:
                kwargs["options"] = extra
            seen = []
            calls = [(method, extra), (getattr(service, target.method), kwargs)]
            if target.async_method:
                calls.append((getattr(service, target.async_method), kwargs))
            for func, named in calls:
                transport.requests.clear()
                out = func(*ids, **named)
                if asyncio.iscoroutine(out):
                    asyncio.run(out)
                seen.append(_without_how(transport.requests))
            assert all(s == seen[0] for s in seen) and len(seen[0]) == 1, f"{qualified}.{name}: {seen}"
            checked += 1
    assert checked > 300  # stripe 16: ~900 (sync and *_async resource methods)


# --- refusals: nothing rewritten, a reason given ------------------------------------------------------------------
HEAD = "import os\nimport stripe\n\n"
REFUSED = [
    ("unknown method", HEAD + "stripe.api_key = 'k'\n\ndef f(c):\n    stripe.Customer.create(email='e')\n"
     "    return stripe.Customer.list_payment_methods(c)\n", "no `list_payment_methods` method"),
    ("not a resource", HEAD + "stripe.api_key = 'k'\n\ndef f():\n    return stripe.raw_request('get', '/v1/x')\n",
     "is not a Stripe API resource method"),
    ("**kwargs", HEAD + "stripe.api_key = 'k'\n\ndef f(**kw):\n    return stripe.Customer.create(**kw)\n",
     "`**kwargs` cannot be split"),
    ("key read", HEAD + "stripe.api_key = 'k'\n\ndef f():\n    print(stripe.api_key)\n    return stripe.Customer.create()\n",
     "set or read in 2 places"),
    ("set twice", HEAD + "stripe.api_key = 'k'\nif os.getenv('X'):\n    stripe.api_key = 'other'\n", "set or read in 2 places"),
    ("inside a function", HEAD + "def configure():\n    stripe.api_key = os.getenv('K')\n", "inside a function"),
    ("under an if", HEAD + "if os.getenv('K'):\n    stripe.api_key = os.getenv('K')\n", "under an `if`/`try`, annotated"),
    ("chained", HEAD + "key = stripe.api_key = os.getenv('K')\n", "chained with other names"),
    ("annotated", HEAD + "stripe.api_key: str = os.environ['K']\n", "annotated, augmented"),
    ("passed uncalled", HEAD + "import asyncio\nstripe.api_key = 'k'\n\nasync def f(e):\n"
     "    return await asyncio.to_thread(stripe.Customer.create, email=e)\n", "used without being called"),
    ("other global setting", HEAD + "stripe.api_key = 'k'\nstripe.api_version = '2020-08-27'\n\ndef f():\n"
     "    return stripe.Customer.create()\n", "`stripe.api_version` is set here"),
    ("call before the key", HEAD + "BALANCE = stripe.Balance.retrieve()\nstripe.api_key = 'k'\n",
     "runs at import time before the key is set"),
    ("ids as *args", HEAD + "stripe.api_key = 'k'\n\ndef f(a):\n    return stripe.Customer.retrieve(*a)\n",
     "`*args`/`**kwargs` cannot be split"),
    ("missing id", HEAD + "stripe.api_key = 'k'\n\ndef f():\n    return stripe.Customer.retrieve()\n",
     "expected 1 positional argument(s) (id)"),
    ("constructed resource", HEAD + "stripe.api_key = 'k'\n\ndef f():\n    return stripe.Customer(id='cus_1').save()\n",
     "is not a Stripe API resource method"),
    ("an option before a parameter", HEAD + "stripe.api_key = 'k'\n\ndef f(a, b):\n"
     "    return stripe.Customer.create(idempotency_key=a(), email=b())\n",
     "`email=` would be evaluated before `idempotency_key=`"),
    ("an id after a parameter", HEAD + "stripe.api_key = 'k'\n\ndef f(a, b):\n"
     "    return stripe.Customer.retrieve(expand=a(), id=b())\n", "`id=` would be evaluated before `expand=`"),
    ("a suppressed call", HEAD + "stripe.api_key = 'k'\n\ndef f():\n"
     "    return stripe.Customer.create()  # awaitify: ignore[AW513]\n", "marked to be ignored"),
]


@pytest.mark.parametrize("source, reason", [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_refused_modules_are_left_whole_with_a_reason(tmp_path: Path, source: str, reason: str) -> None:
    new, result = fix(tmp_path, source)
    assert new == source and result.changes == []
    messages = [d.message for d in result.diagnostics if d.code == "AW513"]
    assert messages and any(reason in m for m in messages), messages
    assert all(m.startswith("stripe.api_key not converted to a StripeClient: ") for m in messages)


def test_a_suppressed_key_is_left_silently(tmp_path: Path) -> None:
    source = HEAD + "stripe.api_key = 'k'  # awaitify: ignore[AW513]\n\ndef f():\n    return stripe.Customer.create()\n"
    new, result = fix(tmp_path, source)
    assert new == source and result.changes == [] and result.diagnostics == []


def test_a_project_fact_that_other_modules_rely_on_the_key_refuses(tmp_path: Path) -> None:
    """The engine may pass `plan.extra["stripe-global-key"] = {"global_key_users": [...]}`."""
    path = tmp_path / "keys.py"
    path.write_text(HEAD + "stripe.api_key = 'k'\n")
    plan = FilePlan(extra={"stripe-global-key": {"global_key_users": ["routes/billing.py:12"]}})
    result = fix_file(read_source(path, "keys.py"), all_rules(), Config(root=tmp_path), plan)
    assert result.new == result.old and "routes/billing.py:12" in result.diagnostics[0].message


# --- left alone ---------------------------------------------------------------------------------------------------------
UNTOUCHED = [
    ("no global key", "import stripe\n\nasync def f(c):\n    return stripe.Customer.retrieve(c, api_key=c)\n"),
    ("key only read", "import stripe\n\ndef key():\n    return stripe.api_key\n"),
    ("no stripe at all", "import os\n\nstripe_api_key = os.getenv('K')\n"),
    ("someone else's api_key", "import openai\n\nopenai.api_key = 'k'\n"),
    ("a local module called stripe", "class stripe:\n    api_key = None\n\nstripe.api_key = 'k'\n"),
]


@pytest.mark.parametrize("source", [u[1] for u in UNTOUCHED], ids=[u[0] for u in UNTOUCHED])
def test_files_without_a_module_global_key_are_untouched(tmp_path: Path, source: str) -> None:
    new, result = fix(tmp_path, source)
    assert new == source and result.changes == [] and result.diagnostics == []


def test_webhook_helpers_and_error_classes_are_kept_and_the_name_never_collides(tmp_path: Path, transport: Recorder) -> None:
    source = """
    import stripe

    stripe.api_key = "sk_test_w"
    stripe_client = "taken"


    def verify(payload, header):
        try:
            return stripe.Webhook.construct_event(payload, header, "whsec_test")
        except stripe.SignatureVerificationError:
            return None


    def lookup(stripe_client_2: stripe.Customer) -> str:
        return stripe.Customer.retrieve(stripe_client_2)["id"]
    """
    new, result = fix(tmp_path, source)
    assert result.diagnostics == []
    assert 'stripe_client_3 = stripe.StripeClient("sk_test_w")' in new
    assert 'stripe.Webhook.construct_event(payload, header, "whsec_test")' in new
    assert "except stripe.SignatureVerificationError:" in new
    assert 'return stripe_client_3.v1.customers.retrieve(stripe_client_2)["id"]' in new
    module = load(new, "hooks")
    assert module.verify(b"{}", "t=1,v1=bad") is None and module.lookup("cus_1") == "cus_1"


# --- the STORY-221 example ----------------------------------------------------------------------------------------------
def test_story221_webhook_module_gets_its_client(tmp_path: Path, cli, transport: Recorder) -> None:
    tree = tmp_path / "story221"
    shutil.copytree(EXAMPLE, tree)
    webhooks = tree / "backend" / "webhooks" / "stripe.py"
    original = webhooks.read_text()
    code, _, err = cli("fix", "--write", "--allow-dirty", "--no-cache", ".", cwd=tree)
    assert code == 0, err
    assert "backend/webhooks/stripe.py" in err
    new = webhooks.read_text()
    assert "stripe.api_key" not in new  # the seed's validation metric: grep finds nothing
    assert 'stripe_client = stripe.StripeClient(os.getenv("STRIPE_SECRET_KEY"))' in new
    assert 'customer = await stripe_client.v1.customers.retrieve_async(session["customer"])' in new
    assert "session = stripe_client.v1.checkout.sessions.create(\n        params={\n" in new
    assert 'return stripe.Webhook.construct_event(payload, signature, os.environ["STRIPE_WEBHOOK_SECRET"])' in new

    event = {"data": {"object": {"customer": "cus_221"}}}
    runs = []
    for text in (original, new):
        stripe.api_key = None
        transport.requests.clear()
        module = load(text, "backend.webhooks.stripe")
        out = [asyncio.run(module.handle_checkout_completed(event)), module.start_checkout("cus_221", "price_pro")]
        runs.append((out, _without_how(transport.requests), [r["how"] for r in transport.requests]))
    assert runs[0][:2] == runs[1][:2]
    assert runs[0][1][0]["key"] == f"Bearer {KEY}" and runs[0][1][1]["path"] == "/v1/checkout/sessions"
    assert (runs[0][2], runs[1][2]) == (["sync", "sync"], ["async", "sync"])

    code, out, _ = cli("check", "--select", "AW513", ".", cwd=tree)
    assert b"AW513" not in out


BLOCK_STRIPE = """
import sys
sys.modules["stripe"] = None  # `import stripe` fails here, as where stripe is not installed
from awaitify.cli import main
main(sys.argv[1:])
"""


def test_the_same_result_whether_or_not_stripe_is_installed(tmp_path: Path, cli) -> None:
    source = HEAD + "stripe.api_key = os.environ['K']\n\n\nasync def f(c):\n    return stripe.Customer.retrieve(c)\n"
    (tmp_path / "billing.py").write_text(source)
    with_stripe = cli("fix", "--no-cache", ".", cwd=tmp_path)
    without = subprocess.run([sys.executable, "-c", BLOCK_STRIPE, "fix", "--no-cache", "."], cwd=tmp_path, capture_output=True)
    assert with_stripe[0] == without.returncode == 0
    assert with_stripe[1] == without.stdout and b"await stripe_client.v1.customers.retrieve_async(c)" in without.stdout


@pytest.mark.parametrize(("pins", "expected"), [
    ({"requirements.txt": "stripe==11.6.0\n"}, "stripe_client.customers.retrieve(c)"),  # before the v1 namespace
    ({"requirements.txt": "stripe>=12.5,<13\n"}, "stripe_client.v1.customers.retrieve(c)"),
    ({"pyproject.toml": '[project]\nname = "x"\ndependencies = ["stripe~=16.0"]\n'}, "stripe_client.v1.customers.retrieve(c)"),
    ({"requirements.txt": "stripe<11\n"}, "the project pins stripe <11, and awaitify maps stripe-python 11.x, 12.x"),
    ({"poetry.lock": '[[package]]\nname = "stripe"\nversion = "9.1.0"\n'}, "the project pins stripe ==9.1.0"),
])
def test_the_table_is_the_one_the_project_pins(tmp_path: Path, pins: dict[str, str], expected: str) -> None:
    for name, text in pins.items():
        (tmp_path / name).write_text(text)
    source = HEAD + "stripe.api_key = 'k'\n\ndef f(c):\n    return stripe.Customer.retrieve(c)\n"
    new, result = fix(tmp_path, source)
    assert expected in new or any(expected in d.message for d in result.diagnostics), (new, result.diagnostics)


def test_the_doc_pages_fix_example_is_what_fix_does(tmp_path: Path) -> None:
    page = (ROOT / "docs" / "rules" / "stripe-global-key.md").read_text()
    fix_section = page.split("\n## Fix\n", 1)[1]
    before, after = [block.split("\n", 1)[1] for block in fix_section.split("```")[1:4:2]]
    new, result = fix(tmp_path, before)
    assert new == after and result.diagnostics == []


# --- the project: other modules that rely on the global key --------------------------------------------------------
SETTINGS = "import stripe\n\nstripe.api_key = 'sk_test_x'\n"
PROJECT_USERS = [
    ("a resource call", "import stripe\nimport settings\n\n\nasync def charge():\n    return stripe.Customer.create(email='a@b.c')\n",
     "billing.py:6"),
    ("a name taken from stripe", "from stripe import Customer\n\n\ndef charge():\n    return Customer.create(email='a@b.c')\n",
     "billing.py:5"),
    ("the key read", "import stripe as s\n\n\ndef ready():\n    return bool(s.api_key)\n", "billing.py:5"),
    ("stripe re-exported by the settings", "from settings import stripe\n\n\ndef charge():\n"
     "    return stripe.Customer.create(email='a@b.c')\n", "billing.py:5"),
    ("a star import", "from stripe import *\n\n\ndef charge():\n    return Customer.create(email='a@b.c')\n",
     "billing.py:1"),
]


def _project(tmp_path: Path, other: str) -> Path:
    """A two-module project (paths are shown relative to the current directory, as users see them)."""
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "shop"\nversion = "0"\ndependencies = ["stripe==16.1.0"]\n')
    (tmp_path / "settings.py").write_text(SETTINGS)
    (tmp_path / "billing.py").write_text(other)
    return tmp_path


@pytest.mark.parametrize("other, user", [u[1:] for u in PROJECT_USERS], ids=[u[0] for u in PROJECT_USERS])
def test_a_key_other_modules_rely_on_is_refused_and_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, other: str, user: str) -> None:
    """Converting settings.py alone would leave billing.py's calls without a key (AuthenticationError at
    run time): with every rule on, nothing of either file changes, the refusal names the user, and
    `check` does not call the finding fixable."""
    from awaitify import api

    root = _project(tmp_path, other)
    monkeypatch.chdir(root)
    result = api.fix('.', cache=False)
    assert all(f.path != "settings.py" and "AW513" not in f.rules for f in result.files)
    assert (root / "settings.py").read_text() == SETTINGS
    refusals = [d for d in result.diagnostics if d.code == "AW513" and d.path.endswith("settings.py")]
    assert len(refusals) == 1 and user in refusals[0].message
    findings = [f for f in api.check('.', cache=False).findings if f.code == "AW513"]
    assert [(f.path, f.fixable) for f in findings] == [("settings.py", False)]


def test_key_free_uses_elsewhere_leave_the_conversion_to_go_ahead(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Webhook signatures, error classes and clients of their own need no global key: the setter is
    converted (the planner does not over-refuse), and check calls it fixable."""
    from awaitify import api

    other = ("import stripe\nfrom stripe import StripeClient, SignatureVerificationError\n\n\n"
             "def verify(payload, header, secret):\n    try:\n"
             "        return stripe.Webhook.construct_event(payload, header, secret)\n"
             "    except (stripe.error.SignatureVerificationError, stripe.CardError, SignatureVerificationError):\n"
             "        return None\n\n\ndef own(key):\n    return StripeClient(key)\n")
    root = _project(tmp_path, other)
    monkeypatch.chdir(root)
    assert [f.fixable for f in api.check('.', cache=False).findings if f.code == "AW513"] == [True]
    result = api.fix('.', cache=False)
    assert [f.path for f in result.files if "AW513" in f.rules] == ["settings.py"]
    assert b"stripe_client = stripe.StripeClient('sk_test_x')" in result.files[0].new


def test_two_setters_and_a_user_refuse_both(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from awaitify import api

    root = _project(tmp_path, "import stripe\n\n\ndef charge():\n    return stripe.Customer.create()\n")
    monkeypatch.chdir(root)
    (root / "worker.py").write_text("import stripe\n\nstripe.api_key = 'sk_test_y'\n")
    result = api.fix('.', cache=False)
    assert not result.files
    assert sorted(d.path for d in result.diagnostics if d.code == "AW513") == ["settings.py", "worker.py"]


def test_a_refused_key_does_not_stop_the_other_rules_in_its_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The second, plan-less pass that checks a rewrite is stable must not redo AW513 there: seeing
    settings.py alone it would convert the key the project plan refused (billing.py relies on it),
    and the whole file was left unchanged as 'not stable'. The sleep is fixed, the key stays."""
    from awaitify import api

    root = _project(tmp_path, "import stripe\n\n\ndef charge():\n    return stripe.Customer.create()\n")
    (root / "settings.py").write_text(SETTINGS + "\n\nasync def tick():\n    time.sleep(1)\n")
    (root / "settings.py").write_text("import time\n\n" + (root / "settings.py").read_text())
    monkeypatch.chdir(root)
    result = api.fix(".", cache=False)
    assert not result.skipped, result.skipped
    (changed,) = result.files
    assert changed.path == "settings.py" and changed.rules == ("AW101",)
    assert b"stripe.api_key = 'sk_test_x'" in changed.new and b"await asyncio.sleep(1)" in changed.new
