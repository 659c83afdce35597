"""Await barriers: code where no fix may write an `await`, because suspending the task there would
change what the program does (not only stop it blocking). No libcst.

- A sync `with` holding a thread lock (`with lock:`: a `threading.Lock`, RLock, semaphore,
  condition). While a call there blocks, nothing else runs, so no other task can reach the lock:
  slow, but it never hangs. Rewritten to await (`await asyncio.sleep()`, an awaited httpx call,
  `await asyncio.to_thread(...)`, a helper made async and awaited), the task suspends with the lock
  held; the next task to run `with lock:` blocks the loop's only thread waiting for a release that
  can now never come. A deadlock where the code was only slow.
- A sync `with` that changes process-wide state until it ends (`contextlib.redirect_stdout`,
  `redirect_stderr`, `chdir`, `warnings.catch_warnings`, `unittest.mock.patch`): during an `await`
  inside, the other tasks would run under it (print into the redirected stream, call the patch).
- The stretch of a function between its uses of a module-level container that another `async def`
  of the module changes (`shared_state.shared_sections`): blocking, the stretch ran whole; with an
  `await` inside, the other function can change the container in between (an item lost).
- The body of a `try` whose handler swallows cancellation: a bare `except:`, `except
  BaseException`, `except asyncio.CancelledError` (or trio's `Cancelled`) with no `raise` in it. A
  blocking call cannot be cancelled: a task cancelled meanwhile is cancelled at its next `await`,
  outside that `try`. Awaited inside it, the cancellation is raised there and swallowed: the task
  carries on as if it had not been cancelled, and whoever waits for it to end (a shutdown) waits
  for good.

What a `with` holds is told from its spelling, as the tool cannot see types: a call of a lock class
of `threading` or `multiprocessing`, or an expression whose last name says lock, mutex, semaphore or
condition (`self._lock`, `db_mutex`, `cond`); a call of one of the managers above by its name. An
asyncio lock cannot stand in a sync `with` (it needs `async with`), so a lock's name there is a
thread's. The same lock taken by hand holds the same way: the statements after a (not awaited)
`lock.acquire()` up to the one that calls `lock.release()`, or to the end of the block when none
does (`held_sections`); the body of `if lock.acquire(timeout=...):`. Both commands read the same
answer: `awaitify.summary` marks the calls inside (`CallSite.barrier`, which propagation reads), and
`barrier_regions` gives the lines to `check` and to the transform.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator

from awaitify import shared_state
from awaitify.ast_statements import SUSPENDS, push_children
from awaitify.text_lines import char_column, split_lines

# the classes whose instances are thread (or process) locks, by the name they are called with
LOCK_CLASSES = frozenset({"Lock", "RLock", "Semaphore", "BoundedSemaphore", "Condition"})
# the last name of an expression that holds one: `lock`, `self._lock`, `write_mutex`, `cond`, `sem`
# (`block` and `clock` are not locks: a word ends the name after an underscore, or in camel case)
_LOCK_WORD = re.compile(r"(?i:(?:^|_)(?:r?lock|mutex|semaphore|sem|cond|condition))$|[a-z0-9](?:Lock|Mutex)$")
# the context managers that change process-wide state for their block, by the (last) name they are
# called with; `patch` also as `patch.object(...)`, `patch.dict(...)`, `patch.multiple(...)`
PROCESS_STATE = frozenset({"redirect_stdout", "redirect_stderr", "chdir", "catch_warnings", "patch"})
_PATCH_FORMS = frozenset({"object", "dict", "multiple"})
# what a handler catches when it catches cancellation: asyncio's, trio's, anyio's, or any BaseException
_CANCELLATION = frozenset({"BaseException", "CancelledError", "Cancelled", "get_cancelled_exc_class"})
_TRY_STAR = getattr(ast, "TryStar", ast.Try)  # `except*` (3.11)
# a text none of whose words could make a barrier holds none: the words `_LOCK_WORD`, the lock
# classes, the managers and the handlers above spell (`block`, `second`, `dispatch` do not)
_MAY_HOLD = re.compile(r"(?:\b|_)(?i:r?lock|mutex|semaphore|sem|cond|condition|patch)\b"
                       r"|[a-z0-9](?:Lock|Mutex|Semaphore|Condition)\b"
                       r"|redirect_std|chdir|catch_warnings|except\s*:|BaseException|(?i:cancel)")


def with_barrier(node: ast.With) -> str | None:
    """The spelling of the thread lock or process-wide state a sync `with` holds, or None when none
    of its items looks like one."""
    for item in node.items:
        if _names_lock(item.context_expr) or sets_process_state(item.context_expr):
            return ast.unparse(item.context_expr)
    return None


def try_barrier(node: ast.Try) -> str | None:
    """The spelling of the first handler of a `try` that catches cancellation (`except:`, `except
    BaseException:`...), when it holds no `raise`: cancellation met in the body is swallowed there.
    None when there is none, when the first one re-raises (it lets cancellation through), or when
    the body awaits already: cancellation can land in it today, and that handler is how the code
    answers it (`except CancelledError: break` in a polling loop); one more `await` changes nothing."""
    for handler in node.handlers:
        if handler.type is not None and not _catches_cancellation(handler.type):
            continue
        if any(isinstance(n, ast.Raise) for statement in handler.body for n in _outside_functions(statement)):
            return None
        if any(type(n) in SUSPENDS for statement in node.body for n in _outside_functions(statement)):
            return None  # (asked last: most handlers catch no cancellation, and the body is the most to read)
        return "except:" if handler.type is None else f"except {ast.unparse(handler.type)}:"
    return None


def held_sections(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[int, int, str]]:
    """(first line, last line, barrier) of the sections of the function's own code that run while a
    lock taken by hand is held: from the statement after `lock.acquire()` to the one that calls
    `lock.release()` (a `try` whose `finally` releases it is in it), or to the end of the block
    when none does; the body of `if lock.acquire(...):`; what follows `if not lock.acquire(...):`.
    An awaited `acquire()` is an asyncio lock's, which is made to be held across an `await`."""
    found: list[tuple[int, int, str]] = []
    stack: list[ast.AST] = [function]
    while stack:
        node = stack.pop()
        for name in ("body", "orelse", "finalbody"):
            block = getattr(node, name, None)
            if type(block) is list and block and isinstance(block[0], ast.stmt):
                found.extend(_sections(block))
        if node is function or not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            push_children(node, stack)
    return found


