"""What awaitify.runtime asks without parsing gives the answers parsing gives: `_ASYNCIO` matches
every text that imports asyncio (whatever the spelling of the import statement), and
`differing_modules` skips only modules that cannot differ from the project's runtime."""

from __future__ import annotations

import ast
from dataclasses import replace

import pytest

from awaitify.config import Config
from awaitify.runtime import _ASYNCIO, AMBIGUOUS, differing_modules, module_runtime

TEXTS = [
    "import asyncio\n",
    "import os, \\\n    asyncio\n",
    "import os.path as p, asyncio.subprocess as s\n",
    "from asyncio import sleep\n",
    "from\\\n  asyncio import sleep\n",
    "x = 1; import asyncio\n",
    "try: import asyncio\nexcept ImportError: pass\n",
    "def f():\n    from asyncio.tasks import gather\n",
    "from . import asyncio\n",
    "'''\nimport asyncio\n'''\n",
    "# import asyncio\nasync def f(): pass\n",
    "import trio\nimport asyncio\n",
    "import trio\n",
    "import anyio\nimport trio\n",
    "import anyio\nanyio.run(main, backend='trio')\n",
    "import anyio\nimport asyncio\n",
    "text = 'trio asyncio'\nasync def f(): pass\n",
    "from trio import sleep\nfrom asyncio import run\nimport anyio\n",
]


def _imports_asyncio(text: str) -> bool:
    return any(isinstance(n, ast.Import) and any(a.name.partition(".")[0] == "asyncio" for a in n.names)
               or isinstance(n, ast.ImportFrom) and not n.level and (n.module or "").partition(".")[0] == "asyncio"
               for n in ast.walk(ast.parse(text)))


@pytest.mark.parametrize("text", TEXTS)
def test_the_asyncio_pattern_matches_every_text_importing_asyncio(text: str) -> None:
    if _imports_asyncio(text):
        assert _ASYNCIO.search(text)


@pytest.mark.parametrize("target", ["asyncio", "anyio", "trio"])
def test_differing_modules_answers_as_module_runtime_does(target: str) -> None:
    config = replace(Config(), target=target)
    texts = {f"m{i}.py": text for i, text in enumerate(TEXTS)}
    expected = {}
    for path, text in texts.items():
        runtime = module_runtime(text)
        if runtime not in (None, target, "anyio") and not (runtime == "asyncio" and target == "anyio"):
            expected[path] = runtime
    assert differing_modules(config, texts) == expected
    assert AMBIGUOUS in expected.values() or target == "trio"
