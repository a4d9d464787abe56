"""What the coach says back to show it understood, instead of listing the user's words.

Pure: from the Understanding of one message to a few sentences from
prompts/reflections.yaml. A feeling is acknowledged before the content; an
answer that sounds ironic or contradicts itself gets a question rather than
an assumption; otherwise the strongest situation signal is paraphrased, and
an answer without a signal gets a short, plain acknowledgement.
"""

from __future__ import annotations

from coach.dialogue.turn import Turn
from coach.models import Understanding

# A feeling that already says what the signal would ("I'm exhausted" + fatigue).
_FEELING_COVERS = {"fatigue": "fatigue"}


def feeling(t: Turn, u: Understanding) -> list[str]:
    """The acknowledgement of a feeling, when the message shows one."""
    if u.emotion is None and u.intent != "emotion":
        return []
    kind = u.emotion if u.emotion in t.content.reflections.feelings else "general"
    return [t.variant(f"feel-{kind}", t.content.reflections.feelings[kind].get(t.lang))]


def clarifying_question(t: Turn, kind: str) -> str:
    """Ask about an ironic or two-sided answer."""
    options = (
        t.content.reflections.ask_sarcasm
        if kind == "sarcasm"
        else t.content.reflections.ask_contradiction
    )
    return t.variant(f"ask-{kind}", options.get(t.lang))


def reflection(t: Turn, u: Understanding) -> tuple[list[str], str | None]:
    """Sentences that show the coach understood, and the kind of clarifying question
    to ask ("sarcasm" | "contradiction") when it should ask rather than assume."""
    parts = feeling(t, u)
    if u.sarcasm:
        return [*parts, clarifying_question(t, "sarcasm")], "sarcasm"
    if u.contradiction:
        return [*parts, clarifying_question(t, "contradiction")], "contradiction"
    covered = _FEELING_COVERS.get(u.emotion or "")
    signals = [s for s in u.signal_ids if t.content.signal_texts(s) is not None and s != covered]
    if len(signals) > 1 and "going_well" in signals:
        signals.remove("going_well")  # the sticking point matters more than the praise
    if signals:
        fresh = [s for s in signals if _unused(t, s)]
        signal = (fresh or signals)[0]
        texts = t.content.signal_texts(signal)
        assert texts is not None
        parts.append(t.variant(f"sig-{signal}", texts.reflect.get(t.lang)))
    elif not parts:
        parts.append(t.variant("plain", t.content.reflections.plain.get(t.lang)))
    return parts, None


def _unused(t: Turn, signal: str) -> bool:
    """Has this signal's paraphrase not been said yet in this conversation?"""
    return not any(s.startswith(f"sig-{signal}:") for s in (*t.state.said, *t.said))
