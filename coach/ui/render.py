"""Pure conversions from the library's answers to what the web app shows.

Nothing here imports Gradio or touches the network or disk (apart from
reading prompts/ui.yaml once), so every view of a turn — chat messages with
collapsible sources, the progress indicator, the balance chart, the clickable
replies — is tested in milliseconds. Chat messages are plain dicts in
Gradio's "messages" format.

Safety: every string that reaches the chat (user text *and* coach text, which
may echo the user) is HTML-escaped here, so typed markup shows as text; the
Chatbot's own sanitiser stays on as a second line of defence.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from coach.errors import CoachError, ConfigError
from coach.models import Citation, CoachTurn
from coach.settings import PROMPTS_DIR
from coach.templates import render_template
from coach.yamlfile import load_bilingual

Message = dict[str, Any]
LANGUAGES = ("nl", "en")
PHASE_ORDER = ("intake", "question", "balance", "actions", "summary")
_PHASE_STEP = {
    "review": 0,
    "intake": 0,
    "question": 1,
    "followup": 1,
    "balance": 2,
    "actions": 3,
    "summary": 4,
}
RATING_KEYS = ("commitment", "progress", "result")


@dataclass(frozen=True)
class UiText:
    """The app's labels from prompts/ui.yaml, per language."""

    texts: Mapping[str, Mapping[str, str]]

    def get(self, key: str, lang: str, **values: Any) -> str:
        """A label with its placeholders filled; unknown keys and missing values are errors."""
        table = self.texts["en" if lang == "en" else "nl"]
        if key not in table:
            raise ConfigError(f"prompts/ui.yaml has no label `{key}`; add it for nl and en.")
        template = table[key]
        if not values:
            return template
        return render_template(template, values, f"prompts/ui.yaml: label `{key}`")


@lru_cache(maxsize=4)
def load_ui_text(prompts_dir: Path = PROMPTS_DIR) -> UiText:
    """Read and check ui.yaml: both languages, the same keys, only known placeholders."""
    return UiText(texts=load_bilingual(Path(prompts_dir) / "ui.yaml", LANGUAGES))


def header_markdown(ui: UiText, lang: str) -> str:
    """The page's one level-1 heading and the line under it."""
    return f"# {ui.get('app_title', lang)}\n{ui.get('app_subtitle', lang)}"


def escape(text: str | None) -> str:
    """Markup typed by a user (or echoed by the coach) is shown as text, never rendered.

    Square brackets are escaped too, so typed Markdown cannot make a link or load an image.
    """
    return html.escape(text or "", quote=False).replace("[", "\\[").replace("]", "\\]")


def user_message(text: str) -> Message:
    return {"role": "user", "content": escape(text)}


def _link(url: str | None, ui: UiText, lang: str) -> str:
    if not url or not re.match(r"^https?://[^\s<>()]+$", url):
        return ""
    return f" ([{ui.get('source_link', lang)}]({url}))"


def sources_markdown(citations: Sequence[Citation], ui: UiText, lang: str) -> str:
    """Each citation: card title — section, the verbatim quote, the full reference with link."""
    parts = []
    for cite in citations:
        quote = " ".join(escape(cite.quote).split())
        reference = escape(cite.source) if cite.source else ""
        lines = [f"**{escape(cite.title)}** — *{escape(cite.section)}*", "", f"> {quote}"]
        if reference or cite.url:
            lines += [
                "",
                f"{ui.get('source_reference', lang)}: {reference}{_link(cite.url, ui, lang)}",
            ]
        parts.append("\n".join(lines))
    return "\n\n---\n\n".join(parts)


def _unique_citations(turn: CoachTurn) -> list[Citation]:
    """The turn's citations followed by those of its actions, each passage quote once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for cite in [*turn.citations, *(c for a in turn.actions for c in a.citations)]:
        key = (cite.passage_id, cite.quote)
        if key not in seen:
            seen.add(key)
            out.append(cite)
    return out


_HEADING = re.compile(r"^(#{1,4}) ", re.MULTILINE)


def _demote_headings(text: str) -> str:
    """A summary's '# Reflectie' becomes a small heading, so the chat stays calm."""
    return _HEADING.sub(lambda m: "#" * min(len(m.group(1)) + 2, 6) + " ", text)


def coach_text(turn: CoachTurn, ui: UiText) -> str:
    """The coach's words as Markdown: notice first, then text, then actions not spelled out."""
    lang = turn.language
    parts = []
    if turn.notice:
        parts.append(f"**{ui.get('notice_prefix', lang)}:** {escape(turn.notice)}")
    parts.append(_demote_headings(escape(turn.text)))
    missing = [a for a in turn.actions if a.title not in turn.text]
    if missing:
        items = "\n".join(f"- **{escape(a.title)}** — {escape(a.why)}" for a in missing)
        parts.append(f"**{ui.get('actions_title', lang)}**\n\n{items}")
    return "\n\n".join(p for p in parts if p)


