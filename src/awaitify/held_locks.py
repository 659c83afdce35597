"""Code that runs while a sync `with` holds a thread lock, or process-wide state: where no fix may
write an `await`. No libcst.

A sync `with lock:` inside async code holds a `threading.Lock` (or an RLock, a semaphore, a
condition) on the event loop's thread. While it blocks, nothing else runs, so no other task can
reach the lock: slow, but it never hangs. Rewritten to await inside the block (`await
asyncio.sleep()`, an awaited httpx call, `await asyncio.to_thread(...)`, a helper made async and
awaited), the task suspends with the lock still held; the next task to run `with lock:` blocks the
loop's only thread waiting for a release that can now never come. A deadlock where the code was
only slow: every fix leaves such a call, and says why.

The same holds, with a quieter failure, for a block that changes process-wide state until it ends
(`contextlib.redirect_stdout`, `redirect_stderr`, `chdir`, `warnings.catch_warnings`,
`unittest.mock.patch`): during an `await` inside, the other tasks would run under it (print into
the redirected stream, open files relative to the other folder, call the patched function).

Which `with` does either is told from its spelling, as the tool cannot see types: a call of a lock
class of `threading` or `multiprocessing`, or an expression whose last name says lock, mutex,
semaphore or condition (`self._lock`, `db_mutex`, `cond`); a call of one of the managers above by
its name. An asyncio lock cannot stand in a sync `with` (it needs `async with`), so a lock's name
there is a thread's. Both commands read the same answer: `awaitify.summary` marks the calls inside
(`CallSite.held`, which propagation reads), and `held_regions` gives the lines to `check` and to the
transform.
"""

from __future__ import annotations

import ast
import re

from awaitify.text_lines import split_lines

# the classes whose instances are thread (or process) locks, by the name they are called with
LOCK_CLASSES = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition"})
# the context managers that change process-wide state for their block, by the (last) name they are
# called with; `patch` also as `patch.object(...)`, `patch.dict(...)`, `patch.multiple(...)`
PROCESS_STATE = frozenset({"redirect_stdout", "redirect_stderr", "chdir", "catch_warnings", "patch"})
_PATCH_FORMS = frozenset({"object", "dict", "multiple"})
# the last name of an expression that holds one: `lock`, `self._lock`, `write_mutex`, `cond`, `sem`
# (`block` and `clock` are not locks: a word ends the name after an underscore, or in camel case)
_LOCK_WORD = re.compile(r"(?i:(?:^|_)(?:r?lock|mutex|semaphore|sem|cond|condition))$|[a-z0-9](?:Lock|Mutex)$")


def held_lock(node: ast.With) -> str | None:
    """The spelling of the thread lock or process-wide state a sync `with` holds, or None when none
    of its items looks like one."""
    for item in node.items:
        if _names_lock(item.context_expr) or _sets_process_state(item.context_expr):
            return ast.unparse(item.context_expr)
    return None


def _sets_process_state(expr: ast.expr) -> bool:
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in _PATCH_FORMS:  # `patch.object(...)`
        func = func.value
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else None
    return name in PROCESS_STATE


def _names_lock(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Call):  # `with threading.Lock():`, `with lock_for(key):` (a lock it hands back)
        expr = expr.func
    name = expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None
    return name is not None and (name in LOCK_CLASSES or bool(_LOCK_WORD.search(name)))


def reason(held: str) -> str:
    """Why a fix leaves a call where `held` (a `held_lock` spelling) is held (`check`: "<finding>;
    not fixed: <reason>")."""
    if _sets_process_state(ast.parse(held, mode="eval").body):
        return (f"it runs inside `{held}`, which changes process-wide state until the block ends: during "
                "an `await` there the other tasks would run under it; move the call out of the `with` "
                "block by hand")
    return (f"it runs while `{held}` is held (a thread lock): an `await` there would suspend the task "
            "with the lock still held, and the next task to take it would block the event loop for good; "
            "move the call out of the `with` block, or use an asyncio.Lock, by hand")


def held_regions(tree: ast.AST) -> list[tuple[int, int, str]]:
    """(first line, last line, lock) of the body of each sync `with` inside a function that holds a
    thread lock. A function defined inside such a body is not in it (its code runs when called)."""
    found: list[tuple[int, int, str]] = []
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]  # (node, inside a function)
    while stack:
        node, in_function = stack.pop()
        if type(node) is ast.With and in_function:
            lock = held_lock(node)  # type: ignore[arg-type]
            if lock is not None and node.body:  # type: ignore[attr-defined]
                found.extend(_spans(node.body, lock))  # type: ignore[attr-defined]
        inside = in_function or isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))
    return sorted(found)


def _spans(body: list[ast.stmt], lock: str) -> list[tuple[int, int, str]]:
    """The lines of `body`, without those of the functions and classes defined in it."""
    spans, start = [], body[0].lineno
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([d.lineno for d in statement.decorator_list] + [statement.lineno])
            if start < first:
                spans.append((start, first - 1, lock))
            start = (statement.end_lineno or statement.lineno) + 1
    last = body[-1].end_lineno or body[-1].lineno
    if start <= last:
        spans.append((start, last, lock))
    return spans


def call_starts(tree: ast.AST, text: str, lines: set[int]) -> dict[int, list[int]]:
    """The 1-based columns (in characters) where calls start on each of `lines`, in order."""
    rows = split_lines(text)
    found: dict[int, list[int]] = {}
    for node in ast.walk(tree):
        if type(node) is ast.Call and node.lineno in lines:  # (ast counts the column in UTF-8 bytes)
            before = rows[node.lineno - 1].encode("utf-8")[:node.col_offset]
            found.setdefault(node.lineno, []).append(len(before.decode("utf-8", "replace")) + 1)
    return {line: sorted(cols) for line, cols in found.items()}


def lock_at(regions: list[tuple[int, int, str]], line: int) -> str | None:
    """The lock held on `line`, per `held_regions`; None when none is."""
    for start, end, lock in regions:
        if start <= line <= end:
            return lock
    return None


def may_hold(text: str) -> bool:
    """Can the text hold such a block at all (a cheap test before any parse)?"""
    lowered = text.lower()
    return "with" in lowered and any(word in lowered for word in ("lock", "mutex", "sem", "cond", "redirect_std",
                                                                   "chdir", "catch_warnings", "patch"))
