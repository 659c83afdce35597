"""Applies the global propagation plan to one file: `def` -> `async def` for functions the plan
makes async, `await` on their call sites, `await asyncio.to_thread(f, *args, **kwargs)` where the
plan offloads a sync function instead, and `asyncio.run(main())` where a sync entry point (a main
guard, a sync test) now calls an async function.

Every decision is made by the planner (`awaitify.planner`) over the whole project; this codemod only
finds the functions by qualified name and the calls by their position in the original file, which
is why it runs before every other codemod.

Offloading a generator or a `@contextmanager` function only builds it in the thread: its body runs
where it is iterated or entered, on the loop. So such a call is offloaded only when a builtin that
consumes the whole iterable at once holds it (`sum(rows(n))` -> `await asyncio.to_thread(sum,
rows(n))`: the body runs in the thread, in the same order, with nothing interleaved); anywhere else
(a `for` whose body runs between its steps, a `with`) it is left as it is, with a diagnostic. A function
that returns a lazy iterator (`csv.reader(open(p))`: `awaitify.lazy_iterators`) is treated the same,
with its body moved into the thread too: `list(rows(p))` -> `await asyncio.to_thread(lambda *args:
list(rows(*args)), p)`.

An offload the plan marks unsafe (the function touches thread-bound state, `awaitify.thread_bound`,
made only with --unsafe-fixes) is recorded with safety "unsafe".
"""

from __future__ import annotations

import re
from dataclasses import replace

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import PositionProvider

from awaitify.codemod_base import AwaitifyCodemod, awaited, to_thread, with_commas
from awaitify.rules.propagation import RULE as PROPAGATION

RULE = PROPAGATION
# builtins that iterate their first argument to the end before they return (not any/all: they stop)
CONSUMERS = frozenset(f"builtins.{name}" for name in ("list", "tuple", "set", "frozenset", "dict", "sorted", "sum", "min", "max"))


def _walk(node: cst.CSTNode):
    yield node
    for child in node.children:
        yield from _walk(child)


