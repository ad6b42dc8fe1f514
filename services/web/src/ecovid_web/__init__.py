"""The web front end of e-COVID: server-rendered pages (FastAPI, Jinja2, htmx) that use only the
public gateway API /api/v1 with the signed-in user's bearer token."""
