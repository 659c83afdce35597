"""Builds the global `Plan` from the project index (async propagation; see docs/propagation.md).

A codemod that needs facts from other files (the lifespan codemod: hooks registered on an app from
another module) defines a module-level `plan_project(sources, config) -> {absolute path: facts}`;
its facts reach the codemod as `FilePlan.extra[rule.name]`.
"""

from __future__ import annotations

from awaitify.config import Config
from awaitify.plan import FilePlan, Plan
from awaitify.rules import Rule, codemod_modules
from awaitify.source import SourceFile


def _codemod_facts(plan: Plan, sources: list[SourceFile], rules: tuple[Rule, ...], config: Config) -> None:
    for module in codemod_modules():
        hook = getattr(module, "plan_project", None)
        if hook is None or module.RULE not in rules:
            continue
        for path, facts in hook(sources, config).items():
            plan.files.setdefault(path, FilePlan()).extra[module.RULE.name] = facts


def build_plan(sources: list[SourceFile], rules: tuple[Rule, ...], config: Config) -> Plan:
    plan = Plan()
    _codemod_facts(plan, sources, rules, config)
    return plan
