"""How the form of a message settles its intent before the classifier weighs in.

Corrections that open with the usual ways of taking something back, bare
yes/no replies, and a choice at the actions prompt; and a correction, which
names its situation in fewer words than an answer, keeps its one clear signal.
"""

from __future__ import annotations

import numpy as np
import pytest
from dialogue_fixtures import content, reader

from coach.understanding.features import intent_nudges
from coach.understanding.labels import INTENTS, SIGNALS
from coach.understanding.reader import MessageReader


def _nudge(text: str, phase: str = "followup") -> dict[str, float]:
    values = intent_nudges(text, phase, content().commands, reader().bank)
    return dict(zip(INTENTS, map(float, values), strict=True))


@pytest.mark.parametrize(
    ("text", "phase"),
    [
        ("Even corrigeren: niet de wethouder is het probleem, maar de ambtelijke top.", "followup"),
        ("Sorry, dat klopte niet. Niet de GGD komt erbij maar Veilig Thuis.", "question"),
        ("Ik zat ernaast: de provincie betaalt wel mee, alleen later.", "question"),
        ("Oh, dat moet een 5 zijn, geen 8. Verkeerde toets.", "balance"),
        ("Scratch my last answer. The day-to-day work actually goes well.", "followup"),
        ("I was wrong earlier, the alderman has a mandate, our director has not.", "question"),
        ("Actually let me correct that: we agree on the goal, nobody remembers it.", "question"),
        ("Hmm no, I put that wrong. They are not tired, they have checked out.", "followup"),
    ],
)
def test_the_usual_ways_of_taking_something_back_open_a_correction(text: str, phase: str) -> None:
    assert _nudge(text, phase)["correction"] >= 2
    assert reader()._takes_back(text, phase)


def test_a_correction_word_deep_inside_an_answer_does_not_make_it_a_correction() -> None:
    text = (
        "We hebben drie jaar lang elke maand vergaderd over de wijkaanpak en de verdeling van "
        "de taken, en pas toen de wethouder ingreep, merkten we dat ik het mis had over de "
        "corporatie."
    )
    assert _nudge(text)["correction"] == 0


@pytest.mark.parametrize("text", ["nee hoor", "Klopt.", "ja, echt", "Nope, not really", "yes"])
def test_a_bare_yes_or_no_is_an_answer(text: str) -> None:
    assert _nudge(text)["answer"] >= 1


def test_a_longer_reply_that_starts_with_no_gets_no_short_answer_nudge() -> None:
    assert _nudge("Nee, want de gemeente bepaalt alles en wij volgen maar.")["answer"] == 0


def test_a_choice_at_the_actions_prompt_is_an_answer_not_a_command() -> None:
    assert _nudge("Doe maar de tweede.", "actions")["answer"] >= 1
    assert _nudge("Doe maar de tweede.", "followup")["answer"] == 0
    assert _nudge("Nee, ik bedoelde de eerste, niet de tweede.", "actions")["answer"] == 0


class _Scores:
    """A stand-in classifier with fixed scores: the intent and one signal at a set level."""

    def __init__(self, intent: str, signal: str, level: float) -> None:
        self.intent, self.signal, self.level = intent, signal, level

    def intent_scores(self, features: np.ndarray) -> np.ndarray:
        return np.array([5.0 if i == self.intent else -5.0 for i in INTENTS])

    def signal_scores(self, features: np.ndarray) -> np.ndarray:
        return np.array([self.level if s == self.signal else -1.0 for s in SIGNALS])


def _read_with(intent: str, signal: str, level: float, text: str) -> tuple[str, tuple[str, ...]]:
    base = reader()
    model = _Scores(intent, signal, level)
    r = MessageReader(base.bank, base.commands, model=model)  # type: ignore[arg-type]
    u = r.read(text, np.ones(8, dtype=np.float32), "followup")
    return u.intent, u.signal_ids


def _read(intent: str, level: float, text: str) -> tuple[str, tuple[str, ...]]:
    return _read_with(intent, "unequal_effort", level, text)


def test_a_correction_keeps_its_one_clear_signal_below_the_answer_threshold() -> None:
    tuning = reader().bank.tuning
    level = (tuning.mixed_signal_threshold + tuning.signal_threshold) / 2
    text = "Nee wacht, ik bedoelde niet de gemeente maar de GGD. Die leveren niks."
    assert _read("correction", level, text) == ("correction", ("unequal_effort",))
    answer = "De GGD levert al maanden niks aan en wij doen het werk."
    assert _read("answer", level, answer) == ("answer", ())


def test_a_wish_to_leave_named_in_a_long_message_is_heard_even_when_the_vector_misses_it() -> None:
    text = (
        "Voortgang bewaken doet niemand. En eerlijk gezegd: ik overweeg serieus om ons uit de "
        "samenwerking terug te trekken. Mijn toezichthouder vraagt wat het oplevert."
    )
    assert "exit_wish" in reader().bank.signal_decisive
    intent, signals = _read_with("answer", "exit_wish", -0.5, text)
    assert intent == "answer" and signals == ("exit_wish",)
    denied = "Niemand wil uit de samenwerking stappen, we willen juist door."
    assert _read_with("answer", "exit_wish", -0.5, denied)[1] == ()
    other = "Voortgang bewaken doet niemand, en de stukken komen altijd te laat."
    assert _read_with("answer", "exit_wish", -0.5, other)[1] == ()


def test_a_definition_asked_inside_a_long_answer_leans_to_a_question_a_rhetorical_one_not() -> None:
    asked = (
        "Wij betalen mee aan projecten waar vooral de grote partner beter van wordt. Mijn "
        "collega vraagt trouwens: wat is een normenkader precies? Maar goed, het geld is het punt."
    )
    rhetorical = (
        "Wij betalen mee aan projecten waar vooral de grote partner beter van wordt. En wie "
        "doet er dan eigenlijk wat? Niemand weet het, dus het geld is het punt."
    )
    assert _nudge(asked)["question"] == 2
    assert _nudge(rhetorical)["question"] == 0


def test_without_a_model_a_decisive_phrase_still_reads_the_wish_to_leave() -> None:
    from dialogue_fixtures import understand

    read = understand("Eerlijk gezegd overweeg ik ons terug te trekken, het levert te weinig op.")
    assert "exit_wish" in read.signal_ids
