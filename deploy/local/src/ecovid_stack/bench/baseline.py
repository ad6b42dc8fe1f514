"""The baseline: a trivial FastAPI endpoint, served by uvicorn like the gateway, hit by the same client."""

from __future__ import annotations

import sys

import uvicorn
from fastapi import FastAPI

api = FastAPI()


@api.post("/api/v1/care-episodes/{episode_id}/readings", status_code=201)
async def accept(episode_id: str, body: dict) -> dict:
    return {"id": episode_id, "overall_level": "normal", "levels": {}}


@api.get("/health")
async def health() -> dict:
    return {"status": "ok"}


if __name__ == "__main__":
    uvicorn.run(api, host="127.0.0.1", port=int(sys.argv[1]), log_level="warning", access_log=False)
