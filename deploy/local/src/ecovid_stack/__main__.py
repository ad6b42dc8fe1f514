"""`python -m ecovid_stack run`: the embedded stack in the foreground (make run).

Ctrl-C stops everything cleanly; if any part dies, everything stops and the
exit status is non-zero.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from pathlib import Path

from ecovid_stack import demo
from ecovid_stack.ports import Ports
from ecovid_stack.stack import Stack, StackConfig

PORT_GRACE_SECONDS = 10
# A loaded or slow machine takes longer than the 10-20 s an idle one needs (a test run that
# shared two cores saw 60 s run out): waiting longer costs nothing when all goes well.
START_SECONDS = float(os.environ.get("ECOVID_START_SECONDS", "180"))


def postgres_from_environment() -> dict[str, str] | None:
    names = ("POSTGRES_HOST", "POSTGRES_PORT", "POSTGRES_DBNAME", "POSTGRES_USER", "POSTGRES_PASSWORD")
    given = {name: os.environ[name] for name in names if name in os.environ}
    return given if "POSTGRES_HOST" in given else None


def run(data_dir: Path, ports: Ports) -> int:
    stack = Stack(StackConfig(ports=ports, data_dir=data_dir, postgres=postgres_from_environment()))
    stopping = False

    def stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        # A previous run may still be letting its ports go: wait a moment before naming them.
        stack.start(timeout=START_SECONDS, port_grace=PORT_GRACE_SECONDS)
        admin = {
            "username": os.environ.get("ECOVID_ADMIN_EMAIL", "admin@ecovid.local"),
            "password": os.environ.get("ECOVID_ADMIN_PASSWORD", "admin-dev-password"),
        }
        print(demo.seed(stack.url("gateway"), admin, data_dir), flush=True)
        stack.start_web(port_grace=PORT_GRACE_SECONDS)
        children = " ".join(f"{name}={p.pid}" for name, p in stack.processes.items())
        print(f"processes: {children}", flush=True)
        # Said only once the gateway answers ready: every service behind it is ready too.
        stack.wait_healthy("gateway", timeout=30)
        print(f"e-COVID stack ready: gateway on {stack.url('gateway')} (Kafka on {stack.kafka_bootstrap}); "
              f"web on {stack.url('web')}", flush=True)
        while not stopping:
            dead = stack.failed()
            if dead:
                print(f"{dead} died: stopping the stack. {stack.cause(dead)}", file=sys.stderr, flush=True)
                return 1
            time.sleep(0.5)
        return 0
    except (RuntimeError, TimeoutError, OSError) as error:  # StackError names the cause
        print(f"the stack did not start: {error}", file=sys.stderr, flush=True)
        return 1
    finally:
        stack.stop()


def main() -> None:
    parser = argparse.ArgumentParser(prog="ecovid_stack")
    parser.add_argument("command", choices=["run"])
    parser.add_argument("--data-dir", type=Path, default=Path(os.environ.get("ECOVID_DATA_DIR", "var")))
    parser.add_argument("--free-ports", action="store_true",
                        help="free ports instead of 8000/9092 (to run beside another stack)")
    args = parser.parse_args()
    sys.exit(run(args.data_dir, Ports.free() if args.free_ports else Ports.default()))


if __name__ == "__main__":
    main()
