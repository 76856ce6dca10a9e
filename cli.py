"""Launcher: `python cli.py ...` behaves exactly as `cryoelig ...`.

Run outside the virtual environment where cryoelig is installed, it says so in one line
(exit code 2) instead of a traceback.
"""

import sys

try:
    from cryoelig.cli import main
except ImportError as error:  # cryoelig or one of its dependencies is not installed for this Python
    if (error.name or "").startswith("cryoelig."):
        raise  # a module of cryoelig itself: a bug, shown as such
    sys.stderr.write(
        f"cryoelig: error: cannot start: {error.name or 'a dependency'} is not installed for {sys.executable}; "
        "activate the project's environment first (. .venv/bin/activate) or run .venv/bin/cryoelig\n")
    raise SystemExit(2) from None

if __name__ == "__main__":
    main()
