"""Tamper evidence: every service's stored events chained by hash, with signed checkpoints.

`links` (the arithmetic), `keys` (Ed25519 keys and checkpoints), `store` (reading the event
store, writing the chain's tables), `sealer` (the service's sealer and checkpoint relay),
`verify` (`ecovid-ops verify-chain`).
"""
