"""1,000 fuzzed messages to a real server over `gradio_client`: no tracebacks, no error
replies, no lost turns.

Four clients at once send random text of every kind a user or an attacker types:
any unicode (lone surrogates included), control characters, emoji, HTML and
script, numbers and ratings, commands, empty text, and huge strings on both sides
of the request cap. Every accepted message must be stored once, in order, as its
cleaned text; every refused one (longer than `max_request_chars`) must get 413
and not be stored. `gradio_client` (httpx) cannot encode a lone surrogate, so
messages that hold one go to the same endpoint in the same session as a
browser's JSON would carry them (`ui_events.api_call`). Set COACH_FUZZ_SEED to
replay a run.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from test_app_server import Served, client, served_app
from ui_events import api_call

from coach.service import clean_user_text
from coach.ui.render import load_ui_text

pytestmark = pytest.mark.slow

N_INPUTS = 1000
N_CLIENTS = 4
SEED = int(os.environ.get("COACH_FUZZ_SEED", "20260808"))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, real_index_home: Path) -> Iterator[Served]:
    yield from served_app(tmp_path_factory, real_index_home)


# -- what gets sent -----------------------------------------------------------------------------

WORDS = [
    "wij",
    "zijn",
    "drie",
    "gemeenten",
    "vergaderen",
    "veel",
    "maar",
    "er",
    "gebeurt",
    "weinig",
    "commitment",
    "voortgang",
]
HTML = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(3)">klik</a>',
    "[link](javascript:alert(4)) ![x](http://example.com/x.png)",
    "</textarea><svg onload=alert(5)>",
    "{{7*7}} ${7*7} %s %n {0}",
    "'; DROP TABLE turns; --",
]
COMMANDS = [
    "hulp",
    "help",
    "overslaan",
    "skip",
    "terug",
    "back",
    "samenvatting",
    "summary",
    "opnieuw",
    "restart",
    "stop",
    "/skip",
    "Terug!",
    "verder",
    "nee",
    "alle",
    "1 en 3",
]
NUMBERS = [
    "4",
    "vier",
    "4/2/3",
    "4 2 3",
    "-1",
    "3,5",
    "3.5",
    "1e9",
    "5/5/5/5",
    "0",
    "999999",
    "commitment 4, voortgang 2, resultaat 3",
    "resultaat -3",
    "1 2 3 4 5 6 7",
    "NaN",
]
EMOJI = "😀🙂🤝🏽👩‍👩‍👧‍👦🇳🇱❤️🔥✨🧪"


def _random_unicode(rng: random.Random, n: int) -> str:
    out = []
    for _ in range(n):
        plane = rng.random()
        if plane < 0.5:
            out.append(chr(rng.randint(0x20, 0x2FF)))
        elif plane < 0.8:
            out.append(chr(rng.randint(0x300, 0xFFFD)))  # may hit lone surrogates D800-DFFF
        else:
            out.append(chr(rng.randint(0x10000, 0x10FFFF)))
    return "".join(out)


def _message(rng: random.Random, cap: int) -> str:
    kind = rng.choices(
        [
            "unicode",
            "surrogate",
            "control",
            "emoji",
            "html",
            "number",
            "command",
            "empty",
            "words",
            "huge",
        ],
        weights=[14, 8, 8, 8, 10, 14, 12, 6, 14, 6],
    )[0]
    if kind == "unicode":
        return _random_unicode(rng, rng.randint(1, 200))
    if kind == "surrogate":
        lone = chr(rng.randint(0xD800, 0xDFFF))
        return rng.choice([lone, f"samen{lone}werken", lone * rng.randint(1, 5) + " 4"])
    if kind == "control":
        return "".join(chr(rng.randint(0, 31)) if rng.random() < 0.5 else "a" for _ in range(40))
    if kind == "emoji":
        return "".join(rng.choice(EMOJI) for _ in range(rng.randint(1, 60)))
    if kind == "html":
        return rng.choice(HTML)
    if kind == "number":
        return rng.choice(NUMBERS)
    if kind == "command":
        return rng.choice(COMMANDS)
    if kind == "empty":
        return rng.choice(["", " ", "\n\t", "\u200b", "\ufeff"])
    if kind == "words":
        return " ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 40)))
    size = rng.choice([4001, 10_000, cap - 1, cap, cap + 1, 2 * cap, 1_000_000])
    return rng.choice(["ab ", "é", "😀", "<b>"]) * (size // 3 + 1)


# -- one client ---------------------------------------------------------------------------------


@dataclass
class Run:
    """What one client sent, what the server kept, what went wrong."""

    session: str = ""
    expected: list[str] = field(default_factory=list)  # cleaned texts of accepted messages
    refused: int = 0
    problems: list[str] = field(default_factory=list)


def _talk(
    url: str, messages: list[str], cap: int, limit: int, is_error: Callable[[str], bool]
) -> Run:
    """Send `messages` one by one in one client's session; note what should be stored."""
    run = Run()
    c = client(url)
    run.session = c.predict("Wij zijn drie gemeenten.", api_name="/chat_json")["session"]
    run.expected.append("Wij zijn drie gemeenten.")
    for i, text in enumerate(messages):
        endpoint = "chat_json" if i % 2 else "chat"
        try:
            if any(0xD800 <= ord(ch) <= 0xDFFF for ch in text):
                answer: Any = api_call(url, endpoint, [text], c.session_hash)
            else:
                answer = c.predict(text, api_name=f"/{endpoint}")
        except httpx.HTTPStatusError as exc:
            if len(text) > cap and exc.response.status_code == 413:
                run.refused += 1
            else:
                run.problems.append(f"{text[:40]!r}: {exc}")
            continue
        except Exception as exc:  # any other failure is a finding
            run.problems.append(f"{text[:40]!r}: {type(exc).__name__}: {str(exc)[:200]}")
            continue
        if len(text) > cap:
            run.problems.append(f"{len(text)} characters were accepted")
            continue
        if isinstance(answer, dict):  # /chat_json: the turn, or {"error": ...}
            reply, failed = str(answer.get("error") or answer.get("text", "")), "error" in answer
        else:  # /chat: the reply text
            reply, failed = str(answer), False
        if failed or is_error(reply):
            run.problems.append(f"{text[:40]!r} → {reply[:200]}")
        # On the wire (JSON, UTF-16 escapes) a high surrogate followed by a low one is one
        # character; the server cleans what it received.
        received = json.loads(json.dumps(text))
        run.expected.append(clean_user_text(received, limit)[0])
    return run


