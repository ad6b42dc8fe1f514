"""The stack's broker starts with every topic the services write to already created."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from ecovid_stack.broker import create_topics, start_broker, stop_broker
from ecovid_stack.ports import free_port
from ecovid_stack.stack import PLATFORM_TOPICS

pytestmark = pytest.mark.integration


def test_every_platform_topic_exists_before_any_service_writes(tmp_path: Path) -> None:
    """Break: make `create_topics` ask for nothing (or only the first topic) -> fails.
    (Why it matters: tests in shared/platform/tests/test_outbox_tansu.py.)"""
    port = free_port()
    broker = start_broker(port, tmp_path / "broker.log")
    try:
        create_topics(f"127.0.0.1:{port}", PLATFORM_TOPICS)

        async def listed() -> set[str]:
            consumer = AIOKafkaConsumer(bootstrap_servers=f"127.0.0.1:{port}")
            await consumer.start()
            try:
                return set(await consumer.topics())
            finally:
                await consumer.stop()

        assert set(PLATFORM_TOPICS) <= asyncio.run(listed())
        assert "ecovid-monitor.events.dlt" in PLATFORM_TOPICS
    finally:
        stop_broker(broker)
