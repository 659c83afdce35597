"""Which sync functions async code reaches, and the shortest chain of calls that does it.

Searched upward from each function that holds a blocking call, over the resolved call edges into
functions async code reaches (found top-down first, `awaitify.reachable`), or over every caller in
the project index (the reference the tests compare with). Results are memoized: a
function's answer does not depend on where the search started.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Callable

from awaitify.index import Edge, FuncId, ProjectIndex
from awaitify.reachable import AsyncReach
from awaitify.summary import ASYNC, GENEXP, SYNC


@dataclass(frozen=True)
class Link:
    """One step of a chain: `function` (in `path`) calls the next step at `line`."""

    function: str
    path: str
    line: int
    is_async: bool
    fid: tuple[str, str] | None = field(default=None, compare=False)  # the function, for further questions
    barrier: str = field(default="", compare=False)  # what is held around that call (awaitify.await_barriers)


def runs_in_async(edge: Edge) -> bool:
    return edge.site.context == ASYNC or (edge.site.context == GENEXP and edge.site.in_async)


class Reach:
    def __init__(self, index: ProjectIndex, display: Callable[[str], str] = str,
                 barrier: Callable[[FuncId], bool] = lambda fid: False, down: AsyncReach | None = None) -> None:
        self.index = index
        self.display = display
        self.barrier = barrier  # functions whose callers are not followed (configured blocking calls)
        # with the top-down answer, only callers async code reaches are searched (and only the files
        # on the way read); without it, every caller in the index (the reference)
        self.down = down
        self._callers = down.callers if down is not None else index.callers
        self._chains: dict[FuncId, tuple[Link, ...] | None] = {}

    def chain(self, fid: FuncId) -> tuple[Link, ...] | None:
        """Links from an async function down to (not including) `fid`; None when no async code
        reaches it through resolved sync calls."""
        if fid in self._chains:
            return self._chains[fid]
        if self.down is not None and fid not in self.down.reached:
            return None
        parents: dict[FuncId, tuple[FuncId, Edge]] = {}  # caller -> (callee it was reached from, edge)
        queue, seen, found = deque([fid]), {fid}, None
        while queue and found is None:
            callee = queue.popleft()
            for edge in self._callers(callee):
                caller = (edge.path, edge.site.owner)
                if runs_in_async(edge):
                    found = self._unwind(callee, parents, fid, self._link(caller, edge, True))
                    break
                if edge.site.context != SYNC or caller in seen or self.barrier(caller):
                    continue
                known = self._chains.get(caller)
                if known is not None:
                    found = known + self._unwind(callee, parents, fid, self._link(caller, edge, False))
                    break
                if caller in self._chains:  # known unreachable
                    continue
                seen.add(caller)
                parents[caller] = (callee, edge)
                queue.append(caller)
        self._chains[fid] = found
        if found is None:
            for other in seen:  # everything searched from here is unreachable too
                self._chains.setdefault(other, None)
        return found

    def _link(self, caller: FuncId, edge: Edge, is_async: bool) -> Link:
        return Link(self.index.display_name(caller), self.display(edge.path), edge.site.line, is_async, caller,
                    edge.site.barrier)

    def _unwind(self, callee: FuncId, parents: dict, target: FuncId, first: Link) -> tuple[Link, ...]:
        links = [first]
        while callee != target:
            nxt, edge = parents[callee]
            links.append(self._link(callee, edge, False))
            callee = nxt
        return tuple(links)
