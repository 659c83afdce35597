"""tests/apps/ holds the apps tests/test_apps.py copies and runs, not tests: pytest must neither
collect nor import anything below (tests/apps/negative/test_only/tests/conftest.py is one of those
apps' files, and would register a hook on an app imported into the test session)."""

collect_ignore_glob = ["*"]
