"""The real web app at its edges: deleted is deleted, odd characters and oversized requests,
idle sessions. A real server over the real index, driven over HTTP with the browser's own
UI events (`ui_events.BrowserSession`) and with `gradio_client`."""

from __future__ import annotations

import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_app_server import Served, client, served_app
from ui_events import BrowserSession, UiError, api_call

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


@pytest.fixture
def browser(served: Served) -> Iterator[BrowserSession]:
    session = BrowserSession(served.url, served.app).open()
    yield session
    session.close()


def _files_containing(needles: list[str], roots: list[Path], since: float) -> list[str]:
    """Files under `roots` changed since `since` whose bytes contain any of `needles`."""
    wanted = [n.encode() for n in needles]
    found = []
    for root in roots:
        for folder, _dirs, names in os.walk(root):
            for name in names:
                path = os.path.join(folder, name)
                try:
                    info = os.stat(path, follow_symlinks=False)
                    if info.st_mtime < since - 1 or info.st_size > 50_000_000:
                        continue
                    with open(path, "rb") as handle:
                        data = handle.read()
                except OSError:  # vanished or unreadable: someone else's temp file
                    continue
                if any(w in data for w in wanted):
                    found.append(path)
    return found


def _gradio_cache() -> Path:
    from gradio.utils import get_upload_folder

    return Path(get_upload_folder())


# -- deleted is deleted -------------------------------------------------------------------------


def test_nothing_of_a_deleted_session_can_be_fetched_or_found_on_disk(
    served: Served, browser: BrowserSession
) -> None:
    started = time.time()
    word = f"geheimwoord{secrets.token_hex(6)}"
    browser.send(f"Wij zijn drie gemeenten, {word}.")
    browser.send(f"Bij {word} vergaderen we veel, maar er gebeurt weinig.")
    code, url = browser.code, browser.download_url
    assert url and code
    summary = httpx.get(url)
    assert summary.status_code == 200 and word in summary.text  # the download worked
    path = Path(url.split("file=", 1)[1])
    assert path.is_relative_to(served.home / "exports")  # under COACH_HOME, not in /tmp
    assert _files_containing([word, code], [served.home], started)  # found before deleting

    browser.delete()

    assert browser.code != code
    assert httpx.get(url).status_code in (403, 404)
    roots = [Path(tempfile.gettempdir()), _gradio_cache(), served.home]
    assert _files_containing([word, code], roots, started) == []
    assert not served.coach.store.exists(code)


def test_the_export_folder_is_cleaned_at_start_and_stop(served: Served, tmp_path: Path) -> None:
    from coach.ui.app import create_app

    root = tmp_path / "exports"
    stale = root / "999999999-deadbeef" / "abc"  # a server that was killed
    stale.mkdir(parents=True)
    (stale / "samenvatting.md").write_text("oud", encoding="utf-8")
    app = create_app(served.coach, exports_dir=root)
    assert not stale.parent.exists()
    from test_app_server import free_port

    _, url, _ = app.launch(
        prevent_thread_lock=True, server_name="127.0.0.1", server_port=free_port(), quiet=True
    )
    try:
        session = BrowserSession(str(url), app).open()
        session.send("Wij zijn twee scholen.")
        assert session.download_url and list(root.rglob("*.md"))
        session.close()
    finally:
        app.close()
    assert list(root.rglob("*")) == []


# -- nothing stored before the user sends something ---------------------------------------------


def test_a_page_load_stores_no_session_until_the_first_message(served: Served) -> None:
    before = {s.id for s in served.coach.list_sessions()}
    visits = [BrowserSession(served.url, served.app).open() for _ in range(3)]
    client(served.url).predict("nl", "", api_name="/start")
    assert {s.id for s in served.coach.list_sessions()} == before
    assert all(v.code == "" and v.download_url is None for v in visits)
    visits[0].send("Wij zijn drie gemeenten.")
    added = {s.id for s in served.coach.list_sessions()} - before
    assert added == {visits[0].code}
    assert [r.user_text for r in served.coach.history(visits[0].code)] == [
        None,
        "Wij zijn drie gemeenten.",
    ]
    for visit in visits:
        visit.close()


# -- one odd character --------------------------------------------------------------------------