def coach_messages(turn: CoachTurn, ui: UiText) -> list[Message]:
    """The coach's reply, plus a collapsed 'Sources (n)' block when it cites passages.

    The block is a native <details>/<summary>: a keyboard and a screen reader know it
    as a disclosure. (Gradio's own collapsible "thought" message nests a nameless
    button inside its toggle, which axe-core reports as a serious violation.)
    """
    messages: list[Message] = [{"role": "assistant", "content": coach_text(turn, ui)}]
    citations = _unique_citations(turn)
    if citations:
        title = html.escape(ui.get("sources_title", turn.language, n=len(citations)))
        body = sources_markdown(citations, ui, turn.language)
        messages.append(
            {
                "role": "assistant",
                "content": f'<details class="bc-sources"><summary>{title}</summary>\n\n'
                f"{body}\n\n</details>",
            }
        )
    return messages


def notice_message(text: str) -> Message:
    """A friendly notice from the app itself (errors, resumed, deleted)."""
    return {"role": "assistant", "content": f"*{escape(text)}*"}


@dataclass
class ChatView:
    """Messages in the chat and, for each, the coach turn it belongs to (None for user/notices)."""

    messages: list[Message]
    turns: list[int | None]

    def add_user(self, text: str) -> None:
        self.messages.append(user_message(text))
        self.turns.append(None)

    def add_turn(self, turn: CoachTurn, ui: UiText) -> None:
        new = coach_messages(turn, ui)
        self.messages.extend(new)
        self.turns.extend([turn.turn] * len(new))

    def add_notice(self, text: str) -> None:
        self.messages.append(notice_message(text))
        self.turns.append(None)

    def turn_at(self, index: int | Sequence[int]) -> int | None:
        """The coach turn shown at a chat index (as sent by a like event)."""
        i = index[0] if isinstance(index, Sequence) else index
        return self.turns[i] if 0 <= i < len(self.turns) else None


def empty_view() -> ChatView:
    return ChatView(messages=[], turns=[])


def transcript_view(records: Iterable[Any], ui: UiText) -> ChatView:
    """The chat rebuilt from stored turns (resume): user text, then the coach's turn."""
    from coach.service import turn_from_dict

    view = empty_view()
    for record in records:
        if record.user_text:
            view.add_user(record.user_text)
        view.add_turn(turn_from_dict(record.reply), ui)
    return view


def progress_steps(progress: Mapping[str, Any], ui: UiText, lang: str) -> list[tuple[str, str]]:
    """(label, state) per step; state is 'done', 'current' or 'todo'."""
    phase = str(progress.get("phase") or "intake")
    total = int(progress.get("question_total") or 0)
    index = int(progress.get("question_index") or 0)
    current = _PHASE_STEP.get(phase, len(PHASE_ORDER))  # qa and unknown: all steps behind us
    steps = []
    for i, name in enumerate(PHASE_ORDER):
        state = "done" if i < current else "current" if i == current else "todo"
        if name == "question":
            if state == "current" and total:
                label = ui.get("phase_question", lang, i=min(max(index, 1), total), n=total)
            else:
                label = ui.get("phase_questions", lang) + (f" ({total})" if total else "")
        else:
            label = ui.get(f"phase_{name}", lang)
        steps.append((label, state))
    if phase == "qa":
        steps.append((ui.get("phase_qa", lang), "current"))
    return steps


def progress_text(progress: Mapping[str, Any], ui: UiText, lang: str) -> str:
    """One line, e.g. 'Intake → [Vraag 2/3] → Balans → Acties → Samenvatting'."""
    return " → ".join(
        f"[{label}]" if state == "current" else label
        for label, state in progress_steps(progress, ui, lang)
    )


_STEP_STYLE = {
    "done": "background:#e8f0ec;color:#2f5d48;border:1px solid #b9d3c5",
    "current": "background:#2f5d48;color:#fff;border:1px solid #2f5d48;font-weight:600",
    "todo": "background:transparent;color:#6b7280;border:1px dashed #c9ced6",
}


