"""Bearer tokens: the credentials exchanged for one, and the answer."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, StringConstraints

from ecovid_api.text import LINE


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"username": "a.martin@example.org", "password": "correct horse battery"}]
    })

    username: Annotated[str, StringConstraints(min_length=3, max_length=254, pattern=LINE)]
    password: Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=LINE)]


class Token(BaseModel):
    model_config = ConfigDict(json_schema_extra={
        "examples": [{"access_token": "eyJhbGciOi...", "token_type": "bearer"}]
    })

    access_token: str
    token_type: Literal["bearer"]
