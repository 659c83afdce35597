"""Offloads `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput`, `os.system` and
`os.posix_spawn[p]` inside `async def` to a thread: `await asyncio.to_thread(subprocess.run, [...],
check=True)`. Same arguments, same return value (`CompletedProcess`, exit status, output) and the
same exceptions (`CalledProcessError`, `TimeoutExpired`), raised at the `await`; the event loop keeps
running while the process does. Sync code is left alone; a sync helper that async code reaches is
offloaded at its async call sites by the planner.

With `subprocess = "exec"` (`--subprocess exec`), a simple `subprocess.run([...literal list...], ...)`
whose keywords are among capture_output, text, check, stdout, stderr, input, cwd and env instead
becomes `await _run_process([...], ...)`, a small helper written once into the module that runs the
program with `asyncio.create_subprocess_exec` + `communicate()` and returns the same
`CompletedProcess` (text decoded with universal newlines, `check=True` raising `CalledProcessError`).
Anything else stays offloaded to a thread.
"""

from __future__ import annotations

import libcst as cst
from libcst.codemod.visitors import AddImportsVisitor

from awaitify.codemod_base import ASYNC, OffloadCodemod, awaited, insert_after_imports, names_in
from awaitify.rules.subprocess_run import RULE as SUBPROCESS_RUN
from awaitify.rules.subprocess_run.detect import wants

EXEC_KEYWORDS = frozenset({"capture_output", "text", "check", "stdout", "stderr", "input", "cwd", "env"})
HELPER = '''
async def {name}(args, *, capture_output=False, text=False, check=False, stdout=None, stderr=None, input=None,
        cwd=None, env=None):
    """subprocess.run() on the event loop: same arguments, same CompletedProcess (written by awaitify)."""
    if capture_output:
        stdout = stderr = subprocess.PIPE
    process = await asyncio.create_subprocess_exec(
        *args, stdin=subprocess.PIPE if input is not None else None, stdout=stdout, stderr=stderr, cwd=cwd, env=env
    )
    out, err = await process.communicate(input.encode() if text and input is not None else input)
    if text:  # what text=True gives: the locale's encoding, universal newlines
        encoding = locale.getpreferredencoding(False)
        out, err = [None if data is None else data.decode(encoding).replace("\\r\\n", "\\n").replace("\\r", "\\n")
                    for data in (out, err)]
    result = subprocess.CompletedProcess(args, process.returncode, out, err)
    if check:
        result.check_returncode()
    return result
'''


RULE = SUBPROCESS_RUN
CALLS = frozenset(RULE.offload_fixes)




class OffloadSubprocess(OffloadCodemod):
    RULE = RULE
    DESCRIPTION = __doc__
    CALLS = CALLS

    def __init__(self, context: cst.codemod.CodemodContext) -> None:
        super().__init__(context)
        self._helper: str | None = None  # the helper's name, once a call needs it

    def leave_Call(self, original: cst.Call, updated: cst.Call) -> cst.BaseExpression:
        # asyncio's subprocesses have no trio twin: under trio, `--subprocess exec` offloads to a thread
        if (self.config.subprocess == "exec" and self.config.target != "trio" and self.scope_kind == ASYNC and not self._suppressed(original)
                and self.qualified_name(original.func) == "subprocess.run" and self._simple(original)):
            if self._helper is None:
                taken = names_in(self.module_node)
                self._helper = next(n for n in ("_run_process", *(f"_run_process_{i}" for i in range(1, 99))) if n not in taken)
            self.record(original, f"subprocess.run() -> await {self._helper}(): asyncio.create_subprocess_exec, "
                        "same CompletedProcess")
            return awaited(updated.with_changes(func=cst.Name(self._helper)))
        return super().leave_Call(original, updated)

    @staticmethod
    def _simple(call: cst.Call) -> bool:
        if not call.args or call.args[0].keyword is not None or call.args[0].star:
            return False
        if not isinstance(call.args[0].value, (cst.List, cst.Tuple)):
            return False
        return all(a.keyword is not None and a.keyword.value in EXEC_KEYWORDS and not a.star for a in call.args[1:])

    def leave_Module(self, original: cst.Module, updated: cst.Module) -> cst.Module:
        if self._helper is None:
            return updated
        for module in ("asyncio", "locale", "subprocess"):
            AddImportsVisitor.add_needed_import(self.context, module)
        helper = cst.parse_statement(HELPER.format(name=self._helper).lstrip("\n"))
        # after the imports at the top: the helper is defined before any call can run
        return insert_after_imports(updated, helper, blank_lines=2)

