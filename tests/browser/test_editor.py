"""Co-writing in real Chromium: two people, presence, offline merge, safe preview; what
the editor tells a person when the server refuses their changes or their connection."""

from __future__ import annotations

import os
import re

import pytest

from cohort.demo import email

from .conftest import demo_server, people_of
from .test_first_visit import log_in

CONNECTED = "#connection-status[data-state='connected']"
# the demo's collective case studies, started from their kind's template
CALANQUES = "Conduire le changement dans une association en fusion — Équipe Calanques"
SAINTE_VICTOIRE = "Conduire le changement dans une association en fusion — Équipe Sainte-Victoire"


def open_document(person, who: str, title: str) -> None:
    page = person.page
    log_in(page, person.base_url, email(who))
    page.goto(person.base_url + "/dashboard")
    page.locator(".cards a").first.click()
    page.get_by_role("link", name=title).first.click()
    page.wait_for_selector(CONNECTED, timeout=15000)


def text_of(page) -> str:
    return page.evaluate("() => window.coelabEditor.ytext.toString()")


def type_into(page, value: str) -> None:
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.type(value)


def converged(a, b, *parts: str) -> None:
    for page in (a, b):
        for part in parts:
            page.wait_for_function("part => window.coelabEditor.ytext.toString().includes(part)",
                                   arg=part, timeout=15000)
    a.wait_for_function("other => window.coelabEditor.ytext.toString() === other",
                        arg=text_of(b), timeout=15000)


def test_two_people_type_at_once_and_see_each_other(people):
    amandine, louis = people(), people()
    title = CALANQUES
    open_document(amandine, "stagiaire", title)
    open_document(louis, "louis.ferrand", title)
    a, b = amandine.page, louis.page
    # the case study's page, its text started from the kind's template
    assert a.get_by_role("heading", name=CALANQUES, exact=True).is_visible()
    assert "## Situation-problème" in text_of(a) and text_of(a) == text_of(b)
    # each sees the other in the presence list, by name
    a.locator("#presence").get_by_text("Louis Ferrand").wait_for(timeout=10000)
    b.locator("#presence").get_by_text("Amandine Roux").wait_for(timeout=10000)
    a.locator(".cm-content").click()
    b.locator(".cm-content").click()
    a.keyboard.press("Control+End")
    b.keyboard.press("Control+Home")
    for x, y in zip("Alpha-Amandine", "Beta-Louis....", strict=True):
        a.keyboard.type(x)
        b.keyboard.type(y)
    converged(a, b, "Alpha-Amandine", "Beta-Louis")
    # Louis's cursor is drawn in Amandine's editor
    a.locator(".cm-ySelectionCaret, .cm-remote-caret, [class*='Caret']").first.wait_for(
        timeout=10000)
    # and the server's preview shows the shared text
    a.locator("#preview").get_by_text("Alpha-Amandine", exact=False).wait_for(timeout=10000)


def test_offline_edits_merge_when_the_connection_returns(people):
    sophie, yann = people(), people()
    title = SAINTE_VICTOIRE
    open_document(sophie, "sophie.lambert", title)
    open_document(yann, "yann.morel", title)
    s, y = sophie.page, yann.page
    yann.context.set_offline(True)
    y.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    assert "Hors ligne" in y.locator("#connection-status").inner_text()
    type_into(y, " Écrit par Yann hors ligne.")
    type_into(s, " Écrit par Sophie en ligne.")
    s.wait_for_timeout(1000)
    assert "Écrit par Yann hors ligne." not in text_of(s)
    yann.context.set_offline(False)
    y.wait_for_selector(CONNECTED, timeout=20000)
    converged(s, y, "Écrit par Yann hors ligne.", "Écrit par Sophie en ligne.")


def test_edits_of_a_tab_closed_offline_are_kept(people):
    ines, sophie = people(), people()
    title = SAINTE_VICTOIRE
    open_document(ines, "ines.bouvier", title)
    open_document(sophie, "sophie.lambert", title)
    ines.context.set_offline(True)
    ines.page.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    type_into(ines.page, " Gardé sur l'appareil d'Inès.")
    ines.page.wait_for_timeout(500)  # y-indexeddb stores the update
    url = ines.page.url
    ines.page.close()
    ines.context.set_offline(False)
    ines.page = ines.new_page()
    ines.page.goto(url)
    ines.page.wait_for_selector(CONNECTED, timeout=20000)
    sophie.page.wait_for_function(
        "part => window.coelabEditor.ytext.toString().includes(part)",
        arg="Gardé sur l'appareil d'Inès.", timeout=20000)


