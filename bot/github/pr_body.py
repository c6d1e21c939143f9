"""The body of the app's pull requests: what a reviewer needs, in the order they need it.

The intent issue first (`Closes #N`, or `Fixes #N` for a repair), the spec as tables, the gate's
report, for a repair the failing packet as a permalink pinned to the commit, and how the work was
done: model, prompt version, gate attempts, tokens and cost. Everything here comes from the job's
own record; nothing secret is ever in it (the spec and the report are written by the model and the
gate, and the packet is redacted before it is committed).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.jobs.work import WorkRecord
from flowkit.spec import FlowSpec

PR_MARKER = "<!-- flowbot:pull-request -->"


@dataclass(frozen=True)
class PullRequestContent:
    """Everything the body is made from."""

    kind: str
    """generate, repair or revise."""
    issue_number: int
    spec: FlowSpec
    flow_folder: str
    gate_passed: bool
    gate_report: str
    work: WorkRecord
    summary: str = ""
    packet_permalink: str | None = None


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def spec_tables(spec: FlowSpec) -> str:
    """The spec as a reviewer scans it: route, trigger, keys, then the mapping table."""
    trigger = (f"schedule `{spec.trigger.schedule}` (UTC)" if spec.trigger.schedule
               else "by hand")
    lines = [
        "| | |", "|---|---|",
        f"| Source | `{spec.source.connector}.{spec.source.operation}` "
        f"(key `{spec.source.key}`"
        + (f", cursor `{spec.source.cursor}`" if spec.source.cursor else "") + ") |",
        f"| Target | `{spec.target.connector}.{spec.target.operation}` |",
        f"| Trigger | {trigger} |",
        f"| Idempotency key | `{spec.idempotency_key}` |" if spec.idempotency_key
        else "| Idempotency key | none |",
        f"| Bad record | {spec.on_bad_record.action}: {_cell(spec.on_bad_record.when)} |",
        "", "| Target field | Source field | Rule |", "|---|---|---|",
    ]
    lines += [f"| `{row.target}` | {f'`{row.source}`' if row.source else '—'} | "
              f"{_cell(row.rule)} |" for row in spec.mapping]
    if spec.open_questions:
        lines += ["", "**Open questions**", *[f"- {q}" for q in spec.open_questions]]
    return "\n".join(lines)


def render_pull_request_body(content: PullRequestContent) -> str:
    """The PR body, marker first."""
    link = "Fixes" if content.kind == "repair" else "Closes"
    verdict = "✅ the gate passed" if content.gate_passed else \
        "❌ the gate still fails after the last attempt: this draft needs a person"
    parts = [PR_MARKER, f"{link} #{content.issue_number}", "",
             f"**{content.spec.title}** — `{content.flow_folder}`", ""]
    if content.summary:
        parts += [content.summary, ""]
    parts += ["### Spec", spec_tables(content.spec), ""]
    if content.packet_permalink:
        parts += ["### The failing packet", f"[{content.packet_permalink.rsplit('/', 1)[-1]}]"
                  f"({content.packet_permalink}) — replayed by the regression test, which failed "
                  "before the fix and passes after it.", ""]
    parts += ["### Gate", verdict, "", "<details><summary>Report</summary>", "",
              "```text", content.gate_report.strip() or "(no findings)", "```", "", "</details>",
              ""]
    work = content.work
    parts += ["### How this was made",
              f"Model `{work.model}` (thinking `{work.thinking}`, effort `{work.effort}`), "
              f"prompt `{work.prompt_version}`, {work.attempts} gate "
              f"attempt{'s' if work.attempts != 1 else ''}, {work.input_tokens:,} input "
              f"({work.cached_share:.0%} read from the prompt cache) and "
              f"{work.output_tokens:,} output tokens, ${work.cost_usd:.4f} by the operator's "
              "price table.",
              "", "Reply `/revise <what to change>` to ask for changes, or review with "
                  "\"Request changes\"; `/retry` runs a failed job again, `/cancel` stops one, "
                  "`/help` lists the commands."]
    return "\n".join(parts)
