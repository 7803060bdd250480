"""Run the command line with ``python -m sim``."""

from sim.cli import app

app()
