"""Languages (issue 20): which language a reader sees, the picker on every page, right to left.

The real catalogues (pbapp/translations) may not exist yet, so these tests make tiny catalogues
of their own with Babel (``make_catalogue``) in a temporary directory and point the app at it:
a language is offered exactly when its compiled catalogue exists.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po
from sqlalchemy import select

from config import TestConfig
from pbapp import create_app, i18n
from pbapp.extensions import db
from pbapp.models import Neighbourhood, User

# A message base.html shows on every page, and its Arabic (enough to see a catalogue is read).
SKIP_LINK = "Skip to main content"
SKIP_LINK_AR = "انتقل إلى المحتوى الرئيسي"


def make_catalogue(directory: Path, code: str, messages: dict[str, str] | None = None) -> Path:
    """A compiled catalogue for ``code`` in ``directory`` (``<code>/LC_MESSAGES/messages.mo``,
    with its .po beside it), holding ``messages`` (English -> translation)."""
    catalog = Catalog(locale=code, domain="messages")
    for english, translated in (messages or {}).items():
        catalog.add(english, translated)
    folder = directory / code / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "messages.po", "wb") as po:
        write_po(po, catalog)
    with open(folder / "messages.mo", "wb") as mo:
        write_mo(mo, catalog)
    return folder / "messages.mo"


def app_with_catalogues(database_url: str, directory: Path, **settings):
    config = TestConfig(database_url)
    config.BABEL_TRANSLATION_DIRECTORIES = str(directory)
    for name, value in settings.items():
        setattr(config, name, value)
    return create_app(config)


@pytest.fixture()
def catalogues(tmp_path: Path) -> Path:
    """Catalogues for Arabic and Polish (Urdu, Slovak and Somali have none here)."""
    make_catalogue(tmp_path, "ar", {SKIP_LINK: SKIP_LINK_AR})
    make_catalogue(tmp_path, "pl")
    return tmp_path


@pytest.fixture()
def multilingual(app, database_url, catalogues):
    """An app offering English, Arabic and Polish (the ``app`` fixture keeps the tables clean)."""
    made = app_with_catalogues(database_url, catalogues)
    yield made
    with made.app_context():
        db.engine.dispose()


def html_tag(response) -> str:
    return re.search(r"<html[^>]*>", response.get_data(as_text=True)).group(0)


def token(client, url: str = "/") -> str:
    page = client.get(url).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def choose(client, language: str, next_: str | None = "/", **extra):
    data = {"csrf_token": token(client), "language": language, **extra}
    if next_ is not None:
        data["next"] = next_
    return client.post("/language", data=data)


# --- The registry -----------------------------------------------------------------------------


def test_the_registry_names_each_language_in_its_own_words():
    assert [(lang.code, lang.name, lang.direction) for lang in i18n.REGISTRY] == [
        ("en", "English", "ltr"),
        ("ar", "العربية", "rtl"),
        ("ur", "اردو", "rtl"),
        ("pl", "Polski", "ltr"),
        ("sk", "Slovenčina", "ltr"),
        ("so", "Soomaali", "ltr"),
    ]
    assert [lang.code for lang in i18n.REGISTRY if not lang.reviewed] == [
        "ar",
        "ur",
        "pl",
        "sk",
        "so",
    ]


def test_only_english_is_offered_without_catalogues(app, database_url, tmp_path):
    bare = app_with_catalogues(database_url, tmp_path)
    with bare.app_context():
        assert i18n.offered() == [i18n.ENGLISH]
        db.engine.dispose()


def test_a_language_is_offered_once_its_catalogue_is_compiled(app, database_url, tmp_path):
    made = app_with_catalogues(database_url, tmp_path)
    with made.app_context():
        make_catalogue(tmp_path, "ur")
        assert [lang.code for lang in i18n.offered()] == ["en", "ur"]
        (tmp_path / "ur" / "LC_MESSAGES" / "messages.mo").unlink()  # a .po alone is not enough
        assert [lang.code for lang in i18n.offered()] == ["en"]
        db.engine.dispose()


# --- The choice: saved, cookie, browser, English ------------------------------------------------


def test_english_when_the_browser_asks_for_nothing_offered(multilingual):
    client = multilingual.test_client()
    assert 'lang="en-GB" dir="ltr"' in html_tag(client.get("/"))
    asked = client.get("/", headers={"Accept-Language": "de-DE,fr;q=0.8"})
    assert 'lang="en-GB"' in html_tag(asked)


def test_the_browsers_best_match_is_used(multilingual):
    client = multilingual.test_client()
    page = client.get("/", headers={"Accept-Language": "ar-SA,ar;q=0.9,en;q=0.5"})
    assert html_tag(page) == '<html lang="ar" dir="rtl">'
    assert SKIP_LINK_AR in page.get_data(as_text=True)
    # Urdu has no catalogue here: the next offered choice of the browser wins.
    page = client.get("/", headers={"Accept-Language": "ur,pl;q=0.8"})
    assert html_tag(page) == '<html lang="pl" dir="ltr">'


def test_the_cookie_wins_over_the_browser(multilingual):
    client = multilingual.test_client()
    client.set_cookie("lang", "pl")
    page = client.get("/", headers={"Accept-Language": "ar"})
    assert html_tag(page) == '<html lang="pl" dir="ltr">'
    client.set_cookie("lang", "xx")  # not a language we have: ignored
    assert 'lang="ar"' in html_tag(client.get("/", headers={"Accept-Language": "ar"}))
    client.set_cookie("lang", "ur")  # in the registry but no catalogue: ignored
    assert 'lang="en-GB"' in html_tag(client.get("/"))


def sign_in_to(app, user) -> object:
    from tests.conftest import PASSWORD

    client = app.test_client()
    page = client.get("/account/sign-in").text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    signed = client.post(
        "/account/sign-in", data={"csrf_token": csrf, "email": user.email, "password": PASSWORD}
    )
    assert signed.status_code == 302
    return client


def test_a_signed_in_persons_saved_language_wins_over_the_cookie(multilingual, create_user):
    user = create_user()
    user.language = "ar"
    db.session.commit()
    client = sign_in_to(multilingual, user)
    client.set_cookie("lang", "pl")
    assert html_tag(client.get("/account/")) == '<html lang="ar" dir="rtl">'


# --- The picker ----------------------------------------------------------------------------------


def test_the_picker_is_on_every_page_with_each_language_in_its_own_words(multilingual):
    client = multilingual.test_client()
    body = client.get("/neighbourhoods/?sort=name").get_data(as_text=True)
    picker = body[
        body.index('action="/language"') : body.index("</form>", body.index('action="/language"'))
    ]
    assert 'name="csrf_token"' in picker
    assert 'name="next" value="/neighbourhoods/?sort=name"' in picker
    assert '<label for="language-choice">Language</label>' in picker
    assert ">English</option>" in picker
    assert ">العربية – awaiting review by native speakers</option>" in picker
    assert ">Polski – awaiting review by native speakers</option>" in picker
    assert "Slovenčina" not in picker  # no catalogue, not offered
    assert 'value="ar" lang="ar" dir="rtl"' in picker
    assert "awaiting review by native speakers." not in body  # English is the source


def test_an_unreviewed_language_says_so_on_every_page(multilingual):
    client = multilingual.test_client()
    client.set_cookie("lang", "pl")
    body = client.get("/about/data").get_data(as_text=True)
    assert "This translation is awaiting review by native speakers." in body
    assert 'Language <span lang="en-GB">(Language)</span>' in body  # a way back for anyone


def test_choosing_a_language_keeps_the_reader_on_the_page_and_sets_the_cookie(multilingual):
    client = multilingual.test_client()
    response = choose(client, "ar", "/neighbourhoods/?sort=name")
    assert response.status_code == 303
    assert response.headers["Location"] == "/neighbourhoods/?sort=name"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=ar;")
    assert "Max-Age=31536000" in cookie
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # the test app is served over plain http
    page = client.get("/neighbourhoods/?sort=name")
    assert html_tag(page) == '<html lang="ar" dir="rtl">'


def test_the_cookie_is_secure_when_the_app_says_cookies_are(app, database_url, catalogues):
    secure = app_with_catalogues(database_url, catalogues, SESSION_COOKIE_SECURE=True)
    client = secure.test_client()
    with secure.app_context():
        response = choose(client, "pl")
        db.engine.dispose()
    assert "Secure" in response.headers["Set-Cookie"]


def test_the_choice_is_saved_for_a_signed_in_person(multilingual, create_user):
    user = create_user()
    client = sign_in_to(multilingual, user)
    assert choose(client, "pl", "/account/").headers["Location"] == "/account/"
    db.session.expire_all()
    assert db.session.scalar(select(User.language).where(User.id == user.id)) == "pl"
    # Another browser, no cookie: the saved language follows the person.
    other = sign_in_to(multilingual, user)
    assert html_tag(other.get("/account/")) == '<html lang="pl" dir="ltr">'


@pytest.mark.parametrize(
    "next_",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "\\\\evil.example",
        "javascript:alert(1)",
        "evil.example",
        "/%0D%0ASet-Cookie:x=1".replace("%0D%0A", "\r\n"),
        "",
        None,
        "/" + "a" * 3000,
    ],
)
def test_next_never_leads_off_the_site(multilingual, next_):
    client = multilingual.test_client()
    response = choose(client, "ar", next_)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert response.headers["Set-Cookie"].startswith("lang=ar;")


def test_an_unknown_language_is_refused_with_a_clear_message(multilingual, create_user):
    client = multilingual.test_client()
    for code in ("xx", "ur", "", "<script>"):  # unknown; known but no catalogue; empty; markup
        response = choose(client, code, "/about/data")
        assert response.status_code == 303
        assert response.headers["Location"] == "/about/data"
        assert "Set-Cookie" not in response.headers or "lang=" not in response.headers["Set-Cookie"]
        page = client.get("/about/data").get_data(as_text=True)
        assert "That language is not available. Choose one of the languages in the list." in page
        assert 'lang="en-GB"' in page


def test_the_picker_needs_its_csrf_token(multilingual):
    client = multilingual.test_client()
    response = client.post("/language", data={"language": "ar", "next": "/"})
    assert response.status_code == 400
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_the_service_refuses_a_language_not_offered(multilingual, create_user):
    from pbapp.services.accounts.language import set_language
    from pbapp.services.errors import FieldError

    user = create_user()
    with multilingual.test_request_context("/"):
        set_language(user, "pl")
        assert user.language == "pl"
        with pytest.raises(FieldError, match="That language is not available"):
            set_language(user, "sk")
    assert user.language == "pl"


def test_pages_vary_by_language_for_caches(multilingual):
    response = multilingual.test_client().get("/")
    assert {"Accept-Language", "Cookie"} <= set(response.vary)


def test_rtl_pages_use_the_mirrored_stylesheet_rules():
    """The stylesheets use logical properties only: no left/right that would not mirror."""
    root = Path(__file__).resolve().parent.parent / "static" / "css"
    physical = re.compile(
        r"(?<![-\w])(margin|padding|border)-(left|right)\b|(?<![-\w])(left|right):"
    )
    found = [
        f"{sheet.name}:{n}: {line.strip()}"
        for sheet in sorted(root.glob("*.css"))
        for n, line in enumerate(sheet.read_text().splitlines(), 1)
        if physical.search(line) or re.search(r"text-align:\s*(left|right)", line)
        if "[dir=" not in line  # the right-to-left exceptions say so
    ]
    assert found == []


def test_the_scripts_words_come_with_the_page_in_english_as_before(multilingual):
    import json

    body = multilingual.test_client().get("/").get_data(as_text=True)
    words = json.loads(re.search(r'id="script-words">(.*?)</script>', body).group(1))
    assert words["filter_label"] == "Type part of the name to shorten the list"
    assert words["filter_matches"] == {
        "one": "%(count)s neighbourhood matches",
        "other": "%(count)s neighbourhoods match",
    }
    assert words["projects_over"]["other"] == (
        "You have chosen %(count)s projects of at most %(limit)s: too many. Untick one."
    )


def test_the_scripts_plurals_have_every_form_of_the_language(multilingual):
    import json

    client = multilingual.test_client()
    client.set_cookie("lang", "ar")
    body = client.get("/").get_data(as_text=True)
    words = json.loads(re.search(r'id="script-words">(.*?)</script>', body).group(1))
    assert set(words["projects"]) == {"zero", "one", "two", "few", "many", "other"}


def test_vocabulary_labels_show_in_the_readers_language(
    app, database_url, tmp_path, neighbourhoods
):
    """Phase names, themes and statuses are English in the models (the API and published
    documents use them) and shown in the reader's language on pages (the ``words`` filter)."""
    from tests.pb_factories import make_process

    make_catalogue(tmp_path, "pl", {"Voting open": "Głosowanie otwarte"})
    polish = app_with_catalogues(database_url, tmp_path)
    make_process("voting", neighbourhoods=[neighbourhoods[0]])
    client = polish.test_client()
    english = client.get("/processes/").get_data(as_text=True)
    client.set_cookie("lang", "pl")
    translated = client.get("/processes/").get_data(as_text=True)
    with polish.app_context():
        db.engine.dispose()
    assert "Voting open" in english and "Głosowanie otwarte" not in english
    assert "Głosowanie otwarte" in translated and "Voting open" not in translated


