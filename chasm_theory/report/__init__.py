"""Regenerate ``reports/``: ``claims.json``, the front page ``REPORT.md``, one page per claim
``claims/<id>.md``, and the figures the checks draw.

``chasm_theory.report`` is the public face; the parts live in ``_format`` (numbers, headlines,
verdict buckets), ``_papers`` (papers, order, the papers' tables), ``_front`` (front page and
console summary), ``_pages`` (claim pages) and ``_generate`` (running and writing).
"""
from __future__ import annotations

from chasm_theory.report._format import (
    BUCKET_LABELS,
    BUCKETS,
    bucket,
    fmt,
    headline,
    is_pending,
    main_number,
    verdict_cell,
)
from chasm_theory.report._front import Finding, counts, findings, render_front, summary_lines
from chasm_theory.report._generate import (
    SIG_DIGITS,
    generate,
    load_meta,
    load_records,
    render_from_json,
    run_claims,
    source_commit,
    write_pages,
    write_reports,
)
from chasm_theory.report._papers import ORDER, PAPERS, TABLES, paper_of, sort_key

render_markdown = render_front  # the name earlier versions used

__all__ = [
    "BUCKETS",
    "BUCKET_LABELS",
    "ORDER",
    "PAPERS",
    "SIG_DIGITS",
    "TABLES",
    "Finding",
    "bucket",
    "counts",
    "findings",
    "fmt",
    "generate",
    "headline",
    "is_pending",
    "load_meta",
    "load_records",
    "main_number",
    "paper_of",
    "render_front",
    "render_from_json",
    "render_markdown",
    "run_claims",
    "sort_key",
    "source_commit",
    "summary_lines",
    "verdict_cell",
    "write_pages",
    "write_reports",
]