def progress_html(progress: Mapping[str, Any], ui: UiText, lang: str) -> str:
    """The phases as a row of pills, the current one highlighted (inline styles: no CSS needed)."""
    items = []
    for label, state in progress_steps(progress, ui, lang):
        mark = "✓ " if state == "done" else ""
        aria = ' aria-current="step"' if state == "current" else ""
        items.append(
            f'<li class="bc-step bc-{state}"{aria} style="list-style:none;padding:4px 12px;'
            f'border-radius:999px;font-size:0.9em;{_STEP_STYLE[state]}">{mark}{escape(label)}</li>'
        )
    arrow = '<li aria-hidden="true" style="list-style:none;color:#9ca3af">→</li>'
    return (
        f'<nav class="bc-progress" aria-label="{escape(ui.get("progress_label", lang))}">'
        '<ol style="display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:0;padding:0">'
        + arrow.join(items)
        + "</ol></nav>"
    )


def ratings_from_progress(progress: Mapping[str, Any]) -> dict[str, int | None]:
    """The three balance ratings (1-5) from a turn's progress; None where not given yet."""
    raw = progress.get("ratings") or {}
    out: dict[str, int | None] = {}
    for key in RATING_KEYS:
        value = raw.get(key) if isinstance(raw, Mapping) else None
        out[key] = int(value) if isinstance(value, int | float) and 1 <= value <= 5 else None
    return out


def ratings_chart_svg(ratings: Mapping[str, int | None], ui: UiText, lang: str) -> str:
    """A small horizontal bar chart of the three ratings as inline SVG (works offline)."""
    width, row, label_w, bar_w = 320, 30, 110, 170
    rows = []
    for i, key in enumerate(RATING_KEYS):
        y = 28 + i * row
        value = ratings.get(key)
        label = escape(ui.get(f"rating_{key}", lang))
        rows.append(
            f'<text x="0" y="{y + 14}" font-size="13" fill="#374151" aria-hidden="true">'
            f"{label}</text>"
        )
        rows.append(
            f'<rect x="{label_w}" y="{y}" width="{bar_w}" height="18" rx="4" fill="#eef1f4"/>'
        )
        if value:
            color = "#b45309" if value <= 2 else "#2f5d48"
            rows.append(
                f'<rect class="bc-bar" data-key="{key}" data-value="{value}" x="{label_w}" y="{y}" '
                f'width="{bar_w * value // 5}" height="18" rx="4" fill="{color}"/>'
            )
        shown = str(value) if value else escape(ui.get("chart_empty", lang))
        rows.append(
            f'<text x="{label_w + bar_w + 8}" y="{y + 14}" font-size="13" fill="#374151" '
            f'aria-hidden="true">{shown}</text>'
        )
    title = escape(ui.get("chart_title", lang))
    height = 28 + row * len(RATING_KEYS)
    return (
        f'<svg class="bc-chart" role="img" aria-labelledby="bc-chart-title bc-chart-desc" '
        f'xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" style="max-width:100%;height:auto">'
        f'<title id="bc-chart-title">{title}</title>'
        f'<desc id="bc-chart-desc">{escape(ratings_summary(ratings, ui, lang))}</desc>'
        f'<text x="0" y="16" font-size="14" font-weight="600" fill="#111827" aria-hidden="true">'
        f"{title}</text>" + "".join(rows) + "</svg>"
    )


def ratings_summary(ratings: Mapping[str, int | None], ui: UiText, lang: str) -> str:
    """The chart as one sentence (its text alternative), e.g.
    'Commitment 4 van 5, Voortgang 2 van 5, Resultaat nog niet'."""
    parts = []
    for key in RATING_KEYS:
        value = ratings.get(key)
        label = ui.get(f"rating_{key}", lang)
        shown = ui.get("chart_value", lang, value=value) if value else ui.get("chart_empty", lang)
        parts.append(f"{label} {shown}")
    return ", ".join(parts)


def command_replies(ui: UiText, lang: str) -> list[tuple[str, str]]:
    """(button label, text sent) for the always-available commands."""
    return [
        (ui.get(f"cmd_{c}", lang), ui.get(f"cmd_{c}_send", lang))
        for c in ("skip", "back", "summary")
    ]


def suggested_replies(turn: CoachTurn, ui: UiText, limit: int = 6) -> list[str]:
    """The turn's clickable replies, without duplicates of the command buttons."""
    commands = {send.lower() for _, send in command_replies(ui, turn.language)}
    commands |= {label.lower() for label, _ in command_replies(ui, turn.language)}
    out: list[str] = []
    for text in turn.suggestions:
        clean = " ".join(str(text).split())
        if clean and clean.lower() not in commands and clean not in out:
            out.append(clean)
    return out[:limit]


ROLE_KEYS = ("partner", "facilitator", "other")
_DIGIT = re.compile(r"\d")


