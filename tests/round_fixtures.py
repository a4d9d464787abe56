"""Partners for team-round tests, and a driver that walks one reflection by phase.

`walk` answers whatever the coach asks (last round's actions, intake, the central
questions, follow-ups, the balance, the choice of actions) until the summary; it
takes a `send(text) -> turn dict` so the same partners reflect through the library
(`Coach.reply`) and through a real server (`gradio_client`, `/chat_json`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Turn = dict[str, Any]


@dataclass(frozen=True)
class Partner:
    organisation: str
    role: str
    share: str  # scores | signals | answers
    answers: tuple[str, str, str]
    ratings: tuple[int, int, int]  # commitment, progress, result
    choose: str = "1"
    review: str = "gelukt"
    intake: str = "overslaan"

    @property
    def rating_text(self) -> str:
        c, p, r = self.ratings
        return f"commitment {c}, voortgang {p}, resultaat {r}"


ORGANISATIONS = ("Gemeente Noorddam", "Zorggroep Oost", "Woonstede")

# Six partners of one collaboration: progress differs most (1 to 5).
SIX = (
    Partner(
        "Gemeente Noorddam",
        "wethouder",
        "answers",
        (
            "We vergaderen veel maar er gebeurt eigenlijk weinig, ook bij Gemeente Noorddam.",
            "Er komt een nieuwe zorgaanbieder bij die wil aansluiten.",
            "We praten nooit over wanneer we zouden stoppen.",
        ),
        (4, 2, 3),
    ),
    Partner(
        "Gemeente Noorddam",
        "beleidsadviseur",
        "answers",
        (
            "De kosten lopen op en niemand weet wie het geld inbrengt.",
            "Nieuwe wetgeving over de jeugdzorg verandert onze opdracht.",
            "De voortgang is traag maar zichtbaar in de wijk.",
        ),
        (4, 1, 2),
        choose="alle",
    ),
    Partner(
        "Zorggroep Oost",
        "manager",
        "signals",
        (
            "We vergaderen veel maar er gebeurt weinig in de praktijk.",
            "Een nieuwe partner sluit binnenkort aan bij ons overleg.",
            "Resultaat is er wel, maar het kost veel energie.",
        ),
        (5, 4, 4),
        choose="1 en 2",
    ),
    Partner(
        "Zorggroep Oost",
        "teamleider zebravink",
        "scores",
        (
            "Geheim antwoord zebravink: de wethouder luistert niet.",
            "Zebravink vindt de nieuwe partner een risico.",
            "Zebravink wil dat we stoppen als het zo doorgaat.",
        ),
        (3, 3, 3),
        choose="alle",
    ),
    Partner(
        "Woonstede",
        "directeur",
        "answers",
        (
            "Ik twijfel of we nog door moeten gaan en denk aan uitstappen.",
            "We hebben weinig zicht op nieuwe ontwikkelingen in de wijk.",
            "Commitment is hoog maar de voortgang blijft achter.",
        ),
        (2, 5, 4),
        choose="1",
    ),
    Partner(
        "Woonstede",
        "projectleider",
        "signals",
        (
            "Het gaat eigenlijk goed, we maken afspraken en komen ze na.",
            "Nieuwe spelers zien we als kans voor de wijk.",
            "Evenwicht is er redelijk tussen commitment en resultaat.",
        ),
        (4, 3, 3),
        choose="1",
    ),
)


def walk(send: Callable[[str], Turn], first: Turn, partner: Partner, max_turns: int = 30) -> Turn:
    """Answer by phase from `first` (the greeting) until the summary; the last turn."""
    turn = first
    for _ in range(max_turns):
        phase = (turn.get("progress") or {}).get("phase") or turn["phase"]
        if turn["phase"] == "summary" or phase == "summary":
            return turn
        if phase == "review":
            text = partner.review
        elif phase == "intake":
            text = partner.intake
        elif phase == "question":
            index = int(turn["progress"].get("question_index") or 1) - 1
            text = partner.answers[min(max(index, 0), 2)]
        elif phase == "followup":
            text = "verder"
        elif phase == "balance":
            text = "ja" if "Klopt dat?" in turn["text"] else partner.rating_text
        else:
            text = partner.choose
        turn = send(text)
        assert "error" not in turn, turn
    raise AssertionError(f"no summary after {max_turns} turns: {turn['phase']}")
