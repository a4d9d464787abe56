"""Evaluator tab: run shipped or uploaded conversation scripts from the browser.

A thin adapter: choosing files, running them and writing the report is
`coach.evaluation.runner.run_files`; turning the report into table rows is
`coach.evaluation.report.result_rows`. A bad script shows its file-and-line
message in the tab instead of a traceback. The report is written under
`$COACH_HOME/reports/` and a copy goes to the server's export folder for the
download button (served from there, removed when the server stops).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from coach.errors import CoachError
from coach.ui.exports import ExportFolder


def run_evaluation(
    coach: Any,
    chosen: list[str] | None,
    uploads: list[Any] | None,
    on_result: Callable[[Any], None] | None = None,
    exports: ExportFolder | None = None,
) -> tuple[list[list[Any]], str, str | None]:
    """Run chosen shipped scripts plus uploads: (table rows, status markdown, html path)."""
    from coach.evaluation.report import metrics_markdown, result_rows
    from coach.evaluation.runner import run_files, shipped_scripts

    by_name = {p.name: p for p in shipped_scripts()}
    files: list[Path] = [by_name[name] for name in (chosen or []) if name in by_name]
    for upload in uploads or []:
        files.append(Path(getattr(upload, "name", upload)))
    if not files:
        return (
            [],
            "Kies een of meer scripts of upload YAML-bestanden. / Choose or upload scripts.",
            None,
        )
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        outcome, paths = run_files(
            coach, files, coach.settings.reports_dir / f"ui-{stamp}", on_result=on_result
        )
    except CoachError as exc:
        return [], f"**Script error:** {exc}", None
    report = outcome.report
    summary = report["summary"]
    verdict = "✅ all scripts passed" if outcome.passed else "❌ some scripts failed"
    status = f"**{verdict}** — {summary['passed']}/{summary['scripts']} scripts passed.\n\n"
    failures = [m for r in outcome.results for m in r.failure_messages()]
    if failures:
        status += "\n".join(f"- `{m.splitlines()[0]}`" for m in failures[:20]) + "\n\n"
    status += metrics_markdown(report)
    if exports is None:
        return result_rows(report), status, str(paths["html"])
    html = Path(paths["html"]).read_text(encoding="utf-8")
    return result_rows(report), status, exports.write("reports", "report.html", html)


def evaluator_tab(coach: Any, exports: ExportFolder) -> None:
    """Build the evaluator tab's components inside the current Gradio Tab context."""
    import gradio as gr

    from coach.evaluation.report import RESULT_COLUMNS
    from coach.evaluation.runner import shipped_scripts

    names = [p.name for p in shipped_scripts()]
    gr.Markdown(
        "Speel gescripte gesprekken af tegen de coach en bekijk de resultaten. "
        "Run scripted conversations against the coach (format: `eval/README.md`)."
    )
    chosen = gr.CheckboxGroup(
        choices=names,
        value=names,
        label="Meegeleverde scripts / shipped scripts",
        show_select_all=True,
    )
    uploads = gr.File(
        file_count="multiple",
        file_types=[".yaml", ".yml"],
        label="Eigen scripts (YAML) / your own scripts",
    )
    run_button = gr.Button("Evaluatie uitvoeren / Run evaluation", variant="primary")
    status = gr.Markdown()
    table = gr.Dataframe(
        headers=list(RESULT_COLUMNS),
        value=[],
        interactive=False,
        wrap=True,
        label="Resultaten / results",
    )
    download = gr.DownloadButton("Download report.html", value=None, visible=True)
    exports.serve_from_here(download)

    def on_run(
        selected: list[str] | None,
        files: list[Any] | None,
        progress: gr.Progress = gr.Progress(),  # noqa: B008 (Gradio's documented idiom)
    ) -> tuple[Any, str, Any]:
        total = len(selected or []) + len(files or [])
        done: list[str] = []

        def tick(result: Any) -> None:
            done.append(result.name)
            progress(len(done) / max(total, 1), desc=result.name)

        rows, message, html_path = run_evaluation(coach, selected, files, tick, exports)
        return rows, message, gr.DownloadButton(value=html_path)

    # One run at a time: a run takes minutes and shares the coach's retrieval lock.
    run_button.click(
        on_run, inputs=[chosen, uploads], outputs=[table, status, download], concurrency_limit=1
    )
