"""Events every service publishes for its operators: the signed checkpoints of its tamper-evidence
chain (`ecovid_platform.chain`), on `ops.checkpoints`."""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ecovid_events.envelope import IntegrationEvent


class ChainCheckpointedPayload(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    service: str
    notification_id: int = Field(description="the last stored event the checkpoint covers")
    hash: str = Field(description="the chain's SHA-256 at that event, hexadecimal", pattern="^[0-9a-f]{64}$")
    signed_at: AwareDatetime
    key_id: str = Field(description="the first 16 hexadecimal digits of the SHA-256 of the raw Ed25519 public key")
    signature: str = Field(description="Ed25519 signature, base64, of the lines 'e-COVID chain checkpoint v1', "
                                       "the service, the notification id, the hash and signed_at (ISO 8601 "
                                       "with microseconds), joined by newlines")


class ChainCheckpointed(IntegrationEvent):
    """A signed checkpoint of a service's chain: `ecovid-ops verify-chain` checks the chain against it."""

    event_type: Literal["ChainCheckpointed"] = "ChainCheckpointed"
    schema_version: Literal[1] = 1
    payload: ChainCheckpointedPayload
