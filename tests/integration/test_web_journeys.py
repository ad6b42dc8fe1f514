"""The web front end in a real browser (the system's Chromium, driven by Playwright) against the
real stack: the clinician's journey (sign in, list, patient, red reading, the alert in the inbox and
the list turning red without a reload, acknowledge, resolve) and the patient's (invitation mail,
activation, reading, "appelez le 15", history), at 1280 and at 375 px wide. On every page: axe-core
(vendored, run in the page) finds no serious or critical violation, and the Content-Security-Policy
refuses nothing (htmx runs under it). Screenshots of the main screens go to docs/screenshots/."""

from __future__ import annotations

import random
import re
import string
import time
import uuid
from collections.abc import Iterator
from email import message_from_bytes
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pyotp
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright

from ecovid_stack.stack import Stack

from tests.integration.support import PASSWORD, Api, eventually

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "docs" / "screenshots"
AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe-4.14.1.min.js"
CHROMIUM = "/usr/bin/chromium"  # the distribution's package: `playwright install` cannot download here
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WIDTHS = {"desktop": (1280, 900), "mobile": (375, 812)}
PATIENT_PASSWORD = "mot de passe du patient"
WAIT_MS = 30_000  # the alert crosses Kafka; the list's names come from the dossier's events
expect.set_options(timeout=WAIT_MS)


