"""Finding a patient (three letters of each name) and registering one; when the API finds the
same identity already registered (409 naming it), the existing patient is offered first and a
homonym is created only when the professional says it is another person."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web.gateway import ApiError
from ecovid_web.web import checked_form, gateway_of, go, page, signed_in

router = APIRouter()
ROLE = "professional"
IDENTITY = ("last_name", "first_name", "birth_date", "sex", "commune")
SEXES = ("female", "male", "unknown")


@router.get("/patients/search")
async def search(request: Request, last_name: str = "", first_name: str = "", birth_date: str = "") -> Response:
    session = signed_in(request, ROLE)
    asked = {"last_name": last_name.strip(), "first_name": first_name.strip(), "birth_date": birth_date.strip()}
    found, errors = None, {}
    if asked["last_name"] or asked["first_name"]:
        try:
            found = await gateway_of(request).call(
                "GET", "/patients", token=session.token, params={k: v for k, v in asked.items() if v})
        except ApiError as error:
            if error.status != 422:
                raise
            errors = error.by_field() or {"last_name": error.detail}
    return page(request, "search.html", asked=asked, found=found, errors=errors)


@router.get("/patients/new")
async def new_patient(request: Request) -> Response:
    signed_in(request, ROLE)
    return page(request, "create.html", values={}, errors={}, existing_id=None, sexes=SEXES, message=None)


@router.post("/patients/new")
async def register(request: Request) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    body = {name: form.get(name, "").strip() for name in IDENTITY if form.get(name, "").strip()}
    homonym = form.get("confirm_homonym") == "yes"
    try:
        created = await gateway_of(request).call("POST", "/patients", token=session.token, json=body,
                                                 params={"confirm_homonym": "true" if homonym else "false"})
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        existing = error.body.get("existing_id") if error.status == 409 else None
        return page(request, "create.html", status=error.status, values=form, errors=error.by_field(),
                    existing_id=existing, sexes=SEXES, message=None if existing else error.detail)
    return go(f"/patients/{created['id']}")
