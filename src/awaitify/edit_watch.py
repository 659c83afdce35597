"""Whether a libcst transformer's walk edited anything, known without generating the new tree's code.

libcst rebuilds every node a transformer walks, so the tree a walk returns is a new object even when
nothing was edited; only a `leave` that returns something other than the rebuilt node it was handed
(`updated`) can make its code differ. The engine must tell an unrecorded edit from a no-op walk (it
refuses the former loudly), which used to cost a codegen of every tree a codemod walked and left as it
was. When no `leave` returned anything else, the code is the old one and that codegen is skipped.
"""

from __future__ import annotations

from collections.abc import Callable

import libcst as cst


def watch_edits(transformer: cst.CSTTransformer) -> Callable[[], bool]:
    """Watch `transformer`'s walks (its class's `on_leave`, every override included, is wrapped on the
    instance); returns a function that says whether any `leave` returned another node than the one
    libcst rebuilt, or a removal or a flattening. After the first such result the wrapper steps aside."""
    leave = transformer.on_leave
    edited = False

    def on_leave(original: cst.CSTNode, updated: cst.CSTNode):  # type: ignore[no-untyped-def]
        nonlocal edited
        result = leave(original, updated)
        if result is not updated:
            edited = True
            transformer.on_leave = leave  # type: ignore[method-assign]  # known now: no more cost per node
        return result

    transformer.on_leave = on_leave  # type: ignore[method-assign]
    return lambda: edited
