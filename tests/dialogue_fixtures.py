"""Hand-made cards, passages and hits for the dialogue tests (no corpus files, no index).

`FakeSearch` stands in for retrieval: it ranks the fixture passages by shared
word stems with the query, best first, deterministically. `talk` drives a
conversation the way the service does (queries_for -> search -> step) and
checks the state round trip after every step.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import yaml

from coach.dialogue import machine
from coach.dialogue.content import DialogueContent, load_content
from coach.dialogue.language import stems
from coach.dialogue.state import DialogueState
from coach.models import Card, Hit, Passage, Section, Source, Understanding
from coach.understanding.bank import load_bank
from coach.understanding.reader import MessageReader

PROMPTS = Path(__file__).resolve().parent.parent / "prompts"

SOURCE = Source(
    title="Leren samenwerken tussen organisaties",
    authors=("Edwin Kaats", "Wilfrid Opheij"),
    year=2012,
    publisher="Kluwer",
    url="https://www.managementboek.nl/boek/9789013094879/leren-samenwerken-tussen-organisaties-edwin-kaats",
)

CENTRAL = (
    "Is iedereen voldoende gecommitteerd aan de afspraken? Ben je hierover met elkaar in gesprek?",
    "Hoe ga je om met nieuwe ontwikkelingen en nieuwe spelers?",
    "Hoe houd je evenwicht in commitment, voortgang en resultaat?",
)
FOLLOWUPS = (
    "Aan welke afspraken valt niet te tornen?",
    "Is er nog steeds voldoende commitment op die afspraken en bewaken we de voortgang van het "
    "proces?",
    "Welke nieuwe kansen doen zich voor?",
    "Zijn we met elkaar zo flexibel om deze te benutten?",
    "Durven we oude opvattingen los te laten en nieuwe uitgangspunten te overwegen en te stoppen "
    "als het resultaat te mager is?",
    "Daarbij is het essentieel om open naar elkaar te zijn en onuitgesproken meningen boven tafel "
    "te krijgen.",
)
SEED_SECTIONS = {
    "Centrale vragen": "\n".join(f"- {q}" for q in CENTRAL),
    "Commitment": (
        "Commitment aan de samenwerking is belangrijk. Zonder commitment kom je al snel terecht in "
        "een schijnsamenwerking, waarbij de samenwerking zich vooral lijkt te beperken tot "
        "overleggen. Er wordt weinig voortgang geboekt op de gezamenlijke ambitie van de "
        "samenwerking. Commitment is iets anders dan een wil en wens tot samenwerken. Die zal er "
        "vaak wel zijn. Het is dan ook belangrijk om met elkaar in gesprek te zijn over het "
        "commitment; hebben we die wel? Kunnen we onze afspraken waarmaken? Hoeveel tijd kunnen we "
        "daadwerkelijk besteden aan de samenwerking?"
    ),
    "Lenigheid": (
        "Een samenwerking is geen project. Bij een project stuur je op het resultaat; bij een "
        "samenwerking hoeft dat niet zo te zijn. De context van de samenwerking kan door wet- en "
        "regelgeving veranderen, samenwerkingspartners kunnen aan- of afhaken, mensen kunnen van "
        "positie wisselen en van mening veranderen. Samenwerken is daarmee een continu proces van "
        "gezamenlijk reageren op ontwikkelingen en samenwerken vraagt lenigheid; soms een stapje "
        "terug doen en vertragen om daarna weer vooruit te kunnen."
    ),
    "Blijf vragen stellen": (
        "Belangrijke vragen om te blijven stellen, zijn: aan welke afspraken valt niet te tornen? "
        "Is er nog steeds voldoende commitment op die afspraken en bewaken we de voortgang van het "
        "proces? Maar ook: welke nieuwe kansen doen zich voor? Zijn we met elkaar zo flexibel om "
        "deze te benutten? Durven we oude opvattingen los te laten en nieuwe uitgangspunten te "
        "overwegen en te stoppen als het resultaat te mager is? Daarbij is het essentieel om open "
        "naar elkaar te zijn en onuitgesproken meningen boven tafel te krijgen."
    ),
    "Naar passende acties": (
        "Een analyse van de stand van zaken kan bijvoorbeeld vorm krijgen door toetsing aan de "
        "hand van een normenkader of door het toepassen van een omgevingsanalyse. Vervolgens "
        "kunnen er, indien nodig, passende acties worden opgesteld om de samenwerking bij te "
        "sturen. Het bewegen tussen daadkracht enerzijds en flexibel inspringen op de omgeving is "
        "een oefening in balanceren."
    ),
    "Bronnen en mogelijkheden tot verdere verdieping": (
        "Leren samenwerken tussen organisaties. Edwin Kaats en Wilfrid Opheij"
    ),
}
NORMS_SECTIONS = {
    "Wat is een normenkader": (
        "Een normenkader is een set afspraken over wat een goede samenwerking is, waaraan partners "
        "hun samenwerking samen toetsen. Het maakt zichtbaar waar de samenwerking sterk is en waar "
        "zij kan groeien."
    ),
    "Omgevingsanalyse": (
        "Een omgevingsanalyse brengt de spelers, belangen en regels rond de samenwerking in kaart. "
        "Nieuwe spelers en nieuwe wetgeving vragen om een nieuwe analyse."
    ),
}


def make_card(
    card_id: str,
    title: str,
    sections: Mapping[str, str],
    central: Sequence[str] = (),
    followups: Sequence[str] = (),
) -> Card:
    """A card whose text is 'Heading\\n\\nbody' blocks, with exact section offsets."""
    text, built = "", []
    for heading, body in sections.items():
        if text:
            text += "\n\n"
        text += f"{heading}\n\n"
        start = len(text)
        text += body
        built.append(Section(heading=heading, text=body, start=start, end=len(text)))
    return Card(
        id=card_id,
        title=title,
        language="nl",
        origin="seed",
        path=f"{card_id}.md",
        text=text,
        sections=tuple(built),
        central_questions=tuple(central),
        followup_questions=tuple(followups),
        sources=(SOURCE,),
    )


def seed_card() -> Card:
    return make_card("blijf-balanceren", "Blijf balanceren", SEED_SECTIONS, CENTRAL, FOLLOWUPS)


def norms_card() -> Card:
    return make_card("normenkader", "Normenkader en omgevingsanalyse", NORMS_SECTIONS)


def passages(card: Card) -> list[Passage]:
    """One passage per section, as the chunker makes for short sections."""
    return [
        Passage(
            id=f"{card.id}:{i}",
            card_id=card.id,
            card_title=card.title,
            section=s.heading,
            text=s.text,
            start=s.start,
            end=s.end,
            language=card.language,
            sources=card.sources,
        )
        for i, s in enumerate(card.sections)
    ]


def passage(card: Card, heading: str) -> Passage:
    return next(p for p in passages(card) if p.section == heading)


def hit(p: Passage, rank: int = 1) -> Hit:
    return Hit(passage=p, score=1.0 / rank, rank=rank)


def corpus_texts(*cards: Card) -> dict[str, str]:
    return {c.id: c.text for c in cards}


class FakeSearch:
    """Deterministic stand-in for retrieval: passages ranked by shared stems with the query."""

    def __init__(self, cards: Sequence[Card], k: int = 3) -> None:
        self.passages = [p for c in cards for p in passages(c)]
        self.k = k
        self.queries: list[str] = []

    def search(self, query: str) -> list[Hit]:
        self.queries.append(query)
        wanted = stems(query)
        scored = [
            (len(wanted & stems(f"{p.section} {p.text}")), -i, p)
            for i, p in enumerate(self.passages)
        ]
        ranked = [
            p for score, _, p in sorted(scored, key=lambda s: s[:2], reverse=True) if score > 0
        ]
        return [hit(p, n) for n, p in enumerate(ranked[: self.k], 1)]


ENGLISH_CENTRAL = (
    "Is everyone committed enough to the agreements? Do you talk about it together?",
    "How do you deal with new developments and new players?",
    "How do you keep commitment, progress and results in balance?",
)
FOLLOWUP_BANK = (
    (
        "Which agreements are non-negotiable?",
        ["afspraken", "tornen", "harde afspraken", "agreements", "non-negotiable"],
    ),
    (
        "Is there still enough commitment to those agreements, and are we monitoring progress?",
        [
            "commitment",
            "inzet",
            "voortgang",
            "vergaderen",
            "schijnsamenwerking",
            "progress",
            "meetings",
        ],
    ),
    (
        "What new opportunities are arising?",
        ["kansen", "ontwikkelingen", "nieuwe spelers", "opportunities", "developments"],
    ),
    (
        "Are we flexible enough together to seize them?",
        ["flexibel", "benutten", "lenigheid", "flexible", "adapt"],
    ),
    (
        "Do we dare to let go of old views, consider new starting points, and stop if results "
        "are too meagre?",
        ["stoppen", "mager", "resultaat", "oude opvattingen", "stop", "results"],
    ),
    (
        "Which unspoken opinions still need to be brought out into the open?",
        ["onuitgesproken", "meningen", "open", "boven tafel", "unspoken", "openness"],
    ),
)


def bank_yaml() -> str:
    """The fixture question bank, in the format of prompts/README.md."""
    followups: list[dict[str, object]] = [
        {"nl": nl, "en": en, "keywords": keywords}
        for nl, (en, keywords) in zip(FOLLOWUPS, FOLLOWUP_BANK, strict=True)
    ]
    followups[5]["ask_nl"] = "Welke onuitgesproken meningen moeten er nog boven tafel komen?"
    # as in prompts/question_bank.yaml: what each follow-up digs into, and when it is moot
    followups[0]["signals"] = ["unequal_effort", "meeting_no_progress", "no_mandate"]
    followups[1]["signals"] = ["unequal_effort", "fatigue", "lost_ambition"]
    followups[1]["answered_by"] = ["meeting_no_progress", "exit_wish"]
    followups[2]["answered_by"] = ["exit_wish"]
    followups[4]["signals"] = ["lost_ambition", "meeting_no_progress"]
    followups[4]["answered_by"] = ["exit_wish"]
    followups[4]["not_when"] = ["going_well"]
    followups[5]["signals"] = ["broken_trust", "dominant_partner", "exit_wish", "money"]
    entry = {
        "title_en": "Keep balancing",
        "central": [{"nl": nl, "en": en} for nl, en in zip(CENTRAL, ENGLISH_CENTRAL, strict=True)],
        "followups": followups,
    }
    return yaml.safe_dump({"blijf-balanceren": entry}, allow_unicode=True, sort_keys=False)


def prompts_copy(target: Path, bank: str | None = "") -> Path:
    """A copy of prompts/ with the fixture question bank ("" = default, None = no bank file)."""
    target.mkdir(parents=True, exist_ok=True)
    for name in (
        "messages.yaml",
        "actions.yaml",
        "commands.yaml",
        "reflections.yaml",
        "understanding.yaml",
    ):
        shutil.copy(PROMPTS / name, target / name)
    if bank is not None:
        (target / "question_bank.yaml").write_text(bank or bank_yaml(), encoding="utf-8")
    return target


@lru_cache(maxsize=1)
def content() -> DialogueContent:
    """The real messages/actions/commands with the fixture question bank, loaded once."""
    with tempfile.TemporaryDirectory() as tmp:
        return load_content(prompts_copy(Path(tmp)))


@lru_cache(maxsize=1)
def reader() -> MessageReader:
    """The message reader on cues alone (no embedding model in fast tests)."""
    return MessageReader(load_bank(PROMPTS / "understanding.yaml"), content().commands)


def understand(text: str, phase: str = "question") -> Understanding:
    return reader().read(text, None, phase)


class Conversation:
    """Drives the machine like the service does and checks every state round-trips.

    Each message is read by the cue-only reader unless the test hands in an
    Understanding, as the service hands in the one computed with the model.
    """

    def __init__(
        self, card: Card | None = None, language: str = "nl", cards: Sequence[Card] | None = None
    ) -> None:
        self.card = card or seed_card()
        self.cards = list(cards) if cards is not None else [self.card, norms_card()]
        self.search = FakeSearch(self.cards)
        self.texts = corpus_texts(*self.cards)
        self.state, self.reply = machine.start(self.card, content(), language)
        self.replies = [self.reply]

    def say(
        self,
        text: str,
        retrieved: Mapping[str, Sequence[Hit]] | None = None,
        understanding: Understanding | None = None,
    ) -> machine.Reply:
        u = understanding or understand(text, self.state.phase)
        queries = machine.queries_for(self.state, text, self.card, content(), u)
        if retrieved is None:
            retrieved = {q.name: self.search.search(q.text) for q in queries}
        self.state, self.reply = machine.step(
            self.state, text, retrieved, self.card, content(), self.texts, u
        )
        assert DialogueState.from_dict(self.state.to_dict()) == self.state
        self.replies.append(self.reply)
        return self.reply


def talk(*messages: str, language: str = "nl") -> Conversation:
    """A conversation after the given user messages."""
    conversation = Conversation(language=language)
    for text in messages:
        conversation.say(text)
    return conversation
