"""Self-tests of the suite."""

pytest_plugins = ["pytester"]
