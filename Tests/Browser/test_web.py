"""Custodia's web pages in a real browser (headless Chromium through selenium).

Run by scripts/browser-tests.sh against a live server over a small demo store, with:

    CUSTODIA_URL              the server, e.g. http://127.0.0.1:41234
    CUSTODIA_DB               the store (read here only to choose serials and holders)
    CUSTODIA_ZONE             the zone the clerk's scope covers
    CUSTODIA_ADMIN_PASSWORD   password of the user `admin` (role admin, the whole register)
    CUSTODIA_CLERK_PASSWORD   password of the user `clerk` (role clerk, scope CUSTODIA_ZONE)
    CUSTODIA_SCREENSHOTS      where to save screenshots of the main pages
"""

import base64
import os
import sqlite3
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

URL = os.environ["CUSTODIA_URL"]
DB = os.environ["CUSTODIA_DB"]
ZONE = os.environ["CUSTODIA_ZONE"]
STOCKTAKE_SITE = os.environ["CUSTODIA_STOCKTAKE_SITE"]
PASSWORDS = {"admin": os.environ["CUSTODIA_ADMIN_PASSWORD"], "clerk": os.environ["CUSTODIA_CLERK_PASSWORD"]}
SHOTS = os.environ.get("CUSTODIA_SCREENSHOTS", "browser-out/screenshots")


# MARK: the register, read directly to choose what to work on


def query(sql, *args):
    with sqlite3.connect(f"file:{DB}?mode=ro", uri=True) as db:
        return db.execute(sql, args).fetchall()


SUBTREE = """
    WITH RECURSIVE sub(code) AS (SELECT ? UNION ALL SELECT h.code FROM holders h JOIN sub ON h.parent = sub.code)
    SELECT code FROM sub
"""


def subtree(root):
    return {code for (code,) in query(SUBTREE, root)}


def zone_depot():
    """The site in the zone that holds the most assault rifles."""
    (code,) = query(
        f"""SELECT holder FROM items WHERE category = 'assault-rifle' AND status = 'held'
            AND holder IN (SELECT code FROM holders WHERE kind = 'site' AND code IN ({SUBTREE}))
            GROUP BY holder ORDER BY count(*) DESC LIMIT 1""",
        ZONE,
    )[0]
    return code


def zone_unit():
    (code,) = query(f"SELECT code FROM holders WHERE kind = 'unit' AND code IN ({SUBTREE}) ORDER BY code LIMIT 1", ZONE)[0]
    return code


def held_rifles(holder, count):
    """Assault rifles `holder` holds whose serial is unique in the register: (id, serial)."""
    rows = query(
        """SELECT id, serial FROM items i WHERE holder = ? AND category = 'assault-rifle' AND status = 'held'
           AND (SELECT count(*) FROM items j WHERE j.serial = i.serial) = 1 ORDER BY id LIMIT ?""",
        holder,
        count,
    )
    assert len(rows) == count, f"{holder} holds fewer than {count} assault rifles"
    return rows


# MARK: the browser


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=es"]:
        options.add_argument(argument)
    # A Spanish-speaking user's browser: Accept-Language es.
    options.add_experimental_option("prefs", {"intl.accept_languages": "es-ES,es"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path="/usr/bin/chromedriver"), options=options)
    driver.set_window_size(1280, 900)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


def shot(driver, name):
    os.makedirs(SHOTS, exist_ok=True)
    # The whole page, not only the window.
    height = driver.execute_script("return document.documentElement.scrollHeight")
    width = driver.get_window_size()["width"]
    driver.set_window_size(width, min(max(height + 100, 600), 6000))
    driver.save_screenshot(os.path.join(SHOTS, f"{name}.png"))
    driver.set_window_size(width, 900 if width > 400 else 740)


def go(driver, path):
    driver.get(URL + path)
    WebDriverWait(driver, 10).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver, user, path="/?lang=es"):
    go(driver, path)
    assert "/signin" in driver.current_url, "not signed in, a page sends to the sign-in form"
    driver.find_element(By.ID, "f-user").send_keys(user)
    driver.find_element(By.ID, "f-password").send_keys(PASSWORDS[user])
    driver.find_element(By.CSS_SELECTOR, "form[action='/signin'] button").click()
    WebDriverWait(driver, 10).until(lambda d: "/signin" not in d.current_url)


