"""Run by alembic for each command on ecovid-monitor's scripts."""

from ecovid_platform.migrations import run_scripts

run_scripts()
