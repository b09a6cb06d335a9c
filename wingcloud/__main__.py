"""`python -m wingcloud` runs the CLI."""

from wingcloud.cli import main

main()
