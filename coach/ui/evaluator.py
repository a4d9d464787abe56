"""Evaluator tab: run shipped or uploaded conversation scripts from the browser.

A thin adapter: choosing files, running them, comparing with a baseline and
writing the report is `coach.evaluation.runner.run_files`; what the tab shows
is computed by `coach.ui.render_eval`. The run happens in a worker thread and
the tab shows each script as it finishes. A bad script or baseline shows its
file-and-line message instead of a traceback. The report is written under
`$COACH_HOME/reports/`; the download button appears once a report exists, with
a copy in the server's export folder (served from there, removed when the
server stops).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.ui import render_eval
from coach.ui.exports import ExportFolder
from coach.ui.render import UiText


@dataclass
class EvalRun:
    """What one run produced: the report (None when nothing ran) or the error that stopped it."""

    report: dict[str, Any] | None = None
    failures: list[str] = field(default_factory=list)
    html_path: str | None = None
    error: str | None = None


def script_paths(chosen: list[str] | None, uploads: list[Any] | None) -> list[Path]:
    """The chosen shipped scripts (by file name) followed by the uploaded files."""
    from coach.evaluation.runner import shipped_scripts

    by_name = {p.name: p for p in shipped_scripts()}
    files: list[Path] = [by_name[name] for name in (chosen or []) if name in by_name]
    for upload in uploads or []:
        files.append(upload_path(upload))
    return files


def upload_path(upload: Any) -> Path:
    """The path of an uploaded file: Gradio gives a path, older versions a tempfile object."""
    if isinstance(upload, str | Path):
        return Path(upload)
    return Path(getattr(upload, "path", None) or upload.name)


def run_evaluation(
    coach: Any,
    files: list[Path],
    on_result: Callable[[Any], None] | None = None,
    exports: ExportFolder | None = None,
    baseline: Any = None,
) -> EvalRun:
    """Run the scripts (and compare with `baseline`, a report.json, when given)."""
    from coach.evaluation.runner import run_files

    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    baseline_path = upload_path(baseline) if baseline else None
    try:
        outcome, paths = run_files(
            coach,
            files,
            coach.settings.reports_dir / f"ui-{stamp}",
            on_result=on_result,
            baseline=baseline_path,
        )
    except CoachError as exc:
        return EvalRun(error=str(exc))
    failures = [m for r in outcome.results for m in r.failure_messages()]
    html_path = str(paths["html"])
    if exports is not None:
        html = Path(paths["html"]).read_text(encoding="utf-8")
        html_path = exports.write("reports", "report.html", html)
    return EvalRun(outcome.report, failures, html_path)


def evaluator_tab(
    coach: Any,
    ui: UiText,
    language: Any,
    exports: ExportFolder,
    label: Callable[..., Any] = lambda component, **_: component,
) -> None:
    """Build the evaluator tab's components inside the current Gradio Tab context."""
    import gradio as gr

    from coach.evaluation.runner import shipped_scripts

    def t(key: str, lang: str = "nl", **values: Any) -> str:
        return ui.get(key, lang, **values)

    names = [p.name for p in shipped_scripts()]
    label(gr.Markdown(t("eval_intro")), value="eval_intro")
    chosen = label(
        gr.CheckboxGroup(
            choices=names, value=names, label=t("eval_shipped"), elem_id="bc-eval-scripts"
        ),
        label="eval_shipped",
    )
    with gr.Row(elem_id="bc-eval-pick"):
        pick_all = label(
            gr.Button(t("eval_all"), size="sm", elem_id="bc-eval-all"), value="eval_all"
        )
        pick_none = label(
            gr.Button(t("eval_none"), size="sm", elem_id="bc-eval-none"), value="eval_none"
        )
    # Upload buttons, not drop zones: a button's name is its text (a drop zone's is not),
    # and a phone has nothing to drop.
    with gr.Row(elem_id="bc-eval-files"):
        uploads = label(
            gr.UploadButton(
                t("eval_uploads"),
                file_count="multiple",
                file_types=[".yaml", ".yml"],
                size="sm",
                elem_id="bc-eval-uploads",
            ),
            label="eval_uploads",
        )
        baseline = label(
            gr.UploadButton(
                t("eval_baseline"),
                file_count="single",
                file_types=[".json"],
                size="sm",
                elem_id="bc-eval-baseline",
            ),
            label="eval_baseline",
        )
        clear = label(
            gr.Button(t("eval_clear"), size="sm", elem_id="bc-eval-clear"), value="eval_clear"
        )
    uploaded = gr.Markdown(elem_id="bc-eval-uploaded")
    run_button = label(
        gr.Button(t("eval_run"), variant="primary", elem_id="bc-eval-run"), value="eval_run"
    )
    progress = gr.HTML(elem_id="bc-eval-progress")
    status = gr.Markdown(elem_id="bc-eval-status")
    table = gr.HTML(elem_id="bc-eval-table")
    metrics = gr.HTML(elem_id="bc-eval-metrics")
    download = label(
        gr.DownloadButton(t("eval_download"), visible=False, elem_id="bc-eval-download"),
        label="eval_download",
    )
    exports.serve_from_here(download)

    def on_run(
        selected: list[str] | None, files: list[Any] | None, earlier: Any, lang: str
    ) -> Iterator[tuple[Any, ...]]:
        """Run in a worker thread; show each script as it finishes, then the report."""
        lang = "en" if lang == "en" else "nl"
        paths = script_paths(selected, files)
        hidden = gr.update(visible=False)
        if not paths:
            yield "", f"**{t('eval_choose', lang)}**", "", "", hidden
            return
        results: queue.Queue[tuple[str, bool]] = queue.Queue()
        outcome: list[EvalRun] = []

        def work() -> None:
            try:
                outcome.append(
                    run_evaluation(
                        coach,
                        paths,
                        lambda r: results.put((r.name, bool(r.passed))),
                        exports,
                        earlier,
                    )
                )
            except Exception:  # the edge: a generic message, never a traceback
                outcome.append(EvalRun(error=ui.get("error_generic", lang)))

        worker = threading.Thread(target=work, name="coach-eval", daemon=True)
        worker.start()
        done: list[tuple[str, bool]] = []
        yield render_eval.progress_html(done, len(paths), ui, lang), "", "", "", hidden
        while worker.is_alive() or not results.empty():
            try:
                done.append(results.get(timeout=0.25))
            except queue.Empty:
                continue
            yield (
                render_eval.progress_html(done, len(paths), ui, lang),
                gr.skip(),
                gr.skip(),
                gr.skip(),
                gr.skip(),
            )
        run = outcome[0] if outcome else EvalRun(error=ui.get("error_generic", lang))
        bar = render_eval.progress_html(done, len(paths), ui, lang)
        if run.report is None:
            message = t("eval_bad_input", lang, message=run.error or "")
            yield bar if done else "", f"**{message}**", "", "", hidden
            return
        yield (
            bar,
            render_eval.verdict_markdown(run.report, run.failures, ui, lang),
            render_eval.results_html(run.report, ui, lang),
            render_eval.metrics_html(run.report, ui, lang),
            gr.update(value=run.html_path, visible=True),
        )

    def listing(files: list[Any] | None, earlier: Any, lang: str) -> str:
        """What is uploaded, by file name."""
        lang = "en" if lang == "en" else "nl"
        lines = []
        if files:
            shown = ", ".join(upload_path(f).name for f in files)
            lines.append(f"{t('eval_uploads', lang)}: {shown}")
        if earlier:
            lines.append(f"{t('eval_baseline', lang)}: {upload_path(earlier).name}")
        return "  \n".join(lines)

    private: dict[str, Any] = {"api_visibility": "private", "show_progress": "hidden"}
    pick_all.click(lambda: names, None, chosen, queue=False, **private)
    pick_none.click(lambda: [], None, chosen, queue=False, **private)
    for button in (uploads, baseline):
        button.upload(listing, [uploads, baseline, language], uploaded, **private)
    clear.click(lambda: (None, None, ""), None, [uploads, baseline, uploaded], **private)

    # One run at a time: a run takes minutes and shares the coach's retrieval lock.
    run_button.click(
        on_run,
        inputs=[chosen, uploads, baseline, language],
        outputs=[progress, status, table, metrics, download],
        concurrency_limit=1,
        show_progress="hidden",
        api_visibility="private",
    )