def test_the_api_answers_in_english_whatever_the_client_asks(multilingual):
    from pbapp.i18n import select_locale

    asks = {"Accept-Language": "pl", "Cookie": "lang=pl"}
    with multilingual.test_request_context("/api/v1/processes", headers=asks):
        assert select_locale() == "en"
    with multilingual.test_request_context("/processes/", headers=asks):
        assert select_locale() == "pl"


def test_mail_goes_out_in_the_recipients_language_whoever_sends_it(
    app, database_url, tmp_path, create_user, neighbourhoods
):
    """An officer reading in English reviews a Polish speaker's proposal: the notice is in
    Polish; a resident who registers in Polish keeps Polish for their mail."""
    from pbapp.models import User
    from pbapp.models.mail import OutboxMessage
    from pbapp.services.accounts import users
    from pbapp.services.notifications import notices
    from tests.pb_factories import make_process, make_proposal

    subject = "Your proposal has been reviewed"
    make_catalogue(tmp_path, "pl", {subject: "Twoja propozycja została oceniona"})
    author_id = create_user(email="ola@example.org").id
    area_id = neighbourhoods[0].id
    polish = app_with_catalogues(database_url, tmp_path)
    with polish.test_request_context("/", headers={"Accept-Language": "en"}):
        author = db.session.get(User, author_id)
        author.language = "pl"
        process = make_process("review", neighbourhoods=[db.session.get(Neighbourhood, area_id)])
        proposal = make_proposal(process.budgets[0], "Ławki", 500, author=author)
        notices.proposal_reviewed(proposal)
        sent = db.session.scalars(select(OutboxMessage)).all()
        assert [m.subject for m in sent] == ["Twoja propozycja została oceniona"]
        assert 'lang="pl"' in sent[0].body_html
        db.session.rollback()
    with polish.test_request_context("/", headers={"Accept-Language": "pl"}):
        made = users.register_resident(
            name="Jan",
            email="jan@example.org",
            password="a long pass phrase 42",
            neighbourhood_id=area_id,
        )
        assert made.language == "pl"
        db.session.rollback()
        db.engine.dispose()
