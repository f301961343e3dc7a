"""The plugin's own tests run user-style test files through ``pytester``."""

pytest_plugins = ["pytester"]
