"""awaitify's codemods: one module per rewrite, each with one transformer and the `RULE` it takes from
the rule table (`awaitify.codemod_rules`, which `check` reads without importing libcst).

Installed as `awaitify.codemods`; the engine finds them through `awaitify.rules.codemod_modules`.
"""
