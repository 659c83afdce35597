"""Each rule's own examples (its folder's VALID and INVALID: awaitify.rule.Example), run with every
rule on, as a user runs `check` and `fix`:

- VALID: `check` does not report the rule's code; `fix` changes nothing and says nothing under it.
- INVALID: `check` reports the rule's code. With `fixed`, every such finding is fixable and `fix`
  makes exactly that text, which compiles, which a second `fix` leaves as it is and in which `check`
  finds nothing of the rule left to fix. Without `fixed`, `fix` leaves the file byte for byte and
  `check` calls none of those findings fixable (a refusal, or a rule without a fix).

A case with a `gap` is a known disagreement between check and fix: it must fail (strict xfail)."""

from __future__ import annotations

from pathlib import Path

import pytest

from awaitify import api
from awaitify.rule import Example, Rule
from awaitify.rules import all_rules, codemod_modules, every_rule, unit

CASES = [
    pytest.param(rule, kind, example, id=f"{rule.name}-{kind}{n}",
                 marks=[pytest.mark.xfail(strict=True, reason=example.gap)] if example.gap else [])
    for rule in every_rule()
    for kind in ("VALID", "INVALID")
    for n, example in enumerate(getattr(unit(rule.name), kind), 1)
]


def _project(tmp_path: Path, example: Example, text: str) -> Path:
    (tmp_path / "pyproject.toml").write_text("[tool.awaitify]\n" + example.config, encoding="utf-8")
    (tmp_path / "example.py").write_text(text, encoding="utf-8")
    return tmp_path / "pyproject.toml"


def _run(tmp_path: Path, example: Example, text: str) -> tuple[api.Report, api.FixResult]:
    config = str(_project(tmp_path, example, text))
    report = api.check([tmp_path], config=config, cache=False, jobs=1)
    return report, api.fix([tmp_path], config=config, cache=False, jobs=1)


def _fixed_text(result: api.FixResult, text: str) -> str:
    return result.files[0].new.decode("utf-8") if result.files else text


def test_every_rule_gives_examples_and_every_fix_a_refusal_or_a_fix():
    for rule in every_rule():
        folder = unit(rule.name)
        assert folder.VALID and folder.INVALID, rule.name
        if rule.fixable:
            assert any(e.fixed is not None for e in folder.INVALID), f"{rule.name}: no INVALID case shows the fix"
            assert any(e.fixed is None for e in folder.INVALID), f"{rule.name}: no INVALID case shows a refusal"


def test_the_rules_with_a_fix_are_the_folders_with_a_fix_module():
    """`fixable` is declared (the registry must not import libcst to list rules); it must say the truth."""
    assert sorted(m.RULE.code for m in codemod_modules()) == [r.code for r in all_rules()]
    assert all(m.RULE is unit(m.RULE.name).RULE for m in codemod_modules())


@pytest.mark.parametrize("rule, kind, example", CASES)
def test_rule_example(rule: Rule, kind: str, example: Example, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    report, result = _run(tmp_path, example, example.code)
    found = [f for f in report.findings if f.code == rule.code]
    if kind == "VALID":
        assert found == []
        assert [c for f in result.files for c in f.changes if c.code == rule.code] == []
        assert [d for d in result.diagnostics if d.code == rule.code] == []
        return
    if rule.is_check:
        assert found, f"check does not report {rule.code}"
        assert [f.fixable for f in found] == [example.fixed is not None] * len(found), \
            "check's fixable flags disagree with what fix does"
    if example.fixed is None:
        assert _fixed_text(result, example.code) == example.code
        return
    fixed = _fixed_text(result, example.code)
    assert fixed == example.fixed
    compile(fixed, "example.py", "exec")
    report, again = _run(tmp_path, example, fixed)
    assert again.files == ()
    assert [f for f in report.findings if f.code == rule.code and f.fixable] == []
