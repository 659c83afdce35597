"""Drive the queue consumer through its sync entry point, then a concurrent batch of slow fetches."""

import time

from appkit import emit, outcome

from worker import cli, metrics

same = {}
jobs = [
    {"id": "a", "kind": "fetch", "item": "apple"},
    {"id": "b", "kind": "flaky"},
    {"id": "c", "kind": "unknown"},
    {"id": "m", "kind": "moved", "item": "pear"},
]
same["batch"] = outcome(cli.main, jobs)
same["cooldown"] = outcome(cli.cooldown)
report = outcome(cli.main, [{"id": "r", "kind": "report"}])
start = time.perf_counter()
slow = cli.main([{"id": f"s{i}", "kind": "fetch", "item": f"i{i}", "delay": 0.25} for i in range(4)])
timing = {"results": slow, "elapsed": time.perf_counter() - start, "n": 4}
emit(same, timing, changed={"report": report, "sent": metrics.sent})
