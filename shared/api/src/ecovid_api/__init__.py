"""The public API's contract: the request bodies and answers front ends rely on.

One definition each: the gateway validates a body with it at the edge (and the OpenAPI
shows it), the service that acts on the body validates it with the same model, so the
two can never drift. Pure pydantic: no web framework, no service code.
"""
