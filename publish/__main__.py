"""`python -m publish` → the command line."""

from publish.cli import main

main()
