"""A session plan as plain data: exercises with their work form, time blocks, the plan."""

from __future__ import annotations

from dataclasses import dataclass, field

from coach.models import Citation
from coach.plan.library import PlanLibrary


@dataclass(frozen=True)
class Exercise:
    """A chosen exercise for one block, in the work form that suits the group's size."""

    id: str
    name: str
    how: str
    minutes: int
    form: str = "plenary"  # round | plenary | pairs | subgroups
    form_text: str = ""  # the form spelled out for this group ("In 4 tweetallen, ...")

    @property
    def subgroups(self) -> bool:
        """The group is too large for one circle: the exercise runs in subgroups."""
        return self.form == "subgroups"


@dataclass(frozen=True)
class PlanFocus:
    """Where a group session starts when it follows a team round."""

    title: str  # e.g. "Teamronde Wijkzorg Noord, ronde 1: 6 deelnemers."
    lines: tuple[str, ...]  # the differences and what to bring up, in words
    words: str  # what questions, exercises and readings should fit
    first: str = ""  # what the first question block should be about (the widest spread)


@dataclass(frozen=True)
class AgendaBlock:
    """One time block; `start` is minutes from the beginning.

    Its minutes are the exercises' minutes plus `talk_minutes` of the conversation
    `talk` describes, so every minute of the agenda is accounted for.
    """

    id: str
    title: str
    purpose: str
    start: int
    minutes: int
    exercises: tuple[Exercise, ...] = ()
    question: str | None = None
    card_id: str | None = None
    followups: tuple[str, ...] = ()
    talk: str = ""
    talk_minutes: int = 0
    notes: tuple[str, ...] = ()  # a focus block: the round's differences

    @property
    def end(self) -> int:
        return self.start + self.minutes


@dataclass(frozen=True)
class SessionPlan:
    """A facilitator's plan: goal, agenda that fills the duration, readings with citations."""

    language: str
    card_ids: tuple[str, ...]
    card_titles: tuple[str, ...]
    group_size: int
    minutes: int
    context: str
    goal: str
    blocks: tuple[AgendaBlock, ...]
    readings: tuple[Citation, ...]
    library: PlanLibrary = field(repr=False, compare=False)
    focus: PlanFocus | None = None

    def total_minutes(self) -> int:
        return sum(b.minutes for b in self.blocks)

    def to_markdown(self) -> str:
        from coach.plan.render import plan_markdown

        return plan_markdown(self)
