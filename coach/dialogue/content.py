"""The coach's words and coaching content, loaded from prompts/ and validated strictly.

Four files (see prompts/README.md): messages.yaml (every sentence, nl/en),
actions.yaml (action library and balance patterns), commands.yaml (words the
coach recognises) and question_bank.yaml (English questions and follow-up
keywords per card; optional, a card without an entry still works). Unknown
keys, a missing language, or a template placeholder the code does not supply
are a ConfigError naming the file and line, so a typo fails at start-up and
never renders a blank in front of a user.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError

from coach.dialogue.language import stems
from coach.dialogue.schema import (
    COMMAND_NAMES,
    MESSAGE_VARS,
    PATTERN_VARS,
    RATING_NAMES,
    SUGGESTION_KEYS,
    WHY_SAID_VARS,
    WHY_VARS,
    ActionsFile,
    BankCentral,
    BankFollowup,
    CardQuestions,
    CommandsFile,
    MessagesFile,
    ReflectionsFile,
    SignalTexts,
    Texts,
    WordLists,
)
from coach.errors import ConfigError
from coach.models import Card
from coach.templates import placeholders, render_template
from coach.understanding.labels import SIGNALS
from coach.yamlfile import LazyNodes, line_of, parse_yaml, read_yaml

__all__ = ["RATING_NAMES", "DialogueContent", "load_content", "render_template"]


def _check_template(
    template: str,
    allowed: frozenset[str],
    path: Path,
    node: LazyNodes,
    loc: tuple[Any, ...],
    what: str,
) -> None:
    """A template may only use placeholders the code supplies."""
    try:
        names = placeholders(template)
    except ValueError as exc:
        raise ConfigError(
            f"{path}:{line_of(node, loc)}: {what} is not a valid template ({exc}); "
            "write a literal brace as {{ or }}."
        ) from None
    for name in names:
        if name not in allowed:
            raise ConfigError(
                f"{path}:{line_of(node, loc)}: {what} uses {{{name}}}, "
                "which the coach does not supply; "
                f"available here: {', '.join(sorted(allowed)) or 'no placeholders'}."
            )


def _check_messages(parsed: MessagesFile, path: Path, node: LazyNodes) -> None:
    for key in parsed.messages:
        if key not in MESSAGE_VARS:
            raise ConfigError(
                f"{path}:{line_of(node, ('messages', key))}: unknown message "
                f"key `{key}`; remove it or check the spelling."
            )
    for key, allowed in MESSAGE_VARS.items():
        if key not in parsed.messages:
            raise ConfigError(
                f"{path}: message `{key}` is missing; add it with `nl` and `en` texts."
            )
        for lang in ("nl", "en"):
            text = getattr(parsed.messages[key], lang)
            _check_template(
                text, allowed, path, node, ("messages", key, lang), f"message `{key}` ({lang})"
            )
    for phase in SUGGESTION_KEYS:
        lists = parsed.suggestions.get(phase)
        if lists is None:
            raise ConfigError(
                f"{path}: suggestions for phase `{phase}` are missing; add 2-4 per language."
            )
        for lang in ("nl", "en"):
            if not 2 <= len(lists.get(lang)) <= 4:
                raise ConfigError(
                    f"{path}:{line_of(node, ('suggestions', phase, lang))}: "
                    f"give 2-4 suggestions for `{phase}` ({lang})."
                )
    for phase in parsed.suggestions:
        if phase not in SUGGESTION_KEYS:
            raise ConfigError(
                f"{path}:{line_of(node, ('suggestions', phase))}: unknown phase "
                f"`{phase}`; use one of {', '.join(SUGGESTION_KEYS)}."
            )


def _check_actions(parsed: ActionsFile, path: Path, node: LazyNodes) -> None:
    ids = [a.id for a in parsed.actions]
    for signal in parsed.heard_in_full:
        if signal not in SIGNALS:
            raise ConfigError(
                f"{path}:{line_of(node, ('heard_in_full',))}: `heard_in_full` names unknown "
                f"signal `{signal}`; known: {', '.join(SIGNALS)}."
            )
    for i, spec in enumerate(parsed.actions):
        if ids.count(spec.id) > 1:
            raise ConfigError(
                f"{path}:{line_of(node, ('actions', i))}: action id `{spec.id}` "
                "is used twice; ids must be unique."
            )
        for lang in ("nl", "en"):
            _check_template(
                spec.why.get(lang),
                WHY_VARS,
                path,
                node,
                ("actions", i, "why", lang),
                f"`why` of action `{spec.id}` ({lang})",
            )
            if spec.why_said is not None:
                _check_template(
                    spec.why_said.get(lang),
                    WHY_SAID_VARS,
                    path,
                    node,
                    ("actions", i, "why_said", lang),
                    f"`why_said` of `{spec.id}` ({lang})",
                )
        for signal in spec.signals:
            if signal not in SIGNALS:
                raise ConfigError(
                    f"{path}:{line_of(node, ('actions', i, 'signals', signal))}: action "
                    f"`{spec.id}` names unknown signal `{signal}`; known: {', '.join(SIGNALS)}."
                )
    for i, pattern in enumerate(parsed.patterns):
        for lang in ("nl", "en"):
            _check_template(
                pattern.text.get(lang),
                PATTERN_VARS,
                path,
                node,
                ("patterns", i, "text", lang),
                f"text of pattern `{pattern.id}` ({lang})",
            )
        for action_id in pattern.suggest:
            if action_id not in ids:
                raise ConfigError(
                    f"{path}:{line_of(node, ('patterns', i, 'suggest'))}: pattern "
                    f"`{pattern.id}` suggests unknown action `{action_id}`."
                )
    if parsed.patterns[-1].when:
        raise ConfigError(
            f"{path}: the last pattern (`{parsed.patterns[-1].id}`) must have "
            "`when: []` so every combination of ratings gets a name."
        )
    if parsed.limits.min_actions > parsed.limits.max_actions:
        raise ConfigError(f"{path}: limits.min_actions is larger than limits.max_actions.")


def _check_commands(parsed: CommandsFile, path: Path, node: LazyNodes) -> None:
    for name in COMMAND_NAMES:
        if name not in parsed.commands:
            raise ConfigError(f"{path}: command `{name}` is missing; add its nl and en words.")
    for name in parsed.commands:
        if name not in COMMAND_NAMES:
            raise ConfigError(
                f"{path}:{line_of(node, ('commands', name))}: unknown command "
                f"`{name}`; the coach knows {', '.join(COMMAND_NAMES)}."
            )
    for name in parsed.ratings.labels:
        if name not in RATING_NAMES:
            raise ConfigError(
                f"{path}:{line_of(node, ('ratings', 'labels', name))}: unknown "
                f"rating `{name}`; use {', '.join(RATING_NAMES)}."
            )
    for role in parsed.roles:
        if role not in ("partner", "facilitator", "other"):
            raise ConfigError(
                f"{path}:{line_of(node, ('roles', role))}: unknown role `{role}`; "
                "use partner, facilitator or other."
            )


FEELINGS = ("general", "fatigue", "anger", "relief")
REQUESTS = ("agenda", "generic")


def _check_reflections(parsed: ReflectionsFile, path: Path, node: LazyNodes) -> None:
    """Every signal has its texts; feelings and requests use known keys only."""
    for kind, known, table in (
        ("signals", SIGNALS, parsed.signals),
        ("feelings", FEELINGS, parsed.feelings),
        ("requests", REQUESTS, parsed.requests),
    ):
        for key in table:
            if key not in known:
                raise ConfigError(
                    f"{path}:{line_of(node, (kind, key))}: unknown key `{key}` under "
                    f"`{kind}`; use {', '.join(known)}."
                )
        for key in known:
            if key not in table:
                raise ConfigError(f"{path}: `{kind}.{key}` is missing; add its nl and en texts.")


def _check_bank_signals(bank: Mapping[str, CardQuestions], path: Path) -> None:
    for card_id, entry in bank.items():
        for followup in entry.followups:
            for signal in (*followup.signals, *followup.answered_by, *followup.not_when):
                if signal not in SIGNALS:
                    raise ConfigError(
                        f'{path}: card `{card_id}`, follow-up "{followup.nl[:40]}…" names '
                        f"unknown signal `{signal}`; known: {', '.join(SIGNALS)}."
                    )


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


E = TypeVar("E", BankCentral, BankFollowup)


def _bank_match(questions: Sequence[str], entries: Sequence[E] | None, index: int) -> E | None:
    """The question-bank entry for the card's question `index`: by its Dutch text, or by
    position when the bank lists exactly as many questions as the card."""
    if entries is None or not 0 <= index < len(questions):
        return None
    wanted = _norm(questions[index])
    found = next((e for e in entries if _norm(e.nl) == wanted), None)
    if found is None and len(entries) == len(questions):
        found = entries[index]
    return found


@dataclass(frozen=True)
class DialogueContent:
    """Everything the dialogue machine says and recognises, validated."""

    messages: Mapping[str, Texts]
    suggestions: Mapping[str, WordLists]
    commands: CommandsFile
    library: ActionsFile
    bank: Mapping[str, CardQuestions]
    reflections: ReflectionsFile
    files: Mapping[str, str] = field(default_factory=dict)
    domain_stems: frozenset[str] = frozenset()  # question-bank and topic words, stemmed

    # -- reflections -------------------------------------------------------------
    def signal_texts(self, signal: str) -> SignalTexts | None:
        return self.reflections.signals.get(signal)

    def followup_signals(self, card: Card, index: int) -> tuple[str, ...]:
        entry = self._followup_entry(card, index)
        return entry.signals if entry is not None else ()

    def followup_central(self, card: Card, index: int) -> tuple[int, ...]:
        """The central questions (0-based) follow-up `index` belongs to, if the bank says."""
        entry = self._followup_entry(card, index)
        return tuple(n - 1 for n in entry.central) if entry is not None else ()

    def followup_answered_by(self, card: Card, index: int) -> tuple[str, ...]:
        entry = self._followup_entry(card, index)
        return entry.answered_by if entry is not None else ()

    def followup_not_when(self, card: Card, index: int) -> tuple[str, ...]:
        entry = self._followup_entry(card, index)
        return entry.not_when if entry is not None else ()

    # -- words -----------------------------------------------------------------
    def render(self, key: str, language: str, **values: Any) -> str:
        """A message in `language` with its placeholders filled; strict."""
        texts = self.messages.get(key)
        where = self.files.get("messages", "prompts/messages.yaml")
        if texts is None:
            raise ConfigError(
                f"{where}: message `{key}` is missing; add it with `nl` and `en` texts."
            )
        return render_template(texts.get(language), values, f"{where}: message `{key}`")

    def suggestions_for(self, phase: str, language: str) -> list[str]:
        lists = self.suggestions.get(phase)
        return list(lists.get(language)) if lists else []

    def join(self, items: list[str], language: str) -> str:
        """'a, b en c' in the reply's language."""
        if len(items) <= 1:
            return "".join(items)
        return f"{', '.join(items[:-1])} {self.render('word_and', language)} {items[-1]}"

    # -- card questions ----------------------------------------------------------
    def card_title(self, card: Card, language: str) -> str:
        entry = self.bank.get(card.id)
        if language == "en" and entry is not None and entry.title_en and card.language != "en":
            return entry.title_en
        return card.title

    def _central_entry(self, card: Card, index: int) -> BankCentral | None:
        entry = self.bank.get(card.id)
        return _bank_match(card.central_questions, entry.central if entry else None, index)

    def _followup_entry(self, card: Card, index: int) -> BankFollowup | None:
        entry = self.bank.get(card.id)
        return _bank_match(card.followup_questions, entry.followups if entry else None, index)

    def central_question(self, card: Card, index: int, language: str) -> str:
        """Central question `index` in the reply's language (the card's text as fallback)."""
        entry = self._central_entry(card, index)
        if language == "en" and entry is not None and card.language != "en":
            return entry.en
        return card.central_questions[index]

    def followup_question(self, card: Card, index: int, language: str) -> str:
        """How to ask follow-up `index`; may be a statement when the card has no question form."""
        entry = self._followup_entry(card, index)
        if entry is not None and card.language != "en" and language == "en":
            return entry.ask_en or entry.en
        if entry is not None and entry.ask_nl and language != "en":
            return entry.ask_nl
        return card.followup_questions[index]

    def followup_terms(self, card: Card, index: int) -> tuple[str, ...]:
        """Texts and keywords that say what follow-up `index` is about (for relevance)."""
        entry = self._followup_entry(card, index)
        texts = [card.followup_questions[index]]
        if entry is not None:
            texts += [entry.en, *(t for t in (entry.ask_nl, entry.ask_en) if t), *entry.keywords]
        return tuple(texts)


