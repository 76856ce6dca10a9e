"""Command groups of the CLI, one module each; each registers itself on cryoelig.cli.app."""
