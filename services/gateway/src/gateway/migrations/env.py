"""Run by alembic for each command on the gateway's scripts."""

from ecovid_platform.migrations import run_scripts

run_scripts()