def quick_replies(turn: CoachTurn, ui: UiText, limit: int = 6) -> list[str]:
    """The clickable replies the web app shows for a turn.

    At the intake they are roles to pick, never a sentence that speaks for the user.
    Where the app has its own controls for a phase (the ratings, the action choice),
    replies with numbers are left out: a suggested score or pick would steer the answer.
    """
    if turn.phase == "intake":
        return [ui.get(f"role_{key}", turn.language) for key in ROLE_KEYS][:limit]
    replies = suggested_replies(turn, ui, limit)
    if turn.phase in ("balance", "actions"):
        replies = [r for r in replies if not _DIGIT.search(r)]
    return replies


@dataclass(frozen=True)
class PhaseControls:
    """Which of the chat tab's controls make sense after a turn (the rest are hidden)."""

    skip: bool
    back: bool
    summary: bool
    ratings: bool
    actions: bool
    owners: bool


def phase_controls(turn: CoachTurn, chosen: Sequence[str] = ()) -> PhaseControls:
    """Skip only where there is something to skip, Back not at the start nor once the
    summary is there; the phase's own controls in their phase."""
    phase = turn.phase
    walking = phase in ("question", "followup", "balance", "actions", "qa")
    return PhaseControls(
        skip=phase in ("intake", "question", "followup", "balance"),
        back=walking,
        summary=walking or phase == "summary",  # shows it again, e.g. with who/when
        ratings=phase == "balance",
        actions=phase == "actions" and bool(turn.actions),
        owners=phase == "summary" and bool(chosen),
    )


def rating_choices() -> list[tuple[str, int]]:
    """The five choices of each rating, lowest first; none is preselected."""
    return [(str(n), n) for n in range(1, 6)]


def action_choices(turn: CoachTurn) -> list[tuple[str, str]]:
    """(label, action id) for each action offered in the turn, numbered as in the text."""
    return [(f"{i}. {a.title}", a.id) for i, a in enumerate(turn.actions, 1)]


def actions_message(chosen: Sequence[str], turn: CoachTurn, ui: UiText, lang: str) -> str:
    """What the action checkboxes send: the numbers the coach offered them under ('1 en 3'),
    or the word for none."""
    numbers = [str(i) for i, a in enumerate(turn.actions, 1) if a.id in set(chosen)]
    if not numbers:
        return ui.get("actions_none_send", lang)
    if len(numbers) == 1:
        return numbers[0]
    joined = ", ".join(numbers[:-1])
    return ui.get("actions_message", lang, first=joined, last=numbers[-1])


def notice_html(kind: str | None, text: str | None, ui: UiText, lang: str) -> str:
    """An error or a notice of the app itself, outside the chat and labelled as what it is:
    an error is announced at once (role=alert), a notice politely (role=status)."""
    if not text:
        return ""
    error = kind == "error"
    label = ui.get("notice_error_label" if error else "notice_info_label", lang)
    return (
        f'<div class="bc-notice bc-notice-{"error" if error else "info"}" '
        f'role="{"alert" if error else "status"}"><strong>{html.escape(label)}:</strong> '
        f"{html.escape(text)}</div>"
    )


def session_code_html(code: str, ui: UiText, lang: str) -> str:
    """The session code as selectable text under its label (or what to expect, before)."""
    label = html.escape(ui.get("session_id_label", lang))
    if not code:
        empty = html.escape(ui.get("session_code_placeholder", lang))
        shown = f'<em class="bc-code-empty">{empty}</em>'
    else:
        shown = f'<code class="bc-code-value">{html.escape(code)}</code>'
    return f'<p class="bc-code"><strong>{label}</strong><br>{shown}</p>'


def excerpt(content: Any, limit: int = 90) -> str:
    """The start of a chat message as plain text (for the feedback box), at most `limit` chars."""
    if isinstance(content, list):  # Gradio 6: a list of {"type": "text", "text": ...}
        content = " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    text = re.sub(r"[*_>#`\\]", "", str(content or ""))
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def ratings_message(commitment: int, progress: int, result: int, ui: UiText, lang: str) -> str:
    """The chat text the balance sliders send, e.g. 'commitment 4, voortgang 2, resultaat 3'."""
    return ui.get(
        "ratings_message",
        lang,
        commitment=int(commitment),
        progress=int(progress),
        result=int(result),
    )


def friendly_error(exc: BaseException, ui: UiText, lang: str) -> str:
    """A CoachError's own message (it says the fix); else a generic notice, never a traceback."""
    if isinstance(exc, CoachError):
        return ui.get("error_known", lang, message=str(exc))
    return ui.get("error_generic", lang)


def api_reply(turn: CoachTurn) -> str:
    """What `/chat` returns: the coach's text, with its notice (if any) on the first line."""
    return f"{turn.notice}\n\n{turn.text}" if turn.notice else turn.text
