"""Facilitator session plans: cards + group + minutes + context → an agenda with grounded readings.

The planner is deterministic and offline. The folder shows its steps:
`library` reads `prompts/plan.yaml` (agenda template, exercises, work forms and
every word of the plan, nl and en); `builder` splits the time over the blocks
and picks exercises and work forms for the group; `readings` finds passages
whose quotes occur word for word in the cards; `render` writes the Markdown
the facilitator downloads. `model` holds the plain dataclasses they share.
"""

from __future__ import annotations

from coach.plan.builder import make_plan
from coach.plan.library import load_library
from coach.plan.model import AgendaBlock, Exercise, PlanFocus, SessionPlan
from coach.plan.readings import best_quote
from coach.plan.render import plan_markdown

__all__ = [
    "AgendaBlock",
    "Exercise",
    "PlanFocus",
    "SessionPlan",
    "best_quote",
    "load_library",
    "make_plan",
    "plan_markdown",
]