def _hold_the_socket(page) -> dict:
    """The page's WebSockets open but get no answer until :func:`_release_the_socket`
    (Playwright holds them); a WebSocket opened after the release goes through."""
    held = {"sockets": [], "released": False}

    def hold(ws):
        if held["released"]:
            ws.connect_to_server()
        else:
            held["sockets"].append(ws)

    page.route_web_socket(re.compile(r"/socket\.io/"), hold)
    page.route(re.compile(r"/socket\.io/"), lambda route: route.abort())
    return held


def _release_the_socket(page, held: dict) -> None:
    assert held["sockets"], "the editor opened no WebSocket"
    held["released"] = True
    page.unroute(re.compile(r"/socket\.io/"))
    held["sockets"][-1].connect_to_server()  # the one socket.io still waits on
    page.wait_for_selector(CONNECTED, timeout=30000)


def _calanques_url(person) -> str:
    page = person.page
    log_in(page, person.base_url, email("stagiaire"))
    page.locator(".cards a").first.click()
    return person.base_url + page.get_by_role("link", name=CALANQUES).first.get_attribute("href")


def test_the_text_is_writable_only_once_it_has_arrived(people):
    """Words typed into the still empty editor, before the server's text arrived, were
    concurrent with the whole text: Yjs put them before it, glued to its title (seen in
    CI as a keyboard test typing right after "Connecté"). A page without its copy of the
    text (one too large to carry) waits for the socket's answer, read-only."""
    amandine = people()
    page = amandine.page
    url = _calanques_url(amandine)
    # this page carries no copy of the text, this device has none, and its socket gets
    # no answer for now
    # (the document is parsed, "interactive", before the deferred scripts run)
    page.add_init_script("""document.addEventListener('readystatechange', () => {
      const app = document.getElementById('editor-app')
      if (app) app.dataset.initialState = ''
    })""")
    held = _hold_the_socket(page)
    page.goto(url)
    page.wait_for_function("() => window.coelabEditor")
    status = page.locator("#connection-status")
    assert status.get_attribute("data-state") == "connecting"
    # a writer is not told "read-only" while the text loads; nothing can be typed in
    assert "Lecture seule" not in status.inner_text()
    assert page.locator("#editor-toolbar button[data-action=bold]").is_disabled()
    type_into(page, "Tapé trop tôt.")
    assert text_of(page) == ""
    assert page.evaluate("() => window.coelabEditor.view.state.readOnly")
    # the server answers: the text is there, writable, and what is typed at its end stays there
    _release_the_socket(page, held)
    assert "## Situation-problème" in text_of(page)
    assert not page.locator("#editor-toolbar button[data-action=bold]").is_disabled()
    type_into(page, " Tapé à temps.")
    page.wait_for_function(
        "() => window.coelabEditor.ytext.toString().trimEnd().endsWith('Tapé à temps.')")
    assert "Tapé trop tôt." not in text_of(page)


def test_the_page_carries_the_text_so_it_is_writable_at_once(people):
    """The page brings the document's state (coelab/_editor.html): the text shows and
    can be written in before the socket answers, and what is typed at its end is at its
    end once the server has it."""
    amandine = people()
    page = amandine.page
    url = _calanques_url(amandine)
    held = _hold_the_socket(page)
    page.goto(url)
    page.wait_for_function("() => window.coelabEditor")
    assert "## Situation-problème" in text_of(page)
    assert not page.locator("#editor-toolbar button[data-action=bold]").is_disabled()
    type_into(page, " Écrit avant la connexion.")
    assert text_of(page).rstrip().endswith("Écrit avant la connexion.")
    _release_the_socket(page, held)
    other = people()
    open_document(other, "louis.ferrand", CALANQUES)
    other.page.wait_for_function(
        "() => window.coelabEditor.ytext.toString().trimEnd()"
        ".endsWith('Écrit avant la connexion.')", timeout=15000)


