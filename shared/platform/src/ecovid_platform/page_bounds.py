"""The bounds of every page (paging.py says why), apart from the web framework: the public
contract's query models (ecovid_api) state them too, and domains import those."""

MAX_LIMIT = 500
MAX_OFFSET = 1_000_000
