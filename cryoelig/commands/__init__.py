"""Command groups of the CLI, one module each; each registers its commands on the app of ``cmd_common``."""