def test_the_preview_never_runs_script_written_in_the_text(people):
    karim = people()
    open_document(karim, "karim.haddad", "Partager l'information sans perdre la "
                  "confidentialité — Équipe Étang de Berre")
    page = karim.page
    payload = ('\n\n<script>window.pwned = 1; alert(1)</script>\n\n'
               '<img src="x" onerror="window.pwned = 2; alert(2)">\n\n'
               '[lien](javascript:alert(3)) **fin-du-test**')
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.keyboard.insert_text(payload)
    page.locator("#preview strong", has_text="fin-du-test").wait_for(timeout=10000)
    page.wait_for_timeout(500)
    assert page.evaluate("() => window.pwned") is None
    # HTML typed in the text is shown as written (render.py): text, never elements
    preview = page.locator("#preview")
    assert preview.locator("script, img, [onerror]").count() == 0
    assert '<img src="x" onerror="window.pwned = 2; alert(2)">' in preview.inner_text()
    # nor is a javascript: address a link (CommonMark refuses it: it stays text)
    assert preview.locator("[href^='javascript' i], [src]").count() == 0
    assert "[lien](javascript:alert(3))" in preview.inner_text()
    assert page.evaluate("() => window.pwned") is None  # dialogs are caught by the fixture


def test_a_trainer_reads_live_but_cannot_write(people):
    trainer, writer = people(), people()
    title = CALANQUES
    open_document(trainer, "formatrice", title)
    open_document(writer, "paul.garnier", title)
    t = trainer.page
    assert "lecture seule" in t.locator("#connection-status").inner_text()
    assert t.locator("#editor-toolbar button").first.is_disabled()
    assert t.locator("#editor-toolbar").is_hidden()  # nothing to format for a reader
    assert writer.page.locator("#editor-toolbar").is_visible()
    before = text_of(t)
    t.locator(".cm-content").click()
    t.keyboard.type("tentative du formateur")
    assert text_of(t) == before
    type_into(writer.page, " Relu par Claire ?")
    t.wait_for_function("() => window.coelabEditor.ytext.toString().includes('Relu par Claire')",
                        timeout=10000)
    assert re.search("tentative du formateur", text_of(writer.page)) is None
    # coming back, the reader's copy on this device answers the server with its delete
    # set: no change, and no "refused" message (it was shown on every second visit)
    writer.page.keyboard.press("Backspace")
    t.wait_for_function(
        "() => !window.coelabEditor.ytext.toString().includes('Relu par Claire ?')",
        timeout=10000)
    t.reload()
    t.wait_for_selector(CONNECTED, timeout=15000)
    t.wait_for_timeout(1500)
    assert t.locator("#editor-error").is_hidden(), t.locator("#editor-error").inner_text()


# --- Refusals, on a server with small limits -----------------------------------------------
# one update at most 16 KiB ("16 Ko" on the page); a resync answer at most 40 KiB; 20
# updates per second and per person, in bursts of 100 (a burst over it is refused however
# fast the server takes the updates in)

SMALL_UPDATE = 16 * 1024
SMALL_SYNC = 40 * 1024
STOPPED = "#connection-status[data-state='stopped']"
PASTE_TOO_LARGE = ("Ce texte est trop long pour être ajouté en une fois (16 Ko au plus) : il "
                   "n'a pas été inséré. Collez-le en plusieurs morceaux.")
UPDATE_TOO_LARGE = ("Votre dernière modification est trop volumineuse pour être envoyée en une "
                    "fois (16 Ko au plus) : elle n'est pas encore enregistrée. Elle sera renvoyée "
                    "avec vos autres modifications dans quelques secondes.")
DOCUMENT_TOO_LARGE = ("Vos dernières modifications ne peuvent pas être enregistrées : elles sont "
                      "trop volumineuses. Copiez votre texte dans un autre logiciel pour le "
                      "garder, supprimez du document le passage que vous venez d'ajouter, puis "
                      "rechargez la page.")
ACCESS_REVOKED = ("Votre accès à ce document a été retiré (équipe, cohorte ou jury) : la "
                  "connexion est coupée et vos modifications ne sont plus enregistrées. Copiez "
                  "ce que vous voulez garder, puis rechargez la page.")