@pytest.fixture(scope="module")
def web(pg_stack: Stack) -> Iterator[str]:
    pg_stack.start_web()
    yield pg_stack.url("web")
    pg_stack.stop_web()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `apt-get install -y chromium` (.ci/run does it)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Watched:
    """A tab, with what the browser said about the CSP and the pages checked by axe."""

    def __init__(self, browser: Browser, size: tuple[int, int], web: str) -> None:
        self.context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="fr-FR",
                                           timezone_id="Europe/Paris")
        self.web = web
        self.refused: list[str] = []  # by the page's own HTML or scripts
        self.refused_to_tooling: list[str] = []  # by what the test evaluates in the page (axe-core)
        self.asked: list[str] = []  # every address the tabs asked for

    def tab(self) -> Page:
        page = self.context.new_page()
        page.set_default_timeout(WAIT_MS)
        page.on("console", self._console)
        page.on("request", lambda request: self.asked.append(request.url))
        return page

    def _console(self, message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            source = message.location.get("url") or ""
            seen = f"{message.text} at {source}:{message.location.get('lineNumber')}"
            # Code evaluated through the driver has no address; the page's own has the web's.
            (self.refused if source.startswith(self.web) else self.refused_to_tooling).append(seen)


def unique(name: str) -> str:
    """A name the dossier takes (letters only) and that no other test's patient has."""
    return name + "".join(random.choices(string.ascii_lowercase, k=8))


def accessible(page: Page) -> None:
    """axe-core in the page (evaluated through the driver, so the page's CSP is left as it is)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")
    result: dict[str, Any] = page.evaluate(
        "axe.run(document, {resultTypes: ['violations']}).then(r => r.violations.map("
        "v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)})))")
    serious = [v for v in result if v["impact"] in {"serious", "critical"}]
    assert serious == [], f"{page.url}: {serious}"


def shoot(page: Page, name: str, width: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)


def sign_in(page: Page, web: str, username: str, password: str) -> None:
    page.goto(f"{web}/login")
    page.get_by_label("Adresse e-mail").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_clinician_journey(web: str, chromium: Browser, pg_stack: Stack, pg_admin: Api, width: str) -> None:
    gateway = pg_stack.url("gateway")
    structure = pg_admin.structure()
    _, email = pg_admin.professional(structure)
    doctor = Api.login(gateway, email, PASSWORD)
    last_name = unique("Web")
    patient = doctor.patient(last_name)
    episode = doctor.episode(patient, structure)
    watched = Watched(chromium, WIDTHS[width], web)

    # The list and the inbox stay open in their own tabs: whatever changes there comes live.
    listing = watched.tab()
    sign_in(listing, web, email, PASSWORD)
    expect(listing).to_have_url(re.compile(r"/monitoring\?population=adults$"))
    row = listing.locator(f'tr[data-patient="{patient}"]')
    expect(row).to_have_attribute("data-state", "none")
    expect(row).to_contain_text(last_name)  # the name arrives from the dossier's events
    accessible(listing)
    inbox = watched.tab()
    inbox.goto(f"{web}/alerts")
    accessible(inbox)
    for tab in (listing, inbox):
        tab.evaluate("window.notReloaded = true; window.feed = [];"
                     "document.body.addEventListener('htmx:sseMessage', e => window.feed.push(Date.now()));"
                     "document.body.addEventListener('htmx:sseError', e => window.feed.push('error'));"
                     "document.body.addEventListener('htmx:sseOpen', e => window.feed.push('open'))")

    entry = watched.tab()
    entry.goto(f"{web}/patients/search")
    entry.get_by_label("Nom (3 premières lettres ou plus)", exact=True).fill(last_name[:5].lower())
    entry.get_by_label("Prénom (3 premières lettres ou plus)").fill("hél")
    entry.get_by_role("button", name="Rechercher").click()
    expect(entry.locator(f'ul.results a[href="/patients/{patient}"]')).to_be_visible()
    accessible(entry)
    entry.goto(f"{web}/monitoring?population=adults")
    entry.locator(f'tr[data-patient="{patient}"] a').click()
    expect(entry.locator("h1")).to_contain_text(last_name)
    accessible(entry)
    entry.get_by_role("link", name="Saisir un relevé").click()
    accessible(entry)
    shoot(entry, "reading-form", width)
    entry.get_by_label("Température (°C)").fill("40.3")
    entry.get_by_label("Saturation en oxygène SpO2 (%)").fill("90")
    entry.get_by_label("Fréquence cardiaque (battements/min)").fill("125")
    entry.get_by_role("button", name="Enregistrer le relevé").click()
    recorded = time.monotonic()
    expect(entry.locator("#answer")).to_have_class(re.compile("level-alert"))
    expect(entry.locator("table.readings tbody tr")).to_have_count(1)
    accessible(entry)
    entry.get_by_label("Titre du document").fill("Compte rendu de visite")
    entry.get_by_label("Fichier (PDF, JPEG, PNG ou texte, 10 Mo au plus)").set_input_files(
        files=[{"name": "visite.txt", "mimeType": "text/plain", "buffer": "Patient vu à domicile.".encode()}])
    entry.get_by_role("button", name="Ajouter le document").click()
    document = entry.get_by_role("link", name="Compte rendu de visite")
    # The documents' list is a projection a moment behind the 201: the page is asked again.
    eventually(lambda: document.count() or entry.reload() and None, timeout=15, interval=0.5)
    with entry.expect_download() as downloading:
        document.click()
    assert Path(downloading.value.path()).read_text() == "Patient vu à domicile."
    entry.get_by_label("Nouvelle note pour le cercle de soins").fill("Fièvre à 40,3 °C, <SpO2> 90 %.")
    entry.get_by_role("button", name="Partager la note").click()
    expect(entry.locator("#notice")).to_contain_text("Note partagée")
    expect(entry.locator("section[aria-labelledby=h-summary]")).to_contain_text("<SpO2> 90 %")  # escaped, shown
    shoot(entry, "patient", width)
    # The episode's status and the care circle, changed from the page: a nurse found in the directory.
    entry.get_by_label("Nouveau statut de l'épisode").select_option("suspected")
    entry.locator("#episode-status").get_by_role("button", name="Changer le statut").click()
    expect(entry.locator("#notice")).to_contain_text("Statut de l'épisode enregistré")
    assert doctor.ok("GET", f"/care-episodes/{episode}")["status"] == "suspected"
    colleague = unique("Soignant")
    pg_admin.ok("POST", "/professionals", 201, json={
        "email": f"{colleague.lower()}@example.org", "password": PASSWORD, "first_name": "Paul",
        "last_name": colleague, "profession": "nurse", "structure_id": structure})
    entry.get_by_role("link", name="Ajouter un membre au cercle de soins").click()
    entry.get_by_label("Nom (2 lettres ou plus)").fill(colleague.lower())
    entry.get_by_label("Profession", exact=True).select_option("nurse")
    find = entry.get_by_role("button", name="Chercher", exact=True)
    find.click()
    add = entry.get_by_role("button", name=f"Ajouter Paul {colleague}")
    eventually(lambda: add.count() or find.click() and None, timeout=15, interval=0.5)  # the directory's index
    accessible(entry)
    entry.get_by_label(f"Rôle dans le cercle de soins de Paul {colleague}").select_option("coordinator")
    add.click()
    expect(entry.locator("#notice")).to_contain_text("Membre ajouté au cercle de soins")
    members = eventually(lambda: [m for m in doctor.ok("GET", f"/patients/{patient}/care-circle/members")
                                  if m.get("last_name") == colleague] or None, timeout=15, interval=0.5)
    assert members[0]["role"] == "coordinator"
    accessible(entry)

    alert_row = inbox.locator(f'tr[data-patient="{patient}"]')
    expect(alert_row).to_have_attribute("data-status", "raised")
    expect(row).to_have_attribute("data-state", "alert")
    print(f"reading recorded -> list row red and alert in the inbox: {time.monotonic() - recorded:.1f} s")
    print("feed seen by the list, the inbox:", listing.evaluate("window.feed"), inbox.evaluate("window.feed"),
          "now", listing.evaluate("Date.now()"))
    assert f"{web}/live" in watched.asked  # the tabs listen to the alert feed (polling is the fallback)
    for tab in (listing, inbox):
        assert tab.evaluate("window.notReloaded === true"), "the page was reloaded"
    shoot(listing, "monitoring-list", width)
    shoot(inbox, "alert-inbox", width)
    accessible(inbox)

    alert_row.get_by_role("button", name="Prendre en compte").click()
    expect(inbox.locator(f'tr[data-patient="{patient}"]')).to_have_attribute("data-status", "acknowledged")
    accessible(inbox)
    alert_row = inbox.locator(f'tr[data-patient="{patient}"]')
    alert_row.locator("summary").click()
    alert_row.get_by_label("Motif de clôture").select_option("taken_care_of")
    alert_row.locator("button.confirm-resolve").click()
    expect(inbox.locator(f'tr[data-patient="{patient}"]')).to_have_count(0)  # open alerts only
    accessible(inbox)
    resolved = eventually(lambda: [a for a in doctor.alerts(patient) if a["status"] == "resolved"] or None)
    assert resolved[0]["resolution_reason"] == "taken_care_of" and resolved[0]["episode_id"] == episode
    assert watched.refused == [], watched.refused
    print("CSP refusals of the test's own tooling:", watched.refused_to_tooling)
    watched.context.close()


def invitation_link(mailbox: Path, address: str) -> str | None:
    for path in sorted(mailbox.glob("*.eml")) if mailbox.exists() else []:
        message = message_from_bytes(path.read_bytes())
        if message["To"] == address:
            body = message.get_payload(decode=True).decode()  # type: ignore[union-attr]
            found = re.search(r"(http\S+/portal/activate\?token=\S+)", body)
            return found.group(1) if found else None
    return None


@pytest.mark.parametrize("width", list(WIDTHS))
def test_patient_journey(web: str, chromium: Browser, pg_stack: Stack, pg_admin: Api, width: str) -> None:
    gateway = pg_stack.url("gateway")
    structure = pg_admin.structure()
    _, email = pg_admin.professional(structure)
    doctor = Api.login(gateway, email, PASSWORD)
    address = f"patient-{uuid.uuid4().hex[:6]}@example.org"
    watched = Watched(chromium, WIDTHS[width], web)
    page = watched.tab()

    # The doctor registers the patient, enrols them and invites them, from the web.
    sign_in(page, web, email, PASSWORD)
    page.goto(f"{web}/patients/new")
    page.get_by_label("Nom", exact=True).fill(unique("Portail"))
    page.get_by_label("Prénom(s)").fill("Jeanne")
    page.get_by_label("Date de naissance").fill("1962-07-14")
    page.get_by_label("Commune de résidence").fill("Montreuil")
    accessible(page)
    page.get_by_role("button", name="Créer le patient").click()
    page.get_by_role("button", name="Inscrire au suivi e-COVID").click()
    expect(page).to_have_url(re.compile(r"/patients/[0-9a-f-]{36}\?episode=[0-9a-f-]{36}$"))
    patient, episode = re.findall(r"[0-9a-f-]{36}", page.url)
    assert doctor.ok("GET", f"/patients/{patient}/summary")["identity"]["first_name"] == "Jeanne"
    page.get_by_label("Adresse e-mail du patient, pour l'inviter à son espace").fill(address)
    page.get_by_role("button", name="Envoyer l'invitation").click()
    expect(page.locator("#notice")).to_contain_text("Invitation envoyée")
    page.get_by_role("button", name="Se déconnecter").click()
    link = eventually(lambda: invitation_link(pg_stack.config.data_dir / "mailbox", address), timeout=10)
    assert link.startswith(f"{web}/portal/activate?token="), link  # the mail leads to the web

    page.goto(link)
    accessible(page)
    shoot(page, "activation", width)
    page.get_by_label("Choisissez un mot de passe (12 caractères au moins)").fill(PATIENT_PASSWORD)
    page.get_by_role("button", name="Activer").click()
    expect(page.locator("#activated")).to_be_visible()

    sign_in(page, web, address, PATIENT_PASSWORD)
    expect(page).to_have_url(re.compile(r"/me/reading$"))
    accessible(page)
    page.get_by_label("Température (°C)").fill("40,5")
    page.get_by_label("Saturation en oxygène SpO2 (%)").fill("89")
    page.get_by_role("group", name="Toux").get_by_label("Oui").check()
    page.get_by_role("button", name="Enregistrer le relevé").dblclick()  # a double submit: recorded once
    expect(page.locator("#answer")).to_have_attribute("data-level", "alert")
    expect(page.locator(".call-15")).to_contain_text("Appelez le 15")
    accessible(page)
    shoot(page, "patient-answer", width)

    page.get_by_role("link", name="Mon historique").first.click()
    expect(page.locator("table.readings tbody tr")).to_have_count(1)
    expect(page.locator("table.readings tbody")).to_contain_text("40.5")
    accessible(page)
    shoot(page, "patient-history", width)
    assert len(doctor.ok("GET", f"/care-episodes/{episode}/readings")) == 1
    assert watched.refused == [], watched.refused
    print("CSP refusals of the test's own tooling:", watched.refused_to_tooling)
    watched.context.close()



@pytest.mark.parametrize("width", list(WIDTHS))
def test_the_other_pages(web: str, chromium: Browser, pg_stack: Stack, pg_admin: Api, width: str) -> None:
    """The pages the journeys do not cross, each checked by axe: sign-in refused, the second
    factor (asked and refused), the children's list, the duplicate warning, an error page.

    Break: the label of the second factor's field removed (mfa.html) -> fails (axe: `label`,
    critical, on #code)."""
    gateway = pg_stack.url("gateway")
    structure = pg_admin.structure()
    _, email = pg_admin.professional(structure)
    doctor = Api.login(gateway, email, PASSWORD)
    watched = Watched(chromium, WIDTHS[width], web)
    page = watched.tab()

    page.goto(f"{web}/login")
    accessible(page)
    sign_in(page, web, email, "not the password")
    expect(page.locator("[role=alert]")).to_contain_text("Adresse ou mot de passe incorrect")
    accessible(page)

    # A TOTP enrolled through the API (confirmed with the previous step's code, so the current
    # step's is still new for the sign-in below): the web asks for it.
    uri = doctor.ok("POST", "/me/mfa/totp")["provisioning_uri"]
    totp = pyotp.TOTP(parse_qs(urlparse(uri).query)["secret"][0])
    doctor.ok("POST", "/me/mfa/totp/confirm", json={"code": totp.at(time.time() - 30)})
    sign_in(page, web, email, PASSWORD)
    expect(page.locator("h1")).to_have_text("Second facteur")
    accessible(page)
    shoot(page, "second-factor", width)
    page.get_by_label("Code à 6 chiffres de votre application d'authentification").fill(
        "000000" if totp.now() != "000000" else "111111")
    page.get_by_role("button", name="Valider").click()
    expect(page.locator("[role=alert]")).to_contain_text("Code incorrect ou expiré")
    accessible(page)
    sign_in(page, web, email, PASSWORD)
    page.get_by_label("Code à 6 chiffres de votre application d'authentification").fill(totp.now())
    page.get_by_role("button", name="Valider").click()
    expect(page).to_have_url(re.compile(r"/monitoring\?population=adults$"))

    page.goto(f"{web}/monitoring?population=children")
    expect(page.locator("h1")).to_contain_text("enfants")
    accessible(page)

    last_name = unique("Double")
    doctor.patient(last_name, birth_date="1971-05-06")
    page.goto(f"{web}/patients/new")
    page.get_by_label("Nom", exact=True).fill(last_name)
    page.get_by_label("Prénom(s)").fill("Héloïse")  # as Api.patient registers them
    page.get_by_label("Date de naissance").fill("1971-05-06")
    page.get_by_label("Commune de résidence").fill("Paris")
    page.get_by_role("button", name="Créer le patient").click()
    expect(page.locator("#duplicate")).to_be_visible()
    accessible(page)

    _, colleague = pg_admin.professional(pg_admin.structure("Centre de santé Jaurès"))
    stranger = Api.login(gateway, colleague, PASSWORD).patient(unique("Autre"))  # not in the doctor's circles
    page.goto(f"{web}/patients/{stranger}")
    expect(page.locator("h1")).to_have_text("Erreur")
    accessible(page)
    assert watched.refused == [], watched.refused
    watched.context.close()
