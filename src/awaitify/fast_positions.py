"""libcst's PositionProvider values, and the module's code, from one cheap codegen pass.

libcst's own provider moves a line/column counter on every token (a regular-expression split each)
and builds two frozen dataclasses per node while it generates the code: about 2.5 parses' worth of
time, paid once per tree version a codemod asks a position of. Here the codegen pass only notes, per
node, how many tokens had been written when the node started and ended; the text those tokens make is
the module's code, and a node's line and column are read from it only when someone asks for them
(character offsets of token boundaries and line starts are computed once per version, in C).

The values are exactly libcst's, rules included:
- a node's range is its syntactic one (`record_syntactic_position`, with the `start_node`/`end_node`
  of a child hoisted as libcst hoists them) when its code records one, else the whitespace-inclusive
  range of the whole `_codegen` call;
- a node object that stands twice in the tree keeps the first whitespace-inclusive range and the last
  syntactic one, as libcst's dictionary writes leave them;
- the newline a module without a final newline drops still counts for the module's end, as libcst's
  counter has moved past it when the token is popped;
- `\\r`, `\\n` and `\\r\\n` each end a line, within a token; a `\\r` that ends one token and a `\\n`
  that begins the next are two line ends, as libcst counts them token by token.

The pass hooks into libcst's codegen (`CodegenState`, `record_syntactic_position`), which is not
libcst's public API: once per process the values are compared with libcst's own on a probe module
(`trusted`), and a libcst that gives others gets its own provider back.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterator, Mapping
from itertools import accumulate

import libcst as cst
from libcst._nodes.internal import CodegenState
from libcst._position import CodePosition, CodeRange
from libcst.metadata import MetadataWrapper, PositionProvider

_NEWLINE = re.compile(r"\r\n?|\n")  # what libcst's provider counts as a line end


class _RecordingState(CodegenState):
    """A codegen state that notes token counts per node. Not slotted: `add_token` is the token list's
    own `append` (an instance attribute), which saves a Python call per token."""

    def __init__(self, module: cst.Module) -> None:
        super().__init__(default_indent=module.default_indent, default_newline=module.default_newline)
        self.add_token = self.tokens.append  # type: ignore[method-assign]
        self.opened: dict[cst.CSTNode, int] = {}  # node -> tokens written before it (first time it stands)
        self.closed: dict[cst.CSTNode, int] = {}  # node -> tokens written after it (first time)
        self.syntactic: dict[cst.CSTNode, tuple[int, int]] = {}
        self.dropped = ""  # the final newline Module takes back (kept in `tokens` for the counts)

    def before_codegen(self, node: cst.CSTNode) -> None:
        self.opened.setdefault(node, len(self.tokens))

    def after_codegen(self, node: cst.CSTNode) -> None:
        self.closed.setdefault(node, len(self.tokens))

    def pop_trailing_newline(self) -> None:
        # the token stays in the list: libcst's counter has already moved past it
        if self.tokens and not self.dropped:
            self.dropped = self.tokens[-1]

    def record_syntactic_position(self, node: cst.CSTNode, *, start_node: cst.CSTNode | None = None,
                                  end_node: cst.CSTNode | None = None) -> _Syntactic:  # type: ignore[override]
        return _Syntactic(self, node, start_node, end_node)

    def span(self, node: cst.CSTNode) -> tuple[int, int]:
        """The node's range in tokens as libcst's provider holds it at this point of the pass."""
        found = self.syntactic.get(node)
        return found if found is not None else (self.opened[node], self.closed[node])


class _Syntactic:
    """`record_syntactic_position` as a plain context manager (libcst's is a generator, and this one
    runs for most nodes)."""

    __slots__ = ("end_node", "node", "start", "start_node", "state")

    def __init__(self, state: _RecordingState, node: cst.CSTNode, start_node: cst.CSTNode | None,
                 end_node: cst.CSTNode | None) -> None:
        self.state, self.node, self.start_node, self.end_node = state, node, start_node, end_node
        self.start = len(state.tokens)

    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        state = self.state
        start = self.start if self.start_node is None else state.span(self.start_node)[0]
        end = len(state.tokens) if self.end_node is None else state.span(self.end_node)[1]
        state.syntactic[self.node] = (start, end)


class CodeVersion:
    """One version of a module's tree: its code and its nodes' positions, from one codegen pass run
    when either is first asked for."""

    def __init__(self, module: cst.Module, code: str | None = None) -> None:
        """`code`: the module's code when the caller already knows it (the file as parsed); the pass
        then runs only if a position is asked for."""
        self.module = module
        self._code = code
        self._positions: Positions | None = None

    @property
    def code(self) -> str:
        if self._code is None:
            if trusted():
                self._run()
            else:
                self._code = self.module.code
        return self._code  # type: ignore[return-value]

    @property
    def positions(self) -> Positions:
        if self._positions is None:
            self._run()
        return self._positions  # type: ignore[return-value]

    def _run(self) -> None:
        state = _RecordingState(self.module)
        self.module._codegen(state)
        text = "".join(state.tokens)
        code = text[: len(text) - len(state.dropped)]
        if self._code is None:
            self._code = code
        self._positions = Positions(state, text)


class Positions(Mapping):
    """node -> CodeRange, as libcst's PositionProvider resolves it; each value built when first read."""

    def __init__(self, state: _RecordingState, text: str) -> None:
        self._state = state
        self._text = text
        self._offsets: list[int] | None = None  # token count -> character offset
        self._line_ends: list[int] | None = None  # character offset just past each line end
        self._made: dict[cst.CSTNode, CodeRange] = {}

    def _where(self, tokens: int) -> CodePosition:
        if self._offsets is None:
            self._index()
        offset = self._offsets[tokens]  # type: ignore[index]
        ends = self._line_ends
        line = bisect_right(ends, offset)  # type: ignore[arg-type]
        return CodePosition(line + 1, offset - (ends[line - 1] if line else 0))  # type: ignore[index]

    def _index(self) -> None:
        tokens, text = self._state.tokens, self._text
        offsets = self._offsets = [0, *accumulate(map(len, tokens))]
        ends = [m.end() for m in _NEWLINE.finditer(text)]
        if "\r\n" in text:
            # libcst counts line ends per token: `\r` closing one token and `\n` opening the next are two
            boundaries = set(offsets)
            split = [m.start() + 1 for m in re.finditer("\r\n", text) if m.start() + 1 in boundaries]
            if split:
                ends = sorted([*ends, *split])
        self._line_ends = ends

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        made = self._made.get(node)
        if made is None:
            state = self._state
            if node not in state.syntactic and node not in state.closed:
                raise KeyError(node)
            start, end = state.span(node)
            made = self._made[node] = CodeRange(self._where(start), self._where(end))
        return made

    def get(self, node: cst.CSTNode, default: object = None) -> object:  # type: ignore[override]
        try:
            return self[node]
        except KeyError:
            return default

    def __contains__(self, node: object) -> bool:
        return node in self._state.closed or node in self._state.syntactic

    def __iter__(self) -> Iterator[cst.CSTNode]:
        seen = self._state.closed.keys() | self._state.syntactic.keys()
        return iter(seen)

    def __len__(self) -> int:
        return len(self._state.closed.keys() | self._state.syntactic.keys())


