"""`python -m cryoelig ...` behaves as `cryoelig ...`."""

from .cli import main

if __name__ == "__main__":  # a spawned batch worker imports this module again: it must not run the CLI
    main()