def test_a_lone_surrogate_through_the_ui_leaves_the_session_working(
    served: Served, browser: BrowserSession
) -> None:
    browser.send("\ud800")
    browser.send("Wij zijn drie gemeenten en twee zorgaanbieders.")
    chat = browser.send("We vergaderen veel, maar er gebeurt weinig.")
    assert len(chat) > 4
    shown = browser.user_texts()
    assert shown == [
        "?",
        "Wij zijn drie gemeenten en twee zorgaanbieders.",
        "We vergaderen veel, maar er gebeurt weinig.",
    ]
    stored = [r.user_text for r in served.coach.history(browser.code)[1:]]
    assert stored == shown


def test_a_lone_surrogate_over_the_api_is_stored_cleaned(served: Served) -> None:
    c = client(served.url)
    first = c.predict("Wij zijn drie gemeenten.", api_name="/chat_json")
    turn = api_call(served.url, "chat_json", ["samen\udcff werken"], c.session_hash)
    assert "error" not in turn and turn["session"] == first["session"]
    assert c.predict("We vergaderen veel.", api_name="/chat")
    stored = [r.user_text for r in served.coach.history(first["session"])[1:]]
    assert stored == ["Wij zijn drie gemeenten.", "samen? werken", "We vergaderen veel."]


# -- bounded input ------------------------------------------------------------------------------


def test_an_oversized_message_is_refused_with_the_limit_and_nothing_is_stored(
    served: Served,
) -> None:
    limit = served.coach.settings.max_request_chars
    c = client(served.url)
    first = c.predict("Wij zijn drie gemeenten.", api_name="/chat_json")
    with pytest.raises(httpx.HTTPStatusError) as refused:
        c.predict("x" * (limit + 1), api_name="/chat")
    assert refused.value.response.status_code == 413
    assert f"{limit} tekens" in refused.value.response.json()["error"]
    turn = c.predict("y" * limit, api_name="/chat_json")  # at the limit: cut, with a notice
    assert "error" not in turn and str(served.coach.settings.max_message_chars) in turn["notice"]
    stored = [r.user_text for r in served.coach.history(first["session"])[1:]]
    assert stored == ["Wij zijn drie gemeenten.", "y" * served.coach.settings.max_message_chars]


def test_an_oversized_ui_message_is_refused_before_it_is_echoed(
    served: Served, browser: BrowserSession
) -> None:
    before = browser.chat
    with pytest.raises(UiError, match=r"HTTP 413.*te lang"):
        browser.event("echo", "z" * 1_000_000, None)
    assert browser.chat == before
    browser.send("Wij zijn vier scholen.")
    assert [r.user_text for r in served.coach.history(browser.code)[1:]] == [
        "Wij zijn vier scholen."
    ]


def test_the_refusal_follows_the_browsers_language(served: Served) -> None:
    response = httpx.post(
        served.url.rstrip("/") + "/gradio_api/queue/join",
        content=b'{"data": ["' + b"a" * 300_000 + b'"]}',
        headers={"content-type": "application/json", "accept-language": "en-GB,en;q=0.9"},
    )
    assert response.status_code == 413
    assert response.json()["error"].startswith("This message is too long")


def test_the_chat_box_does_not_let_a_browser_type_past_the_limit(served: Served) -> None:
    box = next(b for b in served.app.blocks.values() if getattr(b, "elem_id", "") == "bc-input")
    assert box.max_length == served.coach.settings.max_request_chars


# -- idle sessions ------------------------------------------------------------------------------


@pytest.fixture
def quickly_idle(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Any]:
    yield from served_app(tmp_path_factory, real_index_home, COACH_IDLE_TIMEOUT="2")


def test_idle_sessions_are_forgotten_and_a_browser_continues_from_its_code(
    quickly_idle: Served,
) -> None:
    served = quickly_idle
    holder = served.app.server_app.state_holder
    browser = BrowserSession(served.url, served.app).open()
    browser.send("Wij zijn drie gemeenten.")
    api = client(served.url)
    api.predict("Wij zijn twee scholen.", api_name="/chat")
    export = Path(str(browser.download_url).split("file=", 1)[1])
    assert export.exists() and browser.session_hash in holder.session_data

    deadline = time.time() + 30
    while time.time() < deadline and holder.session_data:
        time.sleep(0.5)
    assert browser.session_hash not in holder.session_data
    assert api.session_hash not in holder.session_data
    assert not export.exists()  # the state's delete callback removed its download

    code = browser.code
    browser.send("We vergaderen veel, maar er gebeurt weinig.")
    assert browser.code == code
    assert browser.user_texts() == [
        "Wij zijn drie gemeenten.",
        "We vergaderen veel, maar er gebeurt weinig.",
    ]
    browser.close()