UNAUTHENTICATED = ("Votre session a pris fin : la connexion est coupée. Ce que vous avez écrit "
                   "est gardé sur cet appareil ; rechargez la page et reconnectez-vous pour "
                   "l'envoyer.")
UNKNOWN_DOCUMENT = ("Ce document n'existe plus, ou vous n'y avez plus accès : la connexion est "
                    "coupée et vos modifications ne sont plus enregistrées. Rechargez la page.")
FRAME_TOO_LARGE = ("Vos dernières modifications sont trop volumineuses pour être envoyées : la "
                   "connexion est suspendue. Copiez votre texte dans un autre logiciel pour le "
                   "garder, supprimez du document le passage que vous venez d'ajouter, puis "
                   "rechargez la page dans une minute.")
NOTES = "Notes du regroupement de novembre"


@pytest.fixture(scope="module")
def small_server(tmp_path_factory, chromium_path):
    instance = tmp_path_factory.mktemp("small-limits-instance")
    env = {**os.environ, "COELAB_INSTANCE_PATH": str(instance),
           "COELAB_MAIL_BACKEND": "console",
           "COELAB_YJS_MAX_UPDATE_BYTES": str(SMALL_UPDATE),
           "COELAB_YJS_MAX_SYNC_BYTES": str(SMALL_SYNC),
           "COELAB_YJS_UPDATES_PER_SECOND": "20", "COELAB_YJS_UPDATES_BURST": "100"}
    env.pop("COELAB_DATABASE_URL", None)
    with demo_server(env, instance) as url:
        yield url


@pytest.fixture
def small_people(browser, small_server):
    yield from people_of(browser, small_server)


def paste(page, value: str) -> None:
    """Paste ``value`` at the end of the text, as the browser delivers a paste."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+End")
    page.evaluate("""value => {
      const data = new DataTransfer()
      data.setData('text/plain', value)
      document.querySelector('.cm-content').dispatchEvent(new ClipboardEvent('paste',
        { clipboardData: data, bubbles: true, cancelable: true }))
    }""", value)


def open_in_any_cohort(person, who: str, title: str) -> None:
    """Like open_document, the document being in any of the person's cohorts."""
    page = person.page
    log_in(page, person.base_url, email(who))
    page.goto(person.base_url + "/dashboard")
    for card in range(page.locator(".cards a").count()):
        page.goto(person.base_url + "/dashboard")
        page.locator(".cards a").nth(card).click()
        if page.get_by_role("link", name=title).count():
            break
    page.get_by_role("link", name=title).first.click()
    page.wait_for_selector(CONNECTED, timeout=15000)


def shown_text(page) -> str:
    return page.evaluate("() => window.coelabEditor.view.state.doc.toString()")


def queued_events(page) -> list[str]:
    """The events socket.io keeps to send when the editor's socket reconnects."""
    return page.evaluate("() => window.coelabEditor.provider.socket.sendBuffer"
                         ".map(packet => packet.data[0])")


def error_of(page) -> str:
    error = page.locator("#editor-error")
    error.wait_for(state="visible", timeout=20000)
    return error.inner_text()


def test_a_paste_too_large_for_one_update_is_refused_before_it_is_sent(small_people):
    amandine, louis = small_people(), small_people()
    open_document(amandine, "stagiaire", CALANQUES)
    open_document(louis, "louis.ferrand", CALANQUES)
    a = amandine.page
    a.evaluate("() => { window.sent = 0;"
               " window.coelabEditor.doc.on('update', () => window.sent++) }")
    before = text_of(a)
    # 9,000 characters, but 18,000 bytes in UTF-8: over the 16 KiB of one update
    paste(a, "é" * 9000)
    assert error_of(a) == PASTE_TOO_LARGE
    assert shown_text(a) == before and text_of(a) == before
    assert a.evaluate("() => window.sent") == 0  # nothing left the editor
    # a piece that fits goes to everyone, and the message goes
    piece = "Premier morceau. " + "a" * 14000
    paste(a, piece)
    a.locator("#editor-error").wait_for(state="hidden", timeout=5000)
    louis.page.wait_for_function(
        "part => window.coelabEditor.ytext.toString().includes(part)", arg=piece, timeout=15000)
    a.wait_for_timeout(1000)  # nor did the server refuse it
    assert a.locator("#editor-error").is_hidden()
    assert a.locator(CONNECTED).is_visible()


