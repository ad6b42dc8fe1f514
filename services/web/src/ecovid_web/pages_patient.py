"""The patient's screens (mobile first): activation from the invitation link, the reading form,
the answer's colour (and "appelez le 15" when red), their history."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from ecovid_web import readings
from ecovid_web.gateway import ApiError
from ecovid_web.web import checked_form, gateway_of, go, page, signed_in

router = APIRouter()
ROLE = "patient"


@router.get("/portal/activate")
async def activation_form(request: Request, token: str = "") -> Response:
    return page(request, "activate.html", token=token, errors={}, message=None, done=False)


@router.post("/portal/activate")
async def activate(request: Request) -> Response:
    form = await checked_form(request)
    token = form.get("token", "")
    try:
        await gateway_of(request).call("POST", "/portal/activate",
                                       json={"token": token, "password": form.get("password", "")})
    except ApiError as error:
        if error.status >= 500:
            raise
        return page(request, "activate.html", status=error.status, token=token, errors=error.by_field(),
                    message=error.detail, done=False)
    return page(request, "activate.html", token="", errors={}, message=None, done=True)


@router.get("/me/reading")
async def reading_form(request: Request) -> Response:
    session = signed_in(request, ROLE)
    return page(request, "reading_form.html", action="/me/reading", form_token=session.new_form(),
                values={"taken_at": readings.now_local()}, errors={}, message=None, professional=False,
                back="/me/history")


@router.post("/me/reading")
async def send_reading(request: Request) -> Response:
    session = signed_in(request, ROLE)
    form = await checked_form(request)
    form_token = form.get("form_token", "")
    try:
        await readings.post_once(gateway_of(request), session, form_token, "/me/readings", form)
    except readings.FormExpired:
        return page(request, "reading_form.html", status=409, action="/me/reading", form_token=session.new_form(),
                    values=form, errors={}, message="form.expired", professional=False, back="/me/history")
    except ApiError as error:
        if error.status not in {409, 422}:
            raise
        return page(request, "reading_form.html", status=error.status, action="/me/reading", form_token=form_token,
                    values=form, errors=error.by_field(), message=error.detail, professional=False,
                    back="/me/history")
    return go(f"/me/answer?form={form_token}")


@router.get("/me/answer")
async def answer(request: Request, form: str = "") -> Response:
    session = signed_in(request, ROLE)
    recorded = session.forms.get(form)
    if recorded is None:
        return go("/me/reading")
    return page(request, "answer.html", answer=recorded)


@router.get("/me/history")
async def history(request: Request) -> Response:
    session = signed_in(request, ROLE)
    found = await gateway_of(request).call("GET", "/me/readings", token=session.token)
    return page(request, "history.html", readings=sorted(found, key=lambda r: r["taken_at"], reverse=True))
