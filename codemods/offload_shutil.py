"""Offloads `shutil` file-tree operations inside `async def` to a thread: `shutil.copy`, `copy2`,
`copyfile`, `copytree`, `move`, `rmtree`, `make_archive` and `unpack_archive` become
`await asyncio.to_thread(shutil.copytree, src, dst, dirs_exist_ok=True)`. Same arguments, same result,
same exceptions, raised at the `await`.
"""

from __future__ import annotations

from awaitify.codemod_base import OffloadCodemod, wants_calls
from awaitify.rules import Rule

FUNCTIONS = ("copy", "copy2", "copyfile", "copyfileobj", "copytree", "move", "rmtree", "make_archive", "unpack_archive")
CALLS = frozenset(f"shutil.{f}" for f in FUNCTIONS)

RULE = Rule(
    code="AW515",
    name="shutil-io",
    summary="shutil copies, moves, rmtree and archives in async code -> await asyncio.to_thread(...)",
    triggers=("shutil",),
    order=45,
    async_only=True,
    local_edits=True,
    async_by_trigger=True,
    offload_fixes=tuple(sorted(CALLS)),
)

wants = wants_calls(qualified=CALLS)


class OffloadShutil(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS
