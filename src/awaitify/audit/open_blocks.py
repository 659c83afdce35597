"""`with open(...)` blocks AW507's fix leaves on the loop for state bound to the loop's thread: its
reason, said by `check` at the block's `open()`, not fixable.

The scan (awaitify.audit.scan) reads what each block the fix may move uses (`OpenBlock`); what is
bound comes from awaitify.thread_bound with the project around the file (`from db import conn`), as
the planner hands the fix the same facts. Asked only for files holding such a block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from awaitify.audit.scan import BLOCKING_OPEN, FileScan, Site, moved_only_with_block
from awaitify.rules.blocking_open import refusals
from awaitify.rules.blocking_open.thread_uses import OpenBlock, bound_use
from awaitify.thread_bound import ThreadBound


def with_thread_bound_blocks(path: str, scan_: FileScan, bound: ThreadBound, configured: Iterable[str]) -> list[Site]:
    """The file's sites, with each block the fix leaves for thread-bound state said at its `open()`
    (not fixable, the fix's reason), and what only that block's move would have fixed not fixable."""
    if not scan_.open_blocks:
        return scan_.sites
    facts = bound.file_facts(path)
    listed = tuple(configured)
    refused: dict[tuple[int, int], str] = {}
    moving: list[tuple[int, int]] = []  # blocks the fix moves
    kept: list[tuple[int, int]] = []  # blocks it would move, but for what they use
    for block in sorted(scan_.open_blocks, key=lambda b: (b.start, -b.end)):
        if any(_inside(block, outer) for outer in moving):
            continue  # it moves with the block around it: the fix never asks about it
        use = bound_use({**facts["module"], **facts["functions"].get(block.owner, {})}, block.uses, listed)
        if use:
            refused[(block.line, block.col)] = refusals.thread_bound(use)
            if block.movable:
                kept.append((block.start, block.end))
        elif block.movable:
            moving.append((block.start, block.end))
    if not refused:
        return scan_.sites
    sites = []
    for site in scan_.sites:
        moves = any(start <= site.line <= end for start, end in moving)
        if site.code == BLOCKING_OPEN.code and (site.line, site.col) in refused and not moves:
            site = replace(site, fixable=False, refused=refused[(site.line, site.col)])
        elif site.fixable and not moves and moved_only_with_block(site) and any(
                start <= site.line <= end for start, end in kept):
            site = replace(site, fixable=False)
        sites.append(site)
    return sites


def _inside(block: OpenBlock, outer: tuple[int, int]) -> bool:
    return outer[0] <= block.start and block.end <= outer[1] and outer != (block.start, block.end)