def test_an_undo_too_large_for_one_update_is_saved_with_the_resync(small_people):
    sophie, yann = small_people(), small_people()
    open_document(sophie, "sophie.lambert", SAINTE_VICTOIRE)
    open_document(yann, "yann.morel", SAINTE_VICTOIRE)
    s, y = sophie.page, yann.page
    for part in ("Partie une. ", "Partie deux. "):
        paste(s, part + "b" * 12000)
        s.wait_for_timeout(700)  # two steps of the undo history
    converged(s, y, "Partie une. ", "Partie deux. ")
    written = text_of(s)
    s.keyboard.press("Control+a")
    s.keyboard.press("Delete")
    y.wait_for_function("() => window.coelabEditor.ytext.toString() === ''", timeout=15000)
    s.wait_for_timeout(700)
    # the undo brings the whole text back in one update, over 16 KiB: refused...
    s.keyboard.press("Control+z")
    assert text_of(s) == written
    assert error_of(s) == UPDATE_TOO_LARGE
    # ...and taken with the resync the server asks for: everyone has it, the message goes
    y.wait_for_function("text => window.coelabEditor.ytext.toString() === text", arg=written,
                        timeout=30000)
    s.locator("#editor-error").wait_for(state="hidden", timeout=15000)
    s.wait_for_selector(CONNECTED, timeout=5000)


def test_a_burst_over_the_rate_limit_is_sent_again_without_reconnecting(small_people):
    karim, sophie = small_people(), small_people()
    title = "Partager l'information sans perdre la confidentialité — Équipe Étang de Berre"
    open_in_any_cohort(karim, "karim.haddad", title)
    open_in_any_cohort(sophie, "sophie.lambert", title)
    k = karim.page
    k.evaluate("() => { window.connects = 0;"
               " window.coelabEditor.provider.socket.on('connect', () => window.connects++) }")
    # 300 updates in one tick (an offline burst, a fast typist on a slow link), over
    # the person's burst of 100
    k.evaluate("""() => {
      const { ytext } = window.coelabEditor
      for (let i = 0; i < 300; i++) ytext.insert(ytext.length, ` m${i};`)
    }""")
    status = k.locator("#connection-status[data-state='sending']")
    status.wait_for(timeout=30000)
    assert status.inner_text() == ("Connecté : vous avez fait beaucoup de modifications d'un "
                                   "coup ; les dernières seront envoyées dans un instant.")
    assert k.locator("#editor-error").is_hidden()  # calmly: not an alert
    # the server asks for them again once the budget refills: everyone has all 300
    sophie.page.wait_for_function("text => window.coelabEditor.ytext.toString() === text",
                                  arg=text_of(k), timeout=30000)
    k.wait_for_selector(CONNECTED, timeout=15000)
    assert all(f" m{i};" in text_of(sophie.page) for i in range(300))
    assert k.evaluate("() => window.connects") == 0


def test_changes_too_large_to_be_saved_are_explained_and_the_advice_works(small_people):
    ines = small_people()
    open_in_any_cohort(ines, "ines.bouvier", NOTES)
    i = ines.page
    before = text_of(i)
    # offline, four pastes that each fit in one update: 48 KiB waiting for the server,
    # more than it takes in one resync answer
    ines.context.set_offline(True)
    i.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    for n in range(4):
        paste(i, f" Hors ligne {n}. " + "c" * 12000)
    assert i.locator("#editor-error").is_hidden()
    # written offline, the changes wait on this device, not in socket.io's send buffer:
    # sent from there first, they raced the reconnection's exchange, which carries them
    # too (connection.js, sendUpdatesOnlyWhenConnected)
    assert "sync-update" not in queued_events(i)
    ines.context.set_offline(False)
    assert error_of(i) == DOCUMENT_TOO_LARGE
    # the advice: copy it elsewhere (the text is still there), take the passage out,
    # reload the page; then nothing is refused any more
    assert "Hors ligne 3." in shown_text(i)
    i.locator(".cm-content").click()
    for _ in range(6):
        if text_of(i) == before:
            break
        i.keyboard.press("Control+z")
        i.wait_for_timeout(300)
    assert text_of(i) == before
    i.wait_for_timeout(500)  # the offline copy stores the change
    i.reload()
    i.wait_for_selector(CONNECTED, timeout=20000)
    i.wait_for_timeout(3000)
    assert i.locator("#editor-error").is_hidden()
    assert text_of(i) == before
    type_into(i, " Enregistré après coup.")
    i.wait_for_timeout(1000)
    assert i.locator("#editor-error").is_hidden()


