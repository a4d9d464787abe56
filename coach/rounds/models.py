"""What the team-round API hands back: plain dataclasses with their JSON form."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from coach.errors import InputError
from coach.rounds.store import SHARE_LEVELS

if TYPE_CHECKING:
    from coach.models import CoachTurn

SHARE_ALIASES = {"a": "scores", "b": "signals", "c": "answers"}


@dataclass(frozen=True)
class Opened:
    """A round just opened: the codes to hand out (the key only when it is new)."""

    collaboration_id: str
    name: str
    card_id: str
    round_id: str
    number: int
    opens_on: str
    closes_on: str
    join_code: str
    facilitator_key: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PartnerStatus:
    """What a partner sees of their place in a round."""

    round_id: str
    name: str
    number: int
    closes_on: str
    status: str
    organisation: str
    role: str
    share: str
    withdrawn: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Joined:
    session_id: str
    partner_code: str
    partner: PartnerStatus
    turn: CoachTurn
    reviews: int  # last round's actions the coach will ask about

    def to_dict(self) -> dict[str, Any]:
        return {
            "session": self.session_id,
            "partner_code": self.partner_code,
            **self.partner.to_dict(),
            "reviews": self.reviews,
            "turn": self.turn.to_dict(),
        }


@dataclass(frozen=True)
class RoundStatus:
    """A facilitator's overview of a round (no content of any partner)."""

    round_id: str
    collaboration_id: str
    name: str
    card_id: str
    number: int
    opens_on: str
    closes_on: str
    status: str
    organisations: tuple[str, ...]
    joined: int
    withdrawn: int
    shares: dict[str, int]
    rounds: tuple[tuple[str, str], ...]  # (round id, status) of the whole collaboration

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["rounds"] = [{"round": r, "status": s} for r, s in self.rounds]
        return data


def parse_share(value: str | None) -> str:
    """'scores' | 'signals' | 'answers' (also a / b / c); else InputError with the choices."""
    text = str(value or "").strip().lower()
    share = SHARE_ALIASES.get(text, text)
    if share not in SHARE_LEVELS:
        raise InputError(
            "Choose what the facilitator may see: scores (a: scores only), signals "
            "(b: also signals and chosen actions) or answers (c: also anonymised answers)."
        )
    return share
