"""Rebuild any read model from the service's event store and the topics it consumes."""

from ecovid_platform.rebuild.model import Consumed, ReadModel, ServiceReadModels

__all__ = ["Consumed", "ReadModel", "ServiceReadModels"]
