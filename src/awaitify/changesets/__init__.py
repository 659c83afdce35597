"""Splitting one migration into changesets that are each safe to merge alone (issue 26).

`atoms` finds the smallest units: the changed files whose edits must land together (a closure made
async with every caller it forces; a lifespan with the modules whose hooks it takes; a `requests`
rewrite with the `except` clauses in other modules that catch what it raises). `grouping` gathers
atoms by closure, package, owners or file under size caps; `describe` writes each changeset's PR
text; `output` the patches and plan.json; `commits` one branch and commit per changeset.
"""
