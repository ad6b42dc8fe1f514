"""`make bench`: figures of the embedded stack on PostgreSQL, each beside a baseline of the same run."""