def test_changes_larger_than_the_server_reads_stop_the_retries_and_say_why(small_people):
    amandine = small_people()
    open_in_any_cohort(amandine, "stagiaire", NOTES)
    a = amandine.page
    # offline, 13 pastes that each fit in one update: 156 kB waiting, in one frame
    # when the connection returns, more than the server reads (twice the larger limit)
    amandine.context.set_offline(True)
    a.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    for n in range(13):
        paste(a, f" Trop {n}. " + "d" * 12000)
    assert "sync-update" not in queued_events(a)  # they go in the exchange's one answer
    amandine.context.set_offline(False)
    # the server closes that connection and refuses the next ones for a while: the
    # editor stops trying (it would send the same frame again) and says what to do
    a.wait_for_selector(STOPPED, timeout=30000)
    assert error_of(a) == FRAME_TOO_LARGE
    assert a.locator("#connection-status").inner_text() == (
        "Déconnecté : ce document n'est plus synchronisé.")
    # the text stays writable, so that the passage can be taken out before reloading
    assert a.locator("#editor-toolbar button").first.is_enabled()
    type_into(a, " encore")
    assert text_of(a).endswith(" encore")
    a.wait_for_timeout(2000)
    assert a.evaluate("() => { const s = window.coelabEditor.provider.socket;"
                      " return s.connected || s.active }") is False


def test_an_ended_session_stops_the_editor_and_says_why(small_people):
    nadia = small_people()
    open_document(nadia, "nadia.cherif", CALANQUES)
    p = nadia.page
    nadia.context.clear_cookies()  # as when the session ends (logged out elsewhere, expired)
    p.evaluate("() => window.coelabEditor.provider.socket.io.engine.close()")  # any reconnect
    p.wait_for_selector(STOPPED, timeout=15000)
    assert error_of(p) == UNAUTHENTICATED
    assert_stopped_for_good(p)


def take_out_of_team(coordinator, name: str, team_name: str) -> None:
    """The coordinator takes ``name`` out of the team, on the cohort's teams page."""
    h = coordinator.page
    log_in(h, coordinator.base_url, email("coordination"))
    h.get_by_role("link", name="Module transversal — Martigues 2026-2027", exact=True).click()
    h.get_by_role("link", name="Équipes", exact=True).click()
    team = h.locator("section.card", has=h.get_by_role("heading", name=team_name))
    team.get_by_label(name).uncheck()
    team.get_by_role("button", name="Enregistrer les membres").click()
    h.wait_for_load_state()


def assert_stopped_for_good(page) -> None:
    """Read-only, and no more attempts to connect."""
    assert page.locator("#connection-status").inner_text() == (
        "Déconnecté : ce document n'est plus synchronisé et le texte n'est plus modifiable ici.")
    before = text_of(page)
    page.locator(".cm-content").click()
    page.keyboard.type("plus rien ne passe")
    assert text_of(page) == before
    assert page.locator("#editor-toolbar button").first.is_disabled()
    page.wait_for_timeout(2000)
    assert page.evaluate("() => { const s = window.coelabEditor.provider.socket;"
                         " return s.connected || s.active }") is False


def test_a_person_removed_from_the_team_is_disconnected_and_told(small_people):
    paul, helene = small_people(), small_people()
    open_document(paul, "paul.garnier", CALANQUES)
    p = paul.page
    take_out_of_team(helene, "Paul Garnier", "Équipe Calanques")
    # within a second or so, Paul's editor is cut off and says why
    p.wait_for_selector(STOPPED, timeout=10000)
    assert error_of(p) == ACCESS_REVOKED
    assert_stopped_for_good(p)