def load_content(prompts_dir: Path) -> DialogueContent:
    """Load and validate prompts/*.yaml; a ConfigError names the file (and line) at fault."""
    prompts_dir = Path(prompts_dir)
    paths = {name: prompts_dir / f"{name}.yaml" for name in ("messages", "actions", "commands")}
    messages, node = parse_yaml(MessagesFile, paths["messages"])
    _check_messages(messages, paths["messages"], node)
    actions, node = parse_yaml(ActionsFile, paths["actions"])
    _check_actions(actions, paths["actions"], node)
    commands, node = parse_yaml(CommandsFile, paths["commands"])
    _check_commands(commands, paths["commands"], node)
    bank_path = prompts_dir / "question_bank.yaml"
    bank: dict[str, CardQuestions] = {}
    if bank_path.is_file():
        data, node = read_yaml(bank_path)
        if data is not None and not isinstance(data, dict):
            raise ConfigError(
                f"{bank_path}:1: expected card ids as top-level keys (see prompts/README.md)."
            )
        for card_id, entry in (data or {}).items():
            try:
                bank[str(card_id)] = CardQuestions.model_validate(entry or {})
            except ValidationError as exc:
                error = exc.errors()[0]
                loc = (card_id, *error["loc"])
                key = ".".join(str(p) for p in loc)
                what = "unknown key" if error["type"] == "extra_forbidden" else error["msg"]
                raise ConfigError(
                    f"{bank_path}:{line_of(node, loc)}: `{key}`: {what}; "
                    "see prompts/README.md for the format."
                ) from None
    vocabulary = " ".join(
        [*commands.topic_words]
        + [t for entry in bank.values() for c in entry.central for t in (c.nl, c.en)]
        + [t for entry in bank.values() for f in entry.followups for t in (f.nl, f.en, *f.keywords)]
    )
    reflections_path = prompts_dir / "reflections.yaml"
    reflections, node = parse_yaml(ReflectionsFile, reflections_path)
    _check_reflections(reflections, reflections_path, node)
    _check_bank_signals(bank, bank_path)
    files = {name: str(path) for name, path in paths.items()} | {
        "question_bank": str(bank_path),
        "reflections": str(reflections_path),
    }
    return DialogueContent(
        messages=messages.messages,
        suggestions=messages.suggestions,
        commands=commands,
        library=actions,
        bank=bank,
        reflections=reflections,
        files=files,
        domain_stems=stems(vocabulary),
    )