def assert_fits(driver, what):
    wide = driver.execute_script("return document.documentElement.scrollWidth")
    inner = driver.execute_script("return window.innerWidth")
    assert wide <= inner, f"{what} is {wide}px wide on a {inner}px screen"


def text(driver):
    return driver.find_element(By.TAG_NAME, "body").text


def fill(driver, field, value):
    element = driver.find_element(By.ID, f"f-{field}")
    element.clear()
    element.send_keys(value)


def gone(element):
    """A wait condition: `element` is no longer in the page. While the next page replaces
    the document, chromedriver may answer "Node with given id does not belong to the
    document" (an unknown error) instead of a stale reference: that is gone too."""

    def predicate(_):
        try:
            element.is_enabled()
            return False
        except StaleElementReferenceException:
            return True
        except WebDriverException as error:
            if "does not belong to the document" in str(error):
                return True
            raise

    return predicate


def submit(driver):
    with_form = driver.find_element(By.CSS_SELECTOR, "form.rec button.primary, form.confirm button.primary")
    with_form.click()
    WebDriverWait(driver, 10).until(gone(with_form))


def issue(driver, depot, unit, serials, document):
    """Fills in the issue form, checks the confirmation page, records; returns the receipt's URL."""
    go(driver, "/record/issue?lang=es")
    fill(driver, "from", depot)
    fill(driver, "to", unit)
    fill(driver, "items", "\n".join(serials))
    fill(driver, "document", document)
    driver.execute_script("document.getElementById('f-dueBack').value = '2030-12-31'")
    submit(driver)
    assert driver.current_url.endswith("/record/issue")
    page = text(driver)
    assert "Todavía no se ha registrado nada" in page, "a confirmation page comes before anything is recorded"
    for serial in serials:
        assert serial in page
    assert document in page
    return page


# MARK: the tests


def test_sign_in_shows_the_dashboard_with_user_role_and_scope(browser):
    go(browser, "/?lang=es")
    assert "/signin?next=" in browser.current_url
    shot(browser, "signin")
    sign_in(browser, "clerk", "/?lang=es")
    assert browser.current_url == URL + "/?lang=es", "back where the sign-in started"
    header = browser.find_element(By.CSS_SELECTOR, "header.top").text
    assert "clerk" in header and "Registrador" in header and ZONE in header
    body = text(browser)
    assert f"Panel de" in body and "Entregas vencidas" in body and "Desaparecidos" in body
    assert len(browser.find_elements(By.CSS_SELECTOR, ".charts svg")) == 3, "three charts drawn by the server"
    # Nothing from elsewhere, and no errors in the console (a missing favicon is no error of ours).
    for element in browser.find_elements(By.CSS_SELECTOR, "script[src], link[href]"):
        source = element.get_attribute("src") or element.get_attribute("href")
        assert source.startswith(URL), f"{source} is loaded from elsewhere"
    severe = [e for e in browser.get_log("browser") if e["level"] == "SEVERE" and "favicon" not in e["message"]]
    assert severe == [], severe
    shot(browser, "dashboard")


def test_search_finds_a_partial_serial(browser):
    (item_id, serial) = held_rifles(zone_depot(), 1)[0]
    part = serial[1:5] if len(serial) > 5 else serial[1:]
    sign_in(browser, "admin")
    box = browser.find_element(By.ID, "q")
    box.send_keys(part)
    box.submit()
    WebDriverWait(browser, 10).until(lambda d: "/search" in d.current_url)
    links = browser.find_elements(By.CSS_SELECTOR, f"table.list a[href='/items/{item_id}']")
    if not links:
        # Many serials contain the part: the item is on a later page, or the full serial finds it.
        go(browser, f"/search?q={serial}")
        links = browser.find_elements(By.CSS_SELECTOR, f"table.list a[href='/items/{item_id}']")
    assert links and links[0].text == serial
    assert part.upper() in browser.find_element(By.ID, "q").get_attribute("value").upper()
    shot(browser, "search")


def test_an_item_page_shows_its_marking_state_and_custody_chain(browser):
    (item_id, serial) = held_rifles(zone_depot(), 1)[0]
    sign_in(browser, "admin", f"/search?q={serial}")
    browser.find_element(By.CSS_SELECTOR, f"a[href='/items/{item_id}']").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith(f"/items/{item_id}"))
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith(serial)
    entries = browser.find_elements(By.CSS_SELECTOR, "ol.tl > li")
    assert len(entries) >= 1
    proofs = browser.find_elements(By.CSS_SELECTOR, "ol.tl a[href^='/ledger/proof/']")
    assert len(proofs) == len(entries), "every entry links to its inclusion proof"
    assert "En custodia" in text(browser)
    shot(browser, "item")
    proofs[0].click()
    WebDriverWait(browser, 10).until(lambda d: "/ledger/proof/" in d.current_url)
    assert "Prueba de inclusión" in text(browser) or "inclusión" in text(browser)
    shot(browser, "proof")


