"""Per-package floors of unit statement coverage, read from the `.coverage` file the unit run left.

Prints one line per package and exits 1 if any is below its floor, after reporting them all.
"""

from __future__ import annotations

import io
import sys

import coverage

FLOORS = {  # package: (source files, lowest acceptable percentage)
    "shared/platform (ecovid_platform)": ("*/shared/platform/src/ecovid_platform/*", 85),
    "shared/api (ecovid_api, the public contract)": ("*/shared/api/src/ecovid_api/*", 95),
    "gateway": ("*/services/gateway/src/gateway/*", 85),
    "alerting": ("*/services/alerting/src/alerting/*", 85),
    "care-circle": ("*/services/care-circle/src/care_circle/*", 85),
    "admissions": ("*/services/admissions/src/admissions/*", 85),
    "clinical rules (ecovid_monitor.domain.rules)": ("*/ecovid_monitor/domain/rules/*", 100),
    "web front end (ecovid_web)": ("*/services/web/src/ecovid_web/*", 85),
}


def main() -> int:
    measured = coverage.Coverage()
    measured.load()
    below = []
    print("Unit statement coverage per package:")
    for name, (files, floor) in FLOORS.items():
        try:
            percent = measured.report(include=[files], file=io.StringIO())
        except coverage.exceptions.NoDataError:  # no unit test imported the package at all
            percent = 0.0
        verdict = "ok" if percent >= floor else "BELOW"
        print(f"  {name:<46} {percent:6.1f} %  (floor {floor} %) {verdict}")
        if percent < floor:
            below.append(name)
    if below:
        print(f"below the floor: {', '.join(below)} (see `coverage report -m --include=...`)")
    return 1 if below else 0


if __name__ == "__main__":
    sys.exit(main())
