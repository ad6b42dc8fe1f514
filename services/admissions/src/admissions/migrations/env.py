"""Run by alembic for each command on admissions' scripts."""

from ecovid_platform.migrations import run_scripts

run_scripts()