def test_issuing_three_rifles_shows_them_at_the_unit_and_in_each_timeline(browser):
    depot, unit = zone_depot(), zone_unit()
    rifles = held_rifles(depot, 3)
    serials = [serial for (_, serial) in rifles]
    document = f"VO-B-{int(time.time())}"
    sign_in(browser, "clerk", "/record/issue?lang=es")
    shot(browser, "record-form")
    issue(browser, depot, unit, serials, document)
    shot(browser, "confirmation")
    submit(browser)
    assert "/receipts/" in browser.current_url
    receipt = text(browser)
    for serial in serials:
        assert serial in receipt
    assert depot in receipt and unit in receipt and document in receipt
    shot(browser, "receipt")

    go(browser, f"/holders/{unit}")
    holdings = text(browser)
    for serial in serials:
        assert serial in holdings, f"{serial} is in {unit}'s holdings"
    shot(browser, "holder")
    for item_id, serial in rifles:
        go(browser, f"/items/{item_id}")
        last = browser.find_elements(By.CSS_SELECTOR, "ol.tl > li")[-1].text
        assert "Entrega" in last and document in last and unit in last, last
        assert "clerk" in last, "recorded by the signed-in user"


def test_issuing_a_missing_rifle_is_refused_in_spanish_next_to_the_serials(browser):
    zone = subtree(ZONE)
    rows = query(
        """SELECT serial FROM items i WHERE status = 'missing' AND category = 'assault-rifle'
           AND (SELECT count(*) FROM items j WHERE j.serial = i.serial) = 1 AND account IS NOT NULL ORDER BY id"""
    )
    sign_in(browser, "clerk", "/record/issue?lang=es")
    missing = next((s for (s,) in rows if query("SELECT account FROM items WHERE serial = ?", s)[0][0] in zone), None)
    if missing is None:
        # No assault rifle of the zone is missing yet: report one lost through the loss form.
        (_, missing) = held_rifles(zone_depot(), 1)[0]
        go(browser, "/record/loss?lang=es")
        fill(browser, "from", zone_depot())
        fill(browser, "items", missing)
        submit(browser)
        submit(browser)
    size = query("SELECT count(*) FROM events")[0][0]
    go(browser, "/record/issue?lang=es")
    fill(browser, "from", zone_depot())
    fill(browser, "to", zone_unit())
    fill(browser, "items", missing)
    fill(browser, "document", "VO-MISSING")
    submit(browser)
    errors = browser.find_element(By.ID, "f-items-e").text
    assert "figura como desaparecido" in errors and "no se puede entregar" in errors, errors
    assert browser.find_element(By.ID, "f-items").get_attribute("aria-invalid") == "true"
    assert browser.switch_to.active_element.get_attribute("id") == "f-items", "the script takes the cursor to the error"
    assert browser.find_elements(By.CSS_SELECTOR, "form.confirm") == [], "no confirmation page"
    assert query("SELECT count(*) FROM events")[0][0] == size, "nothing was recorded"
    shot(browser, "error-es")


def test_the_receipt_prints_without_navigation_and_with_lines_to_sign(browser):
    depot, unit = zone_depot(), zone_unit()
    (_, serial) = held_rifles(depot, 1)[0]
    sign_in(browser, "admin", "/record/issue?lang=es")
    issue(browser, depot, unit, [serial], f"VO-P-{int(time.time())}")
    submit(browser)
    assert "/receipts/" in browser.current_url
    assert browser.find_element(By.CSS_SELECTOR, "button[data-print]").is_displayed(), "the script shows the print button"
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    assert browser.execute_script("return matchMedia('print').matches")
    display = lambda css: browser.execute_script(  # noqa: E731
        "const e = document.querySelector(arguments[0]); return e ? getComputedStyle(e).display : 'absent'", css
    )
    for hidden in ["header.top", "nav.main", "footer.foot", "button[data-print]", ".receipt .noprint"]:
        assert display(hidden) == "none", f"{hidden} shows in print"
    lines = browser.find_elements(By.CSS_SELECTOR, ".signs .sign .line")
    assert len(lines) == 6, "name, signature and date for each party"
    assert all(display_of != "none" for display_of in [line.value_of_css_property("display") for line in lines])
    assert serial in browser.find_element(By.CSS_SELECTOR, "article.receipt").text
    assert display("table.list") == "table", "the serials print as a table"
    shot(browser, "receipt-print")
    pdf = browser.execute_cdp_cmd("Page.printToPDF", {"printBackground": False})
    with open(os.path.join(SHOTS, "receipt.pdf"), "wb") as f:
        f.write(base64.b64decode(pdf["data"]))
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})


