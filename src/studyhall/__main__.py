"""`python -m studyhall` runs the `studyhall` command."""

from studyhall.cli import main

main(prog_name="studyhall")
