"""Emergency access (bris de glace) through the gateway: a professional outside the circle
declares it with a reason; the declaration is audited, then the record opens to them."""

from __future__ import annotations

from conftest import World


def test_an_outsider_declares_an_emergency_access_with_a_reason(world: World) -> None:
    """Break: the route without its audit record -> no granted access traced for the
    declaration, fails; break: `reason` optional -> the empty declaration is 201, fails."""
    urgentist = world.caller()
    path = f"/api/v1/patients/{world.patient}"
    assert world.client.get(path, headers=urgentist.headers).status_code == 403
    for body in ({}, {"reason": "   "}, {"reason": "urgent"}):
        refused = world.client.post(f"{path}/emergency-access", headers=urgentist.headers, json=body)
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"].endswith("reason"), refused.text
    mass = {"reason": "détresse respiratoire au domicile", "professional_id": "someone-else"}
    assert world.client.post(f"{path}/emergency-access", headers=urgentist.headers, json=mass).status_code == 422
    declared = world.client.post(f"{path}/emergency-access", headers=urgentist.headers,
                                 json={"reason": "détresse respiratoire au domicile"})
    assert declared.status_code == 201, declared.text
    sent = world.platform.calls_to("care-circle")[-1].json()
    assert sent == {"professional_id": str(urgentist.principal.subject_id),
                    "reason": "détresse respiratoire au domicile"}
    assert world.client.get(path, headers=urgentist.headers).status_code == 200
    traced = [(t.route, t.granted) for t in world.accesses()]
    assert (f"{path}/emergency-access", True) in traced
    assert traced[-1] == (path, True)


def test_only_a_professional_declares_one(world: World) -> None:
    for role in ("admin", "patient"):
        caller = world.caller(role)
        answer = world.client.post(f"/api/v1/patients/{world.patient}/emergency-access", headers=caller.headers,
                                   json={"reason": "une raison suffisamment longue"})
        assert answer.status_code == 403