def test_a_person_removed_while_offline_is_told_when_back(small_people):
    yann, helene = small_people(), small_people()
    open_document(yann, "yann.morel", SAINTE_VICTOIRE)
    y = yann.page
    yann.context.set_offline(True)
    y.wait_for_selector("#connection-status[data-state='offline']", timeout=15000)
    take_out_of_team(helene, "Yann Morel", "Équipe Sainte-Victoire")
    yann.context.set_offline(False)
    # the server refuses the connection: the editor does not insist, and says why
    y.wait_for_selector(STOPPED, timeout=20000)
    assert error_of(y) == UNKNOWN_DOCUMENT
    assert_stopped_for_good(y)


def test_a_list_made_with_the_toolbar_after_a_line_is_a_list_everywhere(people):
    """Issue 17: a list started with the toolbar right under a line of text showed as a
    literal "- premier point" on the server. The editor and the server now share
    CommonMark's rules: a bullet list may follow a paragraph line."""
    amandine = people()
    open_document(amandine, "stagiaire", CALANQUES)
    a = amandine.page
    # The demo's document is shared by the browser tests: whatever an earlier test left at
    # its end (a list item would carry on over Enter), the two lines start a new paragraph.
    a.evaluate("""() => { const { view } = window.coelabEditor
      const end = view.state.doc.length
      const insert = '\\n\\nUne phrase avant la liste.\\npremier point de la liste'
      view.focus()
      view.dispatch({ changes: { from: end, insert }, selection: { anchor: end + insert.length } })
    }""")
    a.locator("#editor-toolbar button[data-action=bullet]").click()
    a.wait_for_function(
        "() => window.coelabEditor.ytext.toString()"
        ".includes('Une phrase avant la liste.\\n- premier point de la liste')", timeout=20000)
    # a list item in the writing mode, a list item in the server's preview
    item = a.locator("#editor .cm-wm-li.cm-wm-ul", has_text="premier point de la liste")
    assert item.count() == 1
    a.locator("#preview li", has_text="premier point de la liste").wait_for(timeout=10000)
    assert "- premier point" not in a.locator("#preview").inner_text()
    # away from the line, the dash is drawn as a bullet
    a.evaluate("() => window.coelabEditor.view.contentDOM.blur()")
    a.locator("#editor .cm-wm-li", has_text="premier point de la liste").locator(
        ".cm-wm-bullet").wait_for()


def test_the_writing_mode_the_source_and_the_side_panel_switch_and_are_remembered(people):
    amandine = people()
    open_document(amandine, "stagiaire", CALANQUES)
    a = amandine.page
    source = a.locator("#editor-source-toggle")
    side = a.locator("#editor-side-toggle")
    # the writing mode by default: a heading shown without its "# "
    assert source.get_attribute("aria-pressed") == "false"
    assert a.locator("#editor .cm-writing-mode").count() == 1
    a.wait_for_function("() => window.coelabEditor.parsed()")
    a.locator("#editor .cm-wm-h2", has_text="Contexte").wait_for()
    assert a.locator("#editor .cm-wm-h2", has_text="Contexte").inner_text() == "Contexte"
    source.click()
    assert source.get_attribute("aria-pressed") == "true"
    assert a.locator("#editor .cm-writing-mode").count() == 0
    assert a.locator("#editor .cm-wm-heading").count() == 0
    assert a.locator("#editor .cm-line", has_text="## Contexte").count() == 1
    assert side.get_attribute("aria-expanded") == "true" and a.locator("#editor-side").is_visible()
    side.click()
    assert side.get_attribute("aria-expanded") == "false" and a.locator("#editor-side").is_hidden()
    # kept on this browser
    a.reload()
    a.wait_for_selector(CONNECTED, timeout=15000)
    assert source.get_attribute("aria-pressed") == "true"
    assert a.locator("#editor .cm-writing-mode").count() == 0
    assert side.get_attribute("aria-expanded") == "false" and a.locator("#editor-side").is_hidden()
    # a comment's form asks to be seen: the panel opens
    a.evaluate("""() => { const { view } = window.coelabEditor
      view.focus(); view.dispatch({ selection: { anchor: 2, head: 8 } }) }""")
    a.keyboard.press("Control+Alt+m")
    a.locator("#comment-body").wait_for(state="visible", timeout=5000)
    assert side.get_attribute("aria-expanded") == "true"
    source.click()
    side.click()
    side.click()
    assert a.locator("#editor .cm-writing-mode").count() == 1
