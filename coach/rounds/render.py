"""A round report as Markdown (CLI, download, web), its charts as HTML, and the CSV export.

Pure functions of a `RoundReport` and the words in prompts/rounds.yaml. The
Markdown carries no SVG (it must read well in a terminal and a text editor):
the spread is a table with a dot strip per dimension; the web app shows the
SVG charts from `coach.rounds.charts` beside it. Partners' answers are quoted
as they came through `coach.rounds.report.contribution` (anonymised), escaped
so they can never become markup.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from coach.rounds.charts import strip_chart, trend_chart
from coach.rounds.report import DIMENSIONS, ORG_MIN_PARTNERS, RoundReport
from coach.rounds.texts import RoundTexts
from coach.understanding.labels import PROBLEM_SIGNALS

CSV_COLUMNS = ("round", "partner", "organisation", "commitment", "progress", "result")


def _num(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:.1f}"
    return text.replace(".", ",") if lang == "nl" else text


def _md(text: str) -> str:
    """Partner text inside Markdown: no HTML, no headings or tables of its own."""
    safe = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return " ".join(safe.replace("|", "\\|").split())


def _strip(scores: Sequence[int]) -> str:
    """'1 · 2 ●● 3 ● 4 ●●● 5 ·': how many partners gave each score."""
    return " ".join(f"{v} {'●' * scores.count(v) if scores.count(v) else '·'}" for v in range(1, 6))


class _Doc:
    def __init__(self, report: RoundReport, texts: RoundTexts, lang: str) -> None:
        self.r = report
        self.texts = texts
        self.lang = "en" if lang == "en" else "nl"

    def t(self, key: str, **values: object) -> str:
        return self.texts.get(key, self.lang, **values)

    def dim(self, name: str) -> str:
        return self.t(f"label_{name}")

    def num(self, value: float | None) -> str:
        return _num(value, self.lang)


def _head(d: _Doc) -> list[str]:
    r, f = d.r, d.r.facts
    out = [
        f"# {d.t('report_title', name=_md(f.name), number=f.number)}",
        "",
        d.t(
            "report_meta",
            card=f.card_title,
            opens=f.opens_on,
            closes=f.closes_on,
            status=d.t(f"status_{f.status}"),
            round=f.round_id,
        ),
        "",
        d.t("participation", joined=r.joined, took_part=r.took_part, withdrawn=r.withdrawn),
        "",
        d.t("sharing", **{k: r.shares.get(k, 0) for k in ("scores", "signals", "answers")}),
        "",
    ]
    if 0 < r.took_part < r.min_partners:
        out += [f"> {d.t('few_partners', n=r.took_part)}", ""]
    if not r.took_part:
        out += [d.t("no_one_yet"), ""]
    return out


def _spread(d: _Doc) -> list[str]:
    out = [f"## {d.t('heading_spread')}", "", *d.t("spread_header").splitlines()]
    for dim in d.r.dimensions:
        span = f"{dim.low}–{dim.high}" if dim.n else "–"
        strip = _strip(list(dim.scores)) if dim.n else d.t("no_scores")
        out.append(f"| {d.dim(dim.name)} | {dim.n} | {d.num(dim.mean)} | {span} | {strip} |")
    return [*out, ""]


def _differences(d: _Doc) -> list[str]:
    r = d.r
    ranked = r.by_gap()
    if not ranked:
        return []
    out = [f"## {d.t('heading_differences')}", ""]
    top = ranked[0]
    if top.gap > 1:
        out.append(
            d.t("largest_gap", dimension=d.dim(top.name), low=top.low, high=top.high, gap=top.gap)
        )
    else:
        out.append(d.t("all_close", gap=top.gap))
    out.append("")
    out += [
        f"- {d.t('gap_line', dimension=d.dim(x.name), low=x.low, high=x.high, gap=x.gap)}"
        for x in ranked
    ]
    out.append("")
    if r.org_gaps:
        out += [f"### {d.t('org_heading')}", ""]
        for g in r.org_gaps:
            line = d.t(
                "org_gap",
                dimension=d.dim(g.dimension),
                high_org=_md(g.high_org),
                high_mean=d.num(g.high_mean),
                low_org=_md(g.low_org),
                low_mean=d.num(g.low_mean),
                gap=d.num(g.gap),
            )
            out.append(f"- {line}")
        out.append("")
    if r.facts.listed_organisations:
        out += [f"_{d.t('org_note', min=r.min_partners, group=ORG_MIN_PARTNERS)}_", ""]
    if r.only_some:
        out += [f"### {d.t('only_some_heading')}", ""]
        out += [
            f"- {d.t('signal_line', said=d.texts.signal(s.signal, d.lang), count=s.count, of=s.of)}"
            for s in r.only_some
        ]
        out.append("")
    return out


def _signals(d: _Doc) -> list[str]:
    r = d.r
    out = [f"## {d.t('heading_signals')}", ""]
    if not r.signal_sharers:
        return [*out, d.t("no_signal_sharers"), ""]
    out += [d.t("signals_from", n=r.signal_sharers), ""]
    if not r.signals:
        return [*out, d.t("no_signals"), ""]
    out += [
        f"- {d.t('signal_line', said=d.texts.signal(s.signal, d.lang), count=s.count, of=s.of)}"
        for s in r.signals
    ]
    return [*out, ""]


def _actions(d: _Doc) -> list[str]:
    r = d.r
    if not r.signal_sharers:
        return []
    out = [f"## {d.t('heading_actions')}", ""]
    if not r.actions:
        out += [d.t("no_actions"), ""]
    else:
        out += [f"- {d.t('action_tally', title=a.title, count=a.count)}" for a in r.actions]
        out.append("")
    if r.followups:
        out += [f"### {d.t('heading_followup')}", ""]
        for f in r.followups:
            line = d.t(
                "followup_line",
                title=f.title,
                done=f.done,
                partly=f.partly,
                not_yet=f.not_yet,
                unanswered=f.unanswered,
            )
            out.append(f"- {line}")
        out.append("")
    return out


def _answers(d: _Doc) -> list[str]:
    r = d.r
    out = [f"## {d.t('heading_answers')}", ""]
    if not r.answers_shown:
        return [*out, d.t("answers_hidden", min=r.min_partners, n=r.answer_sharers), ""]
    if not r.answers and not r.review_words:
        return [*out, d.t("answers_none"), ""]
    out += [f"_{d.t('answers_intro')}_", ""]
    for question, answers in r.answers:
        out += [f"### {_md(question)}", ""]
        out += [f"- {_md(a)}" for a in answers]
        out.append("")
    if r.review_words:
        out += [f"### {d.t('review_words_heading')}", ""]
        for title, answers in r.review_words:
            out.append(f"- **{_md(title)}**")
            out += [f"  - {_md(a)}" for a in answers]
        out.append("")
    return out


def _cited(d: _Doc) -> list[str]:
    if not d.r.cited:
        return []
    out = [f"## {d.t('heading_cited')}", ""]
    for i, c in enumerate(d.r.cited, 1):
        cite = c.citation
        out += [
            f"{i}. {d.t('cited_line', title=cite.title, section=cite.section, count=c.count)}",
            "",
            f"   > {cite.quote}",
            "",
        ]
        if cite.source:
            out += [f"   {cite.source}", ""]
    return out


def _trend(d: _Doc) -> list[str]:
    out = [f"## {d.t('heading_trend')}", ""]
    if len(d.r.trend) < 2:
        return [*out, d.t("trend_first"), ""]
    out += d.t("trend_header").splitlines()
    for p in d.r.trend:
        values = " | ".join(d.num(p.means.get(n)) for n in DIMENSIONS)
        out.append(f"| {p.number} | {p.n} | {values} |")
    return [*out, ""]


def proposal(
    report: RoundReport, texts: RoundTexts, lang: str, plan_hint: bool = True
) -> list[str]:
    """The proposal for the group session: where to start and what to bring up
    (`plan_hint`: end by pointing to the full session plan)."""
    d = _Doc(report, texts, lang)
    r = report
    top = r.largest()
    if top is None:
        return [d.t("proposal_empty")]
    lines = []
    if top.gap > 1:
        lines.append(d.t("proposal_gap", dimension=d.dim(top.name), low=top.low, high=top.high))
    else:
        lowest = min((x for x in r.dimensions if x.n), key=lambda x: x.mean or 0.0)
        lines.append(d.t("proposal_low", dimension=d.dim(lowest.name), mean=d.num(lowest.mean)))
    if r.org_gaps:
        g = r.org_gaps[0]
        lines.append(
            d.t(
                "proposal_org",
                high_org=_md(g.high_org),
                low_org=_md(g.low_org),
                dimension=d.dim(g.dimension).lower(),
            )
        )
    if len(r.trend) >= 2:
        before, after = r.trend[-2], r.trend[-1]
        changes = [
            (n, b, a)
            for n in DIMENSIONS
            if (b := before.means.get(n)) is not None
            and (a := after.means.get(n)) is not None
            and abs(a - b) >= 0.5
        ]
        if changes:
            n, b, a = max(changes, key=lambda c: abs(c[2] - c[1]))
            key = "proposal_trend_up" if a > b else "proposal_trend_down"
            lines.append(d.t(key, dimension=d.dim(n), before=d.num(b), after=d.num(a)))
    problems = [s for s in r.only_some if s.signal in PROBLEM_SIGNALS]  # not "het gaat goed"
    if problems:
        said = "; ".join(texts.signal(s.signal, d.lang) for s in problems[:3])
        lines.append(d.t("proposal_signals", said=said))
    if r.followups:
        done = sum(f.done for f in r.followups)
        total = sum(f.total for f in r.followups)
        lines.append(d.t("proposal_followup", done=done, total=total))
    if r.actions:
        lines.append(d.t("proposal_action", title=r.actions[0].title))
    if plan_hint:
        lines.append(d.t("proposal_plan", round=r.facts.round_id))
    return lines


def report_markdown(report: RoundReport, texts: RoundTexts, lang: str = "nl") -> str:
    """The whole report as a Markdown document (`coach round report`, the download)."""
    d = _Doc(report, texts, lang)
    out = _head(d)
    if report.took_part:
        out += _spread(d)
        out += _differences(d)
        out += _signals(d)
        out += _actions(d)
        out += _answers(d)
        out += _cited(d)
    out += _trend(d)
    out += [f"## {d.t('heading_proposal')}", ""]
    out += [f"{i}. {line}" for i, line in enumerate(proposal(report, texts, lang), 1)]
    return "\n".join(out).rstrip() + "\n"


def charts_html(report: RoundReport, texts: RoundTexts, lang: str = "nl") -> str:
    """The web view's charts: the strip per dimension and (from round 2) the trend."""
    parts = [strip_chart(report.dimensions, texts, lang)]
    if len(report.trend) >= 2:
        parts.append(trend_chart(report.trend, texts, lang))
    return '<div class="bc-round-charts">' + "".join(parts) + "</div>"


def report_csv(report: RoundReport) -> str:
    """Scores per partner, anonymised (see `coach.rounds.report.csv_rows`)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for row in report.rows:
        values = {k: row.get(k) for k in CSV_COLUMNS[1:]}
        values["organisation"] = _cell(str(values["organisation"] or ""))
        writer.writerow({"round": report.facts.round_id, **values})
    return buffer.getvalue()


def _cell(text: str) -> str:
    """A text cell a spreadsheet will not run as a formula."""
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text
