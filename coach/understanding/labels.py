"""The label contract of the understanding step (see eval/understanding_labels.md).

Intents say what the user does with a message; signals say what it tells
about the collaboration. The ids are shared by the classifier, its examples
in prompts/understanding.yaml, the labelled sets in eval/, the action
library and the team-round reports, so they are defined once, here.
"""

from __future__ import annotations

INTENTS = (
    "answer",
    "correction",
    "question",
    "emotion",
    "request",
    "command",
    "offtopic",
    "hostile",
)
SIGNALS = (
    "meeting_no_progress",
    "unequal_effort",
    "exit_wish",
    "fatigue",
    "dominant_partner",
    "new_player",
    "new_policy",
    "money",
    "unclear_roles",
    "no_mandate",
    "lost_ambition",
    "broken_trust",
    "going_well",
)
# Signals that describe a problem; `going_well` beside one of these in the same
# answer is a mixed message the coach asks about rather than assumes.
PROBLEM_SIGNALS = tuple(s for s in SIGNALS if s != "going_well")
