"""care-circle service: directory of professionals and structures, and care circles."""

SERVICE = "care-circle"