def _sections(block: list[ast.stmt]) -> list[tuple[int, int, str]]:
    found: list[tuple[int, int, str]] = []
    for at, statement in enumerate(block):
        taken = _acquisition(statement)
        if taken is not None:
            lock, in_body = taken
            found.extend(_until_release(statement.body, 0, lock) if in_body else _until_release(block, at + 1, lock))  # type: ignore[attr-defined]
    return found


def _acquisition(statement: ast.stmt) -> tuple[str, bool] | None:
    """(the lock's spelling, whether what holds it is the statement's body) for a statement that
    takes a lock by hand; None for any other."""
    kind = type(statement)
    if kind in (ast.Expr, ast.Assign, ast.AnnAssign):
        lock = _takes_lock(statement.value)  # type: ignore[attr-defined]
        return None if lock is None else (lock, False)
    if kind in (ast.If, ast.While):
        test = statement.test  # type: ignore[attr-defined]
        if kind is ast.If and (lock := _takes_lock(test)) is not None:
            return lock, True
        if type(test) is ast.UnaryOp and type(test.op) is ast.Not and (lock := _takes_lock(test.operand)) is not None:
            return lock, False  # `if not lock.acquire(timeout=1): return`: held after it
    return None


def _takes_lock(expr: ast.expr | None) -> str | None:
    """The spelling of the lock `expr` takes, when it is a call `<lock>.acquire(...)`."""
    if type(expr) is not ast.Call:
        return None
    func = expr.func  # type: ignore[union-attr]
    if type(func) is ast.Attribute and func.attr == "acquire" and _names_lock(func.value):
        return ast.unparse(func.value)
    return None


def _until_release(block: list[ast.stmt], start: int, lock: str) -> list[tuple[int, int, str]]:
    rest = block[start:]
    for at, statement in enumerate(rest):
        if any(type(n) is ast.Call and type(n.func) is ast.Attribute and n.func.attr == "release"
               and ast.unparse(n.func.value) == lock for n in _outside_functions(statement)):
            rest = rest[:at + 1]
            break
    return _spans(rest, f"{lock}.acquire()") if rest else []


def _last_name(expr: ast.expr) -> str | None:
    return expr.attr if isinstance(expr, ast.Attribute) else expr.id if isinstance(expr, ast.Name) else None


def _names_lock(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Call):  # `with threading.Lock():`, `with get_lock(key):` (a lock it hands back)
        expr = expr.func
    name = _last_name(expr)
    return name is not None and (name in LOCK_CLASSES or bool(_LOCK_WORD.search(name)))


def sets_process_state(expr: ast.expr) -> bool:
    """Is `expr` a call of a manager that changes process-wide state for its block?"""
    if not isinstance(expr, ast.Call):
        return False
    func = expr.func
    if isinstance(func, ast.Attribute) and func.attr in _PATCH_FORMS:  # `patch.object(...)`
        func = func.value
    return _last_name(func) in PROCESS_STATE


def _catches_cancellation(kind: ast.expr) -> bool:
    for item in kind.elts if isinstance(kind, ast.Tuple) else [kind]:
        if isinstance(item, ast.Call):  # anyio's `get_cancelled_exc_class()`
            item = item.func
        if _last_name(item) in _CANCELLATION:
            return True
    return False


