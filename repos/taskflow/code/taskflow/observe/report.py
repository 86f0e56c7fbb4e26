"""Human readable summaries of workflow runs."""

from taskflow.core.states import TaskState
from taskflow.observe.percentiles import summarize
from taskflow.schedule.durations import format_duration

STATE_SYMBOLS = {
    TaskState.SUCCEEDED: "ok",
    TaskState.FAILED: "FAIL",
    TaskState.TIMED_OUT: "TIMEOUT",
    TaskState.CANCELLED: "cancel",
    TaskState.SKIPPED: "skip",
}


def task_rows(result):
    rows = []
    for name in result.order:
        state = result.states[name]
        rows.append(
            (
                name,
                STATE_SYMBOLS.get(state, state.value),
                str(result.attempts.get(name, 0)),
                format_duration(result.durations.get(name, 0.0)),
            )
        )
    return rows


def render_table(rows, headers=("task", "state", "attempts", "duration")):
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip()]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
    return "\n".join(lines)


def count_states(result):
    counts = {}
    for state in result.states.values():
        counts[state.value] = counts.get(state.value, 0) + 1
    return dict(sorted(counts.items()))


def render_report(result):
    header = f"workflow {result.workflow} run {result.run_id}: {result.status}"
    if result.duration is not None:
        header += f" in {format_duration(result.duration)}"
    counts = ", ".join(f"{count} {state}" for state, count in count_states(result).items())
    lines = [header, counts, "", render_table(task_rows(result))]
    if result.errors:
        lines.append("")
        for name in result.order:
            if name in result.errors:
                error = result.errors[name]
                lines.append(f"{name}: {type(error).__name__}: {error}")
    return "\n".join(lines)


def duration_summary(result):
    values = [result.durations[name] for name in result.order
              if result.states[name] is TaskState.SUCCEEDED]
    return summarize(values)
