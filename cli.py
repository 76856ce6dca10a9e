"""Launcher: `python cli.py ...` behaves exactly as `cryoelig ...`."""

from cryoelig.cli import main

if __name__ == "__main__":
    main()
