"""`python -m cryoelig ...` behaves as `cryoelig ...`."""

from cryoelig.cli import main

main()