class ApplyPropagationPlan(AwaitifyCodemod):
    RULE = RULE
    DESCRIPTION = __doc__

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self.plan = self.session.plan
        self._names: list[tuple[str, bool]] = []  # (qualname, is a function) of enclosing defs
        self._consumed: set[int] = set()  # offloaded generator calls a consumer runs to the end
        self._consumer_of: dict[int, cst.Call] = {}  # consuming call -> the generator call it runs whole
        self._not_moved: dict[int, tuple[str, cst.Call]] = {}  # generator call -> (why, its consumer): refused
        # the lines of the calls the plan names (in the original file): a def holding none, and no def
        # the plan makes async, gives this codemod nothing to do inside
        self._planned_lines = {line for table in (self.plan.await_calls, self.plan.offload_calls, self.plan.offload_kinds,
                                                  self.plan.run_calls) for line, _ in table}

    def _qualname(self, name: str) -> str:
        if not self._names:
            return name
        parent, is_function = self._names[-1]
        return f"{parent}.<locals>.{name}" if is_function else f"{parent}.{name}"

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        self._names.append((self._qualname(node.name.value), False))
        return super().visit_ClassDef(node)

    def enters(self, node: cst.BaseStatement) -> bool:
        kind = type(node)
        if kind is not cst.SimpleStatementLine:  # (which holds no def)
            # a def or class: its qualified name, pushed by its visit hook; another block: where it stands
            prefix = self._names[-1][0] + "." if self._names else ""
            if any(name.startswith(prefix) for name in self.plan.make_async):
                return True  # (a block holding no def the plan makes async is entered for nothing: rare)
        first, last = self.statement_lines(node)
        if first == 0:
            return True
        first, last = self.session.original_line(first), self.session.original_line(last)
        return any(first <= line <= last for line in self._planned_lines)

    def leave_ClassDef(self, original: cst.ClassDef, updated: cst.ClassDef) -> cst.BaseStatement:
        self._names.pop()
        return super().leave_ClassDef(original, updated)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        self._names.append((self._qualname(node.name.value), True))
        return super().visit_FunctionDef(node)

    def leave_FunctionDef(self, original: cst.FunctionDef, updated: cst.FunctionDef) -> cst.BaseStatement:
        qualname, _ = self._names.pop()
        updated = super().leave_FunctionDef(original, updated)  # type: ignore[assignment]
        why = self.plan.make_async.get(qualname)
        if why and original.asynchronous is None:
            self.record(original, f"made `{qualname}` async: {why}")
            if qualname in self.plan.unsafe_async:
                self._mark_unsafe()
            return updated.with_changes(asynchronous=cst.Asynchronous())
        return updated

    def _call_position(self, call: cst.Call) -> tuple[int, int]:
        """Where the called expression ends (parentheses excluded, as in `ast`): the plan's key."""
        pos = self.get_metadata(PositionProvider, call.func)
        return pos.end.line, pos.end.column

    def visit_Call(self, node: cst.Call) -> bool:
        generator = self._consumed_generator(node)
        if generator is not None:  # looked up once, here: the consumer's leave_Call and the generator's need it
            self._consumed.add(id(generator))
            self._consumer_of[id(node)] = generator
        return True

    def _consumed_generator(self, node: cst.Call) -> cst.Call | None:
        """`sum(rows(n))`: the offloaded generator call a consuming builtin holds as its first argument."""
        args = node.args
        if not args or any(arg.star for arg in args) or args[0].keyword is not None or not isinstance(args[0].value, cst.Call):
            return None
        inner = args[0].value
        kind = self.plan.offload_kinds.get(self._call_position(inner))
        if kind not in ("generator", "iterator"):
            return None  # (asked first: most files have no such call, and then need no qualified name)
        name = self.qualified_name(node.func)
        positional = sum(arg.keyword is None for arg in args)
        if name not in CONSUMERS or (positional > 1 and name != "builtins.sum") or positional > 2:
            return None
        if kind == "iterator" and len(args) > 1:
            return None  # the consumer's other arguments would move into the thread too: refused
        why = self._not_movable(node, inner, kind)
        if why:
            self._not_moved[id(inner)] = (why, node)
            return None
        return inner

    def _not_movable(self, consumer: cst.Call, inner: cst.Call, kind: str) -> str | None:
        """As awaitify.offload_refusals.not_movable (what `check` says): a `key=` function that is not a
        builtin would run in the thread; for a lazy iterator, a called expression holding a call
        (`get_db().rows(q)`) would be evaluated there, after the arguments."""
        key = next((arg.value for arg in consumer.args if arg.keyword is not None and arg.keyword.value == "key"), None)
        if key is not None and not (isinstance(key, cst.Name) and key.value == "None"):
            name = self.qualified_name(key)
            if name is None or not name.startswith("builtins."):
                return "key"
        if kind == "iterator" and any(isinstance(node, cst.Call) for node in _walk(inner.func)):
            return "call"
        return None

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        pos = self._call_position(original)
        runtime = self.config.target
        if pos in self.plan.await_calls:
            self.record(original, self.plan.await_calls[pos])
            if pos in self.plan.unsafe_calls:
                self._mark_unsafe()
            return awaited(updated)
        generator = self._consumer_of.get(id(original))
        if generator is not None:
            position = self._call_position(generator)
            self.record(generator, f"{self.plan.offload_calls[position]}, consumed whole there by {self._shown(original.func)}()")
            if position in self.plan.unsafe_calls:
                self._mark_unsafe()
            if self.plan.offload_kinds.get(position) == "iterator":
                return awaited(to_thread(self.context, self._consumed_in_thread(updated), runtime))
            return awaited(to_thread(self.context, updated, runtime))
        if pos in self.plan.offload_calls:
            kind = self.plan.offload_kinds.get(pos)
            if kind is not None:
                if id(original) in self._not_moved:
                    self._refuse_move(original, *self._not_moved[id(original)])
                elif id(original) not in self._consumed:
                    self._refuse_offload(original, kind)
                return updated
            self.record(original, self.plan.offload_calls[pos])
            if pos in self.plan.unsafe_calls:
                self._mark_unsafe()
            return awaited(to_thread(self.context, updated, runtime))
        if pos in self.plan.run_calls:
            self.record(original, self.plan.run_calls[pos])
            if pos in self.plan.unsafe_calls:
                self._mark_unsafe()
            return self._run(updated, runtime)
        return updated

    def _consumed_in_thread(self, consumer: cst.Call) -> cst.Call:
        """`list(read_rows(p, n=2))`, where read_rows returns a lazy iterator: its body and the
        iteration both belong in the thread, while its arguments are still evaluated here, as before:
        `(lambda *args, **kwargs: list(read_rows(*args, **kwargs)))(p, n=2)`, for `to_thread` to split.
        The called expression itself (`read_rows`, `self.reader.rows`) is looked up in the thread, after
        the arguments: `_not_movable` refuses one holding a call, so only name and attribute look-ups move."""
        inner = consumer.args[0].value
        assert isinstance(inner, cst.Call)
        func = self.module_node.code_for_node(inner.func)
        taken = set(re.findall(r"\w+", func))
        star, stars = "args", "kwargs"
        while star in taken or stars in taken:
            star, stars = star + "_", stars + "_"
        params = [f"*{star}"] * any(a.keyword is None and a.star != "**" for a in inner.args)
        params += [f"**{stars}"] * any(a.keyword is not None or a.star == "**" for a in inner.args)
        passed = ", ".join(params)  # passed on as they came
        body = f"{self.module_node.code_for_node(consumer.func)}({func}({passed}))"
        thunk = cst.parse_expression(f"lambda {', '.join(params)}: {body}" if params else f"lambda: {body}")
        return cst.Call(func=thunk, args=inner.args)

    def _mark_unsafe(self) -> None:
        """The change just recorded changes a library's public signature (the plan's `unsafe_*`)."""
        self.session.changes[-1] = replace(self.session.changes[-1], safety="unsafe")

    def _run(self, call: cst.Call, runtime: str) -> cst.Call:
        """A sync entry point runs the now-async call: `asyncio.run(f(a))`, or in a trio program
        `trio.run(f, a)` (the function and its positional arguments; keywords go through functools.partial)."""
        if runtime != "trio":  # anyio code runs under asyncio.run too
            AddImportsVisitor.add_needed_import(self.context, "asyncio")
            return cst.Call(func=cst.Attribute(cst.Name("asyncio"), cst.Name("run")), args=[cst.Arg(call)])
        AddImportsVisitor.add_needed_import(self.context, runtime)
        args = [cst.Arg(call.func), *call.args]
        if any(arg.keyword is not None or arg.star == "**" for arg in call.args):
            AddImportsVisitor.add_needed_import(self.context, "functools")
            args = [cst.Arg(cst.Call(func=cst.Attribute(cst.Name("functools"), cst.Name("partial")), args=with_commas(args)))]
        return cst.Call(func=cst.Attribute(cst.Name(runtime), cst.Name("run")), args=with_commas(args))

    def _refuse_offload(self, call: cst.Call, kind: str) -> None:
        name = self._shown(call.func)
        if kind == "contextmanager":
            self.diagnose(call, f"`{name}()` is a @contextmanager function: a thread would only build the context manager, "
                          "and its blocking body would still run on the loop when the `with` enters and leaves it; left "
                          "as it is. Make it an @asynccontextmanager by hand, or move the whole `with` block to a thread")
            return
        if kind == "iterator":
            self.diagnose(call, f"`{name}()` returns a lazy iterator: a thread would only build it, and the blocking work "
                          "would still run on the loop wherever it is iterated; left as it is. Consume it whole in a thread "
                          f"(`await asyncio.to_thread(lambda: list({name}(...)))`), or return a list from it")
            return
        self.diagnose(call, f"`{name}()` is a generator: a thread would only build it, and its blocking body would still "
                      "run on the loop wherever it is iterated; left as it is. Consume it whole in a thread when it is "
                      f"finite (`await asyncio.to_thread(list, {name}(...))`), or make it an async generator by hand")

    def _refuse_move(self, call: cst.Call, why: str, consumer: cst.Call) -> None:
        name, by = self._shown(call.func), self._shown(consumer.func)
        if why == "key":
            self.diagnose(call, f"`{name}()` is consumed whole by `{by}()`, but offloading that would run its `key=` "
                          "function in the worker thread too, and the tool cannot tell whether it touches state bound "
                          f"to the loop's thread; left as it is. Offload only the reading (`items = await asyncio.to_thread("
                          f"list, {name}(...))`), then `{by}(items, key=...)` on the loop")
            return
        self.diagnose(call, f"`{name}()` returns a lazy iterator, and consuming it in a thread would evaluate `{name}` "
                      "there too, with the call it holds run after the arguments, in the worker thread; left as it is. "
                      f"Bind the object first (`obj = ...`), then `{by}(obj.method(...))`")

    def _shown(self, func: cst.BaseExpression) -> str:
        return self.module_node.code_for_node(func) if hasattr(self, "module_node") else "the function"