def provide_positions(wrapper: MetadataWrapper, version: CodeVersion) -> None:
    """Codemods resolving PositionProvider on `wrapper` get `version`'s positions (its pass run when a
    position is first read) instead of libcst's own pass; `version` must be of `wrapper.module`."""
    if version.module is not wrapper.module:
        raise ValueError("the positions of another tree")
    if trusted():
        wrapper._metadata[PositionProvider] = _LazyPositions(version)  # libcst's resolve looks here first


def positions(wrapper: MetadataWrapper) -> Mapping:
    """PositionProvider's values for `wrapper.module`: those provided or resolved already, else this
    module's (registered on the wrapper, as libcst's resolve would register its own)."""
    found = wrapper._metadata.get(PositionProvider)
    if found is None:
        if not trusted():
            return wrapper.resolve(PositionProvider)
        provide_positions(wrapper, CodeVersion(wrapper.module))
        found = wrapper._metadata[PositionProvider]
    return found


# What the probe holds: decorators, comments, a continuation, an f-string, a semicolon, a class, a
# lambda, a walrus; once with `\n` and once with `\r\n`, and once without a final newline.
_PROBE = (
    "import os  # a comment\n"
    "@decorate(1)\n"
    "async def f(a, *, b=2) -> int:\n"
    "    x = (a +\n"
    "         b); y = f\"{a!r:>{b}}\" \\\n"
    "        'tail'\n"
    "    if (n := len(y)) > 1:\n"
    "        return await g(lambda z: z[1:2], **{'k': n})\n"
    "class C(Base, metaclass=M):\n"
    "    attr: int = 0\n"
)


@functools.cache
def trusted() -> bool:
    """Does the installed libcst give the values this pass reproduces? Compared once per process on
    every node of a probe module (a few milliseconds)."""
    try:
        for text in (_PROBE, _PROBE.replace("\n", "\r\n"), _PROBE.rstrip("\n")):
            module = cst.parse_module(text)
            theirs = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
            version = CodeVersion.__new__(CodeVersion)
            version.module, version._code, version._positions = module, None, None
            version._run()
            ours = version.positions
            if version.code != module.code or len(ours) != len(theirs) or any(ours[n] != r for n, r in theirs.items()):
                return False
    except Exception:  # noqa: BLE001 - any failure of the pass on another libcst: use libcst's own
        return False
    return True


class _LazyPositions(Mapping):
    """A version's positions, its pass run when a codemod first reads one (resolving the provider costs
    nothing: a codemod that asks for no position never pays the pass)."""

    __slots__ = ("_version",)

    def __init__(self, version: CodeVersion) -> None:
        self._version = version

    def __getitem__(self, node: cst.CSTNode) -> CodeRange:
        return self._version.positions[node]

    def get(self, node: cst.CSTNode, default: object = None) -> object:  # type: ignore[override]
        return self._version.positions.get(node, default)

    def __contains__(self, node: object) -> bool:
        return node in self._version.positions

    def __iter__(self) -> Iterator[cst.CSTNode]:
        return iter(self._version.positions)

    def __len__(self) -> int:
        return len(self._version.positions)