def test_signing_out_ends_the_session(browser):
    sign_in(browser, "clerk")
    browser.find_element(By.CSS_SELECTOR, "form.out button").click()
    WebDriverWait(browser, 10).until(lambda d: "/signin" in d.current_url)
    assert "Ha salido de Custodia" in text(browser)
    go(browser, "/holders")
    assert "/signin?next=" in browser.current_url, "after signing out, pages ask to sign in again"


def test_a_zone_user_cannot_reach_another_zones_item_by_url(browser):
    zone = subtree(ZONE)
    outside = next(
        item_id
        for (item_id, holder, account) in query("SELECT id, holder, account FROM items WHERE status = 'held' ORDER BY id")
        if holder not in zone and account not in zone
    )
    inside = held_rifles(zone_depot(), 1)[0][0]
    sign_in(browser, "clerk", f"/items/{inside}")
    assert browser.current_url.endswith(f"/items/{inside}")
    go(browser, f"/items/{outside}?lang=es")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("No encontrado")
    # The status itself, with the browser's session: not found, not forbidden.
    session = browser.get_cookie("custodia_session")["value"]
    request = urllib.request.Request(URL + f"/items/{outside}", headers={"Cookie": f"custodia_session={session}"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request)
    assert refused.value.code == 404, "outside the scope is not found, not forbidden"
    shot(browser, "out-of-scope")


def test_pages_fit_a_360_pixel_phone(browser):
    (item_id, _) = held_rifles(zone_depot(), 1)[0]
    sign_in(browser, "admin")
    browser.set_window_size(360, 740)
    for name, path in [("phone-dashboard", "/"), ("phone-item", f"/items/{item_id}"), ("phone-issue", "/record/issue")]:
        go(browser, path)
        assert_fits(browser, path)
        shot(browser, name)


def test_english_is_one_click_away(browser):
    sign_in(browser, "admin")
    browser.find_element(By.CSS_SELECTOR, "ul.langs a[hreflang='en']").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en")
    assert "Dashboard" in text(browser) and "Overdue issues" in text(browser)
    go(browser, "/ledger")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en", "the choice is remembered"
    assert "custodia ledger check" in text(browser)
    shot(browser, "ledger-en")


@pytest.mark.parametrize("width", [1280, 360])
def test_an_item_with_a_look_alike_serial_shows_how_they_differ(browser, width):
    (latin,) = query("SELECT id FROM items WHERE serial = 'LA-O100'")[0]
    (cyrillic,) = query("SELECT id FROM items WHERE serial = 'LA-\u041e100'")[0]
    sign_in(browser, "clerk", f"/items/{cyrillic}?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, f"/items/{cyrillic}?lang=es")
    notice = browser.find_element(By.ID, "look-alikes").text
    assert "Números de serie que se parecen" in notice
    assert "el carácter 4 es \"\u041e\" (U+041E) aquí y \"O\" (U+004F) allí" in notice, notice
    link = browser.find_element(By.CSS_SELECTOR, "#look-alikes a")
    assert link.get_attribute("href").endswith(f"/items/{latin}")
    assert_fits(browser, "the notice")
    shot(browser, f"look-alike-es-{width}")
    go(browser, f"/items/{latin}?lang=en")
    notice = browser.find_element(By.ID, "look-alikes").text
    assert "Serials that look alike" in notice
    assert "character 4 is \"O\" (U+004F) here and \"\u041e\" (U+041E) there" in notice, notice
    shot(browser, f"look-alike-en-{width}")


@pytest.mark.parametrize("width", [1280, 360])
def test_the_alerts_show_on_the_dashboard_and_their_page_in_both_languages(browser, width):
    sign_in(browser, "clerk", "/alerts?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, "/?lang=es")
    panel = browser.find_element(By.ID, "alerts").text
    assert "Alertas" in panel and "Todas las alertas" in panel, panel
    go(browser, "/alerts?lang=es")
    page = text(browser)
    assert "Alertas" in page and "Todas (" in page, page[:500]
    assert browser.find_element(By.CSS_SELECTOR, "table.alerts td").get_attribute("data-l") == "Gravedad"
    rows = browser.find_elements(By.CSS_SELECTOR, "table.alerts tbody tr")
    assert rows, "the demo raises alerts in the clerk's zone"
    assert any(word in page for word in ["debía volver el", "no se cuenta por número de serie"]), page[:1000]
    assert_fits(browser, "the alerts")
    shot(browser, f"alerts-es-{width}")
    # A filter per rule; following one lists that rule only.
    link = browser.find_element(By.CSS_SELECTOR, "ul.filters a")
    rule = link.get_attribute("href").split("rule=")[1]
    link.click()
    WebDriverWait(browser, 10).until(lambda d: "rule=" in d.current_url)
    go(browser, f"/alerts?rule={rule}&lang=en")
    page = text(browser)
    assert "Alerts" in page and "All (" in page, page[:500]
    assert browser.find_element(By.CSS_SELECTOR, "table.alerts td").get_attribute("data-l") == "Severity"
    # Whichever rule the first filter is, its alerts are worded in English.
    assert any(word in page for word in ["was due back on", "has not been counted by serial", "reached", "has not arrived",
                                         "which is closed", "a MANPADS component, is missing", "losses or thefts under"]), page[:1000]
    assert_fits(browser, "the alerts")
    shot(browser, f"alerts-en-{width}")


@pytest.mark.parametrize("width", [1280, 360])
def test_the_policy_page_shows_the_pack_and_the_authorisations_in_both_languages(browser, width):
    sign_in(browser, "clerk", "/alerts?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, "/alerts?lang=es")
    browser.find_element(By.LINK_TEXT, "Política en vigor").click()
    WebDriverWait(browser, 10).until(lambda d: d.current_url.endswith("/policy"))
    page = text(browser)
    for wanted in ["Política en vigor", "La política estándar", "MANPADS (sus tres componentes)",
                   "Entrega, Devolución", "tiro de instrucción", "AUT-BROWSER", "En vigor"]:
        assert wanted in page, (wanted, page[:1500])
    rules = browser.find_elements(By.CSS_SELECTOR, "#rules tbody tr")
    assert len(rules) == 2, "the standard pack has a MANPADS rule and one for the rest"
    labels = [td.get_attribute("data-l") for td in rules[0].find_elements(By.TAG_NAME, "td")]
    assert labels[:2] == ["Categorías", "Necesitan una segunda persona"], labels
    assert_fits(browser, "the policy page")
    shot(browser, f"policy-es-{width}")
    go(browser, "/policy?lang=en")
    page = text(browser)
    for wanted in ["Policy in force", "The standard policy", "Issue, Return", "training firing", "AUT-BROWSER", "In force"]:
        assert wanted in page, (wanted, page[:1500])
    assert browser.find_element(By.CSS_SELECTOR, "#authorisations td").get_attribute("data-l") == "Holder"
    assert_fits(browser, "the policy page")
    shot(browser, f"policy-en-{width}")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_stocktake_is_counted_on_a_phone_in_both_languages(browser, width):
    sign_in(browser, "clerk", "/stocktakes?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, "/stocktakes?lang=es")
    assert "Inventarios" in text(browser)
    assert_fits(browser, "the stocktakes page")
    browser.find_element(By.CSS_SELECTOR, "#stocktakes tbody a[href^='/stocktakes/']").click()
    WebDriverWait(browser, 10).until(lambda d: "/stocktakes/" in d.current_url)
    # Two rifles of the site not yet counted today, and one serial read twice.
    today = time.strftime("%Y-%m-%d", time.gmtime())
    rows = query(
        """SELECT serial FROM items i WHERE holder = ? AND category = 'assault-rifle' AND status = 'held'
           AND (last_counted IS NULL OR last_counted < ?) AND (SELECT count(*) FROM items j WHERE j.serial = i.serial) = 1
           ORDER BY id LIMIT 2""",
        STOCKTAKE_SITE,
        today,
    )
    serials = [s for (s,) in rows]
    assert len(serials) == 2, rows
    box = browser.find_element(By.ID, "serials")
    # Each scan is checked as it is read: a serial not in the register and a repeated one are
    # flagged under the box before anything is sent.
    box.send_keys("NO-SUCH-SERIAL-9\n" + serials[0] + "\n" + serials[0] + "\n")
    WebDriverWait(browser, 10).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#scan-flags li")) == 2)
    flags = browser.find_element(By.ID, "scan-flags").text
    assert "Línea 1: NO-SUCH-SERIAL-9 no está en el registro" in flags, flags
    assert f"Línea 3: {serials[0]} está leído dos veces (también en la línea 2)" in flags, flags
    box.clear()
    box.send_keys("\n".join([serials[0], serials[1], serials[0]]))
    browser.find_element(By.CSS_SELECTOR, "#count button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "errsum"))
    page = text(browser)
    assert f"Línea 3: {serials[0]} está leído dos veces (también en la línea 1)" in page, page[:1500]
    assert_fits(browser, "the count page with its problems")
    shot(browser, f"stocktake-problems-es-{width}")
    box = browser.find_element(By.ID, "serials")
    box.clear()
    box.send_keys("\n".join(serials))
    browser.find_element(By.CSS_SELECTOR, "#count button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "recorded"))
    assert "2 registrados." in text(browser)
    assert_fits(browser, "the count page")
    shot(browser, f"stocktake-es-{width}")
    go(browser, urllib.parse.urlparse(browser.current_url).path.replace("/count", "") + "?lang=en")
    page = text(browser)
    assert "Progress" in page and "expected items counted" in page, page[:1500]
    assert_fits(browser, "the stocktake page")
    shot(browser, f"stocktake-en-{width}")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_sample_is_planned_drawn_examined_and_certified_in_both_languages(browser, width):
    sign_in(browser, "admin", "/samples?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, "/samples?lang=es")
    assert "Verificaciones por muestreo" in text(browser)
    assert_fits(browser, "the samples page")
    site = STOCKTAKE_SITE
    browser.find_element(By.ID, "holder").send_keys(site)
    browser.find_element(By.ID, "size").send_keys("3")
    browser.find_element(By.CSS_SELECTOR, "#plan button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "waiting"))
    plan_path = urllib.parse.urlparse(browser.current_url).path
    assert "La muestra aún no está sorteada" in text(browser)
    # Any later entry makes the checkpoint the draw rests on: another plan.
    go(browser, "/samples?lang=es")
    browser.find_element(By.ID, "holder").send_keys(site)
    browser.find_element(By.ID, "size").send_keys("1")
    browser.find_element(By.CSS_SELECTOR, "#plan button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "waiting"))
    go(browser, plan_path + "?lang=es")
    serials = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#drawn tbody tr td:first-child")]
    assert len(serials) == 3, serials
    box = browser.find_element(By.ID, "serials")
    box.send_keys("\n".join(serials))
    browser.find_element(By.CSS_SELECTOR, "#findings button").click()
    # The page is replaced after the post: a body read while it goes is read again.
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "3 de 3 artículos sorteados examinados" in text(d))
    page = text(browser)
    assert "3 de 3 artículos sorteados examinados" in page, page[:2000]
    assert "Certificado de verificación" in page and "como máximo" in page
    assert_fits(browser, "the certificate")
    shot(browser, f"sample-es-{width}")
    go(browser, plan_path + "?lang=en")
    page = text(browser)
    assert "Verification certificate" in page and "at most" in page and "Present and serviceable" in page, page[:2000]
    assert_fits(browser, "the certificate")
    shot(browser, f"sample-en-{width}")


def day_before(day):
    import datetime

    return (datetime.date.fromisoformat(day) - datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize("width", [1280, 360])
def test_an_item_and_a_holder_on_a_past_day_in_both_languages(browser, width):
    # An item issued to where it is now, and the day before its issue: where the ledger put
    # it by then (the last of its events that happened by the end of that day).
    then = None
    for (item_id, last_at) in query(
        """SELECT i.id, e.occurred_at FROM items i JOIN events e ON e.seq = i.last_seq
           WHERE i.status = 'held' AND e.kind = 'issue' AND substr(e.occurred_at, 1, 10) > '2026-02-01'
           ORDER BY i.id LIMIT 50"""
    ):
        day = day_before(last_at[:10])
        (kind, to) = query(
            """SELECT kind, target FROM (
                 SELECT e.seq AS seq, e.kind AS kind, json_extract(CAST(e.leaf AS TEXT), '$.to') AS target
                 FROM event_items ei JOIN events e ON e.seq = ei.seq
                 WHERE ei.item_id = ? AND e.occurred_at <= ? || 'T23:59:59Z' AND e.kind NOT IN ('count', 'condition', 'correction')
                 UNION ALL SELECT e.seq, 'register', json_extract(CAST(e.leaf AS TEXT), '$.to') FROM items i
                 JOIN events e ON e.seq = i.registered_seq WHERE i.id = ? AND e.occurred_at <= ? || 'T23:59:59Z')
               ORDER BY seq DESC LIMIT 1""",
            item_id,
            day,
            item_id,
            day,
        )[0]
        if kind in ("issue", "return", "receive", "register", "recovery", "maintenance-in") and to:
            then = to
            break
    assert then, "no held item issued after February had a holder the day before"
    sign_in(browser, "admin", f"/items/{item_id}?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, f"/items/{item_id}?lang=es")
    box = browser.find_element(By.ID, "as-of-day")
    browser.execute_script("arguments[0].value = arguments[1]", box, day)
    button = browser.find_element(By.CSS_SELECTOR, "#as-of button")
    button.click()
    WebDriverWait(browser, 10).until(lambda d: f"at={day}" in d.current_url)
    page = text(browser)
    assert "Así estaba el" in page, page[:2000]
    state = browser.find_element(By.CSS_SELECTOR, "section.card")
    assert state.find_elements(By.CSS_SELECTOR, f"a[href='/holders/{then}']"), f"{then} on {day}: {state.text}"
    assert_fits(browser, "the item on a past day")
    shot(browser, f"as-of-item-es-{width}")
    go(browser, f"/items/{item_id}?at={day}&lang=en")
    assert "As it stood at" in text(browser)
    # The holder on that day lists the item (on one of its pages).
    found = False
    for number in range(1, 30):
        go(browser, f"/holders/{then}?at={day}&page={number}&lang=es")
        if number == 1:
            assert "Lo que tenía ese día" in text(browser)
            assert_fits(browser, "the holder on a past day")
            shot(browser, f"as-of-holder-es-{width}")
        if browser.find_elements(By.CSS_SELECTOR, f"a[href='/items/{item_id}']"):
            found = True
            break
        if not browser.find_elements(By.CSS_SELECTOR, "a[rel='next']"):
            break
    assert found, f"{then} on {day} does not list item {item_id}"
    go(browser, f"/holders/{then}?at={day}&lang=en")
    assert "What it held itself that day" in text(browser)
    assert_fits(browser, "the holder on a past day")
    shot(browser, f"as-of-holder-en-{width}")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_plan_that_names_a_beacon_is_drawn_with_its_value_in_both_languages(browser, width):
    sign_in(browser, "admin", "/samples?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    go(browser, "/samples?lang=es")
    browser.find_element(By.ID, "holder").send_keys(STOCKTAKE_SITE)
    browser.find_element(By.ID, "size").send_keys("2")
    browser.find_element(By.ID, "beacon").send_keys("drand 5000000")
    browser.find_element(By.CSS_SELECTOR, "#plan button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "waiting"))
    plan_path = urllib.parse.urlparse(browser.current_url).path
    # Any later entry makes the checkpoint the draw rests on: another plan.
    go(browser, "/samples?lang=es")
    browser.find_element(By.ID, "holder").send_keys(STOCKTAKE_SITE)
    browser.find_element(By.ID, "size").send_keys("1")
    browser.find_element(By.CSS_SELECTOR, "#plan button").click()
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "waiting"))
    go(browser, plan_path + "?lang=es")
    assert "Valor publicado de drand 5000000" in text(browser)
    assert_fits(browser, "the beacon form")
    shot(browser, f"sample-beacon-es-{width}")
    browser.find_element(By.ID, "beaconValue").send_keys("a1b2c3d4")
    button = browser.find_element(By.CSS_SELECTOR, "#beacon button")
    button.click()
    WebDriverWait(browser, 10).until(gone(button))
    WebDriverWait(browser, 10, ignored_exceptions=(StaleElementReferenceException,)).until(
        lambda d: "Sorteada con el valor de drand 5000000 indicado como a1b2c3d4" in text(d))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#drawn tbody tr")) == 2
    assert_fits(browser, "the certificate with a beacon")
    go(browser, plan_path + "?beaconValue=a1b2c3d4&lang=en")
    assert "Drawn with the value of drand 5000000 given as a1b2c3d4" in text(browser)
    shot(browser, f"sample-beacon-en-{width}")


LOOK_ALIKE = {"0": "O", "1": "I", "2": "Z", "5": "S", "6": "G", "8": "B"}


@pytest.mark.parametrize("width", [1280, 360])
def test_a_damaged_mark_finds_its_item_from_the_search_box_in_both_languages(browser, width):
    # A rifle's serial read with one digit unreadable and another misread as a look-alike,
    # in small letters: the item is among the serials that may be the mark.
    (item_id, serial) = held_rifles(zone_depot(), 1)[0]
    chars = list(serial.lower())
    digits = [i for i, c in enumerate(chars) if c.isdigit()]
    assert len(digits) >= 3, serial
    chars[digits[-1]] = "?"
    misread = [i for i in digits[:-1] if chars[i] in LOOK_ALIKE]
    if misread:
        chars[misread[0]] = LOOK_ALIKE[chars[misread[0]]].lower()
    mark = "".join(chars)
    sign_in(browser, "admin")
    browser.set_window_size(width, 900 if width > 400 else 740)
    for (language, heading) in (("es", "Números de serie que pueden ser esta marca"), ("en", "Serials that may be this mark")):
        go(browser, f"/?lang={language}")
        box = browser.find_element(By.ID, "q")
        box.send_keys(mark)
        box.submit()
        WebDriverWait(browser, 10).until(lambda d: "/search" in d.current_url)
        section = browser.find_element(By.ID, "marks")
        assert heading in section.text, section.text[:500]
        links = section.find_elements(By.CSS_SELECTOR, f"a[href='/items/{item_id}']")
        assert links and links[0].text == serial, f"{serial} read as {mark}: {section.text[:1000]}"
        row = links[0].find_element(By.XPATH, "./ancestor::tr")
        assert ("ilegibles: 1" if language == "es" else "unread: 1") in row.text, row.text
        assert_fits(browser, f"the damaged-mark search ({language})")
        shot(browser, f"damaged-mark-{language}-{width}")
    # Narrowed by the model in the open panel of other markings: another model hides it,
    # its own shows it.
    (model,) = query("SELECT model FROM items WHERE id = ?", item_id)[0]
    for (given, found) in (("NO-SUCH-MODEL", False), (model, True)):
        field = browser.find_element(By.ID, "n-model")
        assert field.is_displayed(), "the panel of other markings is open"
        field.clear()
        field.send_keys(given)
        field.submit()
        WebDriverWait(browser, 10).until(lambda d: "model=" in d.current_url)
        links = browser.find_elements(By.CSS_SELECTOR, f"#marks a[href='/items/{item_id}']")
        assert bool(links) == found, f"model {given}: {text(browser)[:800]}"
        assert_fits(browser, f"the damaged-mark search narrowed by model {given}")
    shot(browser, f"damaged-mark-narrowed-{width}")


@pytest.mark.parametrize("width", [1280, 360])
def test_a_zone_clerk_is_told_what_an_items_chain_hides_in_both_languages(browser, width):
    # A rifle held in the clerk's zone, registered at a depot outside it: its registration
    # names no holder of the zone, so the clerk does not see it, and is told so.
    zone = subtree(ZONE)
    found = None
    for (item_id, holder, registered_at) in query(
        """SELECT i.id, i.holder, json_extract(CAST(e.leaf AS TEXT), '$.to') FROM items i JOIN events e ON e.seq = i.registered_seq
           WHERE i.status = 'held' ORDER BY i.id"""
    ):
        if holder in zone and registered_at not in zone:
            found = (item_id, registered_at)
            break
    assert found, f"no item held in {ZONE} was registered outside it"
    (item_id, outside) = found
    sign_in(browser, "clerk", f"/items/{item_id}?lang=es")
    browser.set_window_size(width, 900 if width > 400 else 740)
    for (language, said) in (("es", "No se muestran"), ("en", "are not shown")):
        go(browser, f"/items/{item_id}?lang={language}")
        note = browser.find_element(By.ID, "hidden-entries")
        assert said in note.text and f"({ZONE})" in note.text, note.text
        assert not browser.find_elements(By.CSS_SELECTOR, f"a[href='/holders/{outside}']"), f"{outside} is linked"
        assert_fits(browser, f"an item whose chain is partly hidden ({language})")
        shot(browser, f"hidden-entries-{language}-{width}")