def _outside_functions(node: ast.AST) -> Iterator[ast.AST]:
    """`node` and what it holds, leaving out the bodies of the functions and classes defined in it."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        if not isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            push_children(current, stack)


def reason(barrier: str) -> str:
    """Why a fix leaves a call inside the barrier spelled `barrier` (`check`: "<finding>; not fixed:
    <reason>")."""
    if barrier.startswith(shared_state.SHARED):
        return shared_state.shared_reason(barrier)
    if barrier.endswith(".acquire()"):
        return (f"it runs after `{barrier}` and before its release (a thread lock held): an `await` there would "
                "suspend the task with the lock still held, and the next task to take it would block the event "
                "loop for good; move the call out of that section, or use an asyncio.Lock, by hand")
    if barrier.startswith("except"):
        return (f"it stands in a `try` whose `{barrier}` swallows cancellation (it catches CancelledError and "
                "does not re-raise it): awaited there, a cancelled task would carry on as if not cancelled; "
                "re-raise CancelledError in that handler by hand, then run the fix again")
    if sets_process_state(ast.parse(barrier, mode="eval").body):
        return (f"it runs inside `{barrier}`, which changes process-wide state until the block ends: during "
                "an `await` there the other tasks would run under it; move the call out of the `with` "
                "block by hand")
    return (f"it runs while `{barrier}` is held (a thread lock): an `await` there would suspend the task "
            "with the lock still held, and the next task to take it would block the event loop for good; "
            "move the call out of the `with` block, or use an asyncio.Lock, by hand")


def place(barrier: str) -> str:
    """Where a call stands, for the plan's notes: "inside `lock`", "between uses of `queue`"."""
    if barrier.startswith(shared_state.SHARED):
        return f"between uses of `{barrier.removeprefix(shared_state.SHARED).partition(':')[0]}`"
    return f"inside `{barrier}`"


def barrier_regions(tree: ast.AST, changers: dict[str, list[tuple[int, str]]] | None = None) -> list[tuple[int, int, str]]:
    """(first line, last line, barrier) of each barrier's body inside a function: a sync `with`'s
    (`with_barrier`), a `try`'s (`try_barrier`), a section holding a lock taken by hand
    (`held_sections`), a stretch between uses of a container another async function changes
    (`shared_state.shared_sections`, from `changers`: `shared_state.loop_changers` of the module).
    A function defined inside is not in it (its code runs when called)."""
    found: list[tuple[int, int, str]] = []
    stack: list[tuple[ast.AST, bool]] = [(tree, False)]  # (node, inside a function)
    while stack:
        node, in_function = stack.pop()
        kind = type(node)
        if in_function and kind in (ast.With, ast.Try, _TRY_STAR):
            barrier = with_barrier(node) if kind is ast.With else try_barrier(node)  # type: ignore[arg-type]
            if barrier is not None:
                found.extend(_spans(node.body, barrier))  # type: ignore[attr-defined]
        if kind in (ast.FunctionDef, ast.AsyncFunctionDef):
            found.extend(held_sections(node))  # type: ignore[arg-type]
            if changers:
                found.extend(shared_state.shared_sections(node, changers))  # type: ignore[arg-type]
        inside = in_function or kind in (ast.FunctionDef, ast.AsyncFunctionDef)
        stack.extend((child, inside) for child in ast.iter_child_nodes(node))
    return sorted(found)


def _spans(body: list[ast.stmt], barrier: str) -> list[tuple[int, int, str]]:
    """The lines of `body`, without those of the functions and classes defined in it."""
    spans, start = [], body[0].lineno
    for statement in body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            first = min([d.lineno for d in statement.decorator_list] + [statement.lineno])
            if start < first:
                spans.append((start, first - 1, barrier))
            start = (statement.end_lineno or statement.lineno) + 1
    last = body[-1].end_lineno or body[-1].lineno
    if start <= last:
        spans.append((start, last, barrier))
    return spans


def barrier_at(regions: list[tuple[int, int, str]], line: int) -> str | None:
    """The innermost barrier around `line`, per `barrier_regions` (the one that starts last, as the
    summary's innermost); None when there is none."""
    inside = [(start, -end, barrier) for start, end, barrier in regions if start <= line <= end]
    return max(inside)[2] if inside else None


def call_starts(tree: ast.AST, text: str, lines: set[int]) -> dict[int, list[int]]:
    """The 1-based columns (in characters) where calls start on each of `lines`, in order."""
    rows = split_lines(text)
    found: dict[int, list[int]] = {}
    for node in ast.walk(tree):
        if type(node) is ast.Call and node.lineno in lines:
            found.setdefault(node.lineno, []).append(char_column(rows, node.lineno, node.col_offset) + 1)
    return {line: sorted(cols) for line, cols in found.items()}


def may_hold(text: str) -> bool:
    """Can the text hold a barrier at all (a cheap test before any parse)?"""
    return _MAY_HOLD.search(text) is not None
