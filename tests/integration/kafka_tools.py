"""Reading and writing topics of the real broker from the tests."""

from __future__ import annotations

import asyncio
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer


def produce(bootstrap: str, topic: str, values: list[bytes], key: bytes | None = None) -> None:
    async def send() -> None:
        producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
        await producer.start()
        try:
            for value in values:
                await producer.send_and_wait(topic, value, key=key)
        finally:
            await producer.stop()

    asyncio.run(send())


def read_all(bootstrap: str, topic: str, idle_ms: int = 1500) -> list[Any]:
    """Every record of a topic from the beginning (no group: nothing is committed)."""

    async def consume() -> list[Any]:
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                    enable_auto_commit=False, group_id=None)
        await consumer.start()
        records: list[Any] = []
        try:
            while True:
                batch = await consumer.getmany(timeout_ms=idle_ms)
                if not batch:
                    return records
                for partition_records in batch.values():
                    records.extend(partition_records)
        finally:
            await consumer.stop()

    return asyncio.run(consume())
