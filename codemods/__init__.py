"""awaitify's codemods: one module per rewrite, each declaring its `RULE` and one transformer.

Installed as `awaitify.codemods`; the engine finds them through `awaitify.rules.codemod_modules`.
"""