def test_a_thousand_fuzzed_messages_give_no_errors_and_lose_no_turn(served: Served) -> None:
    settings = served.coach.settings
    cap, limit = settings.max_request_chars, settings.max_message_chars
    ui = load_ui_text(settings.prompts_dir)
    failures = [ui.get("error_generic", lang) for lang in ("nl", "en")]
    known = [ui.get("error_known", lang, message="").strip() for lang in ("nl", "en")]

    def is_error(reply: str) -> bool:
        return "Traceback" in reply or any(reply.startswith(f) for f in failures + known)

    rng = random.Random(SEED)
    messages = [_message(rng, cap) for _ in range(N_INPUTS)]
    batches = [messages[i::N_CLIENTS] for i in range(N_CLIENTS)]
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=N_CLIENTS) as pool:
        runs = list(pool.map(lambda b: _talk(served.url, b, cap, limit, is_error), batches))
    seconds = time.perf_counter() - started

    problems = [p for run in runs for p in run.problems]
    assert problems == [], f"seed {SEED}: {problems[:10]}"
    oversize = sum(len(m) > cap for m in messages)
    assert sum(run.refused for run in runs) == oversize
    for run in runs:
        stored = [r.user_text for r in served.coach.history(run.session)[1:]]
        diff = next(
            (
                (i, a, b)
                for i, (a, b) in enumerate(zip(stored, run.expected, strict=False))
                if a != b
            ),
            (len(run.expected), len(stored), len(run.expected)),
        )
        assert stored == run.expected, f"seed {SEED}: turns lost, doubled or changed: {diff!r}"
    print(
        f"\nFUZZ seed {SEED}: {N_INPUTS} messages, {N_INPUTS - oversize} stored, "
        f"{oversize} refused (413), {N_CLIENTS} clients, {seconds:.1f} s"
    )
