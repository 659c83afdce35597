"""Builds the global `Plan` from the project index (async propagation; see docs/propagation.md)."""

from __future__ import annotations

from awaitify.config import Config
from awaitify.plan import Plan
from awaitify.rules import Rule
from awaitify.source import SourceFile


def build_plan(sources: list[SourceFile], rules: tuple[Rule, ...], config: Config) -> Plan:
    return Plan()
