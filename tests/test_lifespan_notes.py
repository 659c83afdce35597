"""Every note the lifespan fix prints about a hook or an app it leaves, `check` gives too: as the
reason of its AW301 finding at that line and column ("...; not fixed: <note>"), or, where the note
speaks of the app rather than one of its hooks, as a finding of its own there. All rules on."""

from __future__ import annotations

from pathlib import Path

from both_commands import check_and_fix

from awaitify.rules.lifespan.plan import UNREPORTED_SITE

APP = '''\
from fastapi import FastAPI
from other import ext_app

app = FastAPI()


async def init():
    pass


async def close():
    pass


app.on_event("startup")(init)
app.add_event_handler("shutdown", lambda: None)


def make():
    built = FastAPI()
    built.add_event_handler("startup", init)
    return built


ext_app.add_event_handler("startup", init)


def register(target):
    target.add_event_handler("shutdown", close)
'''


def test_check_gives_every_note_of_the_lifespan_fix(tmp_path: Path) -> None:
    report, result = check_and_fix(tmp_path, APP)
    said = {(f.line, f.column): f.message.partition("; not fixed: ")[2] for f in report.findings
            if f.code == "AW301" and "; not fixed: " in f.message}
    left = {(d.line, d.column): d.message for d in result.diagnostics if d.code == "AW301"}
    assert said == left
    assert sorted(left) == [(4, 7), (16, 1), (21, 5), (25, 1), (29, 5)]
    [app] = [f for f in report.findings if (f.line, f.column) == (4, 7)]
    assert app.message.startswith(f"{UNREPORTED_SITE}; not fixed: `app` is not given a lifespan")
    assert not any(f.fixable for f in report.findings) and not result.files


def test_a_converted_app_has_no_note_and_no_extra_finding(tmp_path: Path) -> None:
    text = APP.split("app.add_event_handler(")[0]  # the app, its hooks and one movable registration
    report, result = check_and_fix(tmp_path, text)
    assert not result.diagnostics
    assert [(f.line, f.fixable, "not fixed" in f.message) for f in report.findings] == [(15, True, False)]
