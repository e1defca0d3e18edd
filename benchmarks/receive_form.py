"""How much does `lcspr receive` add to opening a returned form with python-docx?

Makes the blank referral-response form of the fictional case LIG-2026-001 for the
police, fills it as an agency would (python-docx, as Word would save it) with a
long chronology (1,000 rows by default) and long sections (300 paragraphs of
text, headings, lists and emphasis), then times, alternately and in the same run:

- the baseline: python-docx opening the .docx and reading the text of every
  paragraph and every table cell, the least any reader of the form does;
- reading the form (`lcspr.form_reading.read_form`: the file's checks, the
  form's markers, every field, row and date, each section as Markdown);
- the whole `lcspr receive` (reading, validating the response, writing it and the
  .docx, one Git commit), with `--replace` so it can repeat.

It prints the medians and their ratios to the baseline, so the figures do not
depend on the machine. The target is reading within 3x of the baseline.

    python benchmarks/receive_form.py [--rows 1000] [--paragraphs 300] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

from render_report import _median  # one timing loop for the benchmarks that time a call in-process

PROJECT = Path(__file__).resolve().parent.parent
CASE, AGENCY = "LIG-2026-001", "police"


def make_records(root: Path) -> None:
    from lcspr.config import render_default

    root.mkdir(parents=True)
    (root / "lcspr.toml").write_text(render_default("Example Safeguarding Children Partnership", "LIG"), encoding="utf-8")
    shutil.copytree(PROJECT / "cases" / CASE, root / "cases" / CASE)
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "Benchmark records"]):
        subprocess.run(["git", "-C", str(root), *args], check=True, capture_output=True)


def filled_form(root: Path, target: Path, rows: int, paragraphs: int) -> Path:
    """The police's form for LIG-2026-001, filled with `rows` chronology rows and `paragraphs` of text."""
    from docx import Document

    from lcspr.repository import open_repository
    from lcspr.response_form import render_blank

    blank = render_blank(open_repository(root), CASE, AGENCY)[0]
    doc = Document(str(blank))
    about, involvement, chronology = doc.tables
    about.rows[-1].cells[1].paragraphs[0].text = "Detective Sergeant, Public Protection Unit"
    involvement.rows[0].cells[1].paragraphs[0].text = "1 January 2024"
    involvement.rows[2].cells[1].paragraphs[0].text = "Call-outs and investigations."
    start = date(2024, 1, 1)
    for n in range(rows):
        row = chronology.rows[n + 1] if n + 1 < len(chronology.rows) else chronology.add_row()
        values = ((start + timedelta(days=n % 700)).strftime("%d/%m/%Y"),
                  f"Contact number {n + 1} with the family; notes recorded & shared.", f"Entry {n + 1}.")
        for cell, value in zip(row.cells, values):
            cell.paragraphs[0].text = value
    heading = next(p for p in doc.paragraphs if p.text == "Good practice")
    styles = ("Normal", "List Bullet", "List Number", "Heading 2")
    for n in range(paragraphs):
        paragraph = heading.insert_paragraph_before(style=styles[n % len(styles)])
        paragraph.add_run(f"Paragraph {n + 1}: officers ")
        paragraph.add_run("recorded").bold = True
        paragraph.add_run(" what they ")
        paragraph.add_run("saw").italic = True
        paragraph.add_run(" and shared it with children's services the same day.")
    doc.save(str(target))
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1000, help="chronology rows (default 1000)")
    parser.add_argument("--paragraphs", type=int, default=300, help="paragraphs in the sections (default 300)")
    parser.add_argument("--repeat", type=int, default=5, help="timings of each, after a warm-up (default 5)")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(PROJECT))
    from io import BytesIO

    from docx import Document

    from lcspr.form_reading import read_form
    from lcspr.receipts import receive
    from lcspr.repository import open_repository
    from lcspr.response_form import sections

    from audit_history import isolated_env

    with tempfile.TemporaryDirectory(prefix="lcspr-bench-") as scratch:
        # HOME, Git's settings and identity in the scratch folder: nothing of the user's is read or written.
        env = isolated_env(Path(scratch))
        os.environ.clear()
        os.environ.update(env)
        root = Path(scratch) / "records"
        make_records(root)
        form = filled_form(root, Path(scratch) / "police.docx", args.rows, args.paragraphs)
        data = form.read_bytes()
        # receive refuses the very file it holds already: alternate between two versions.
        second = Path(scratch) / "police-2.docx"
        corrected = Document(str(form))
        corrected.tables[0].rows[-1].cells[1].paragraphs[0].text = "Detective Inspector, Public Protection Unit"
        corrected.save(str(second))
        turns = [form, second]
        repo = open_repository(root)
        wanted = sections(repo)

        def baseline() -> None:
            doc = Document(BytesIO(data))
            texts = [p.text for p in doc.paragraphs]
            texts += [c.text for t in doc.tables for r in t.rows for c in r.cells]

        def reading() -> None:
            read_form(data, form.name, CASE, AGENCY, wanted)

        def whole() -> None:
            turns.reverse()
            receive(repo, CASE, AGENCY, turns[0], replace=True)

        for call in (baseline, reading, whole):  # warm-up: imports, caches, the first receipt
            call()
        times = {"python-docx reads every paragraph and cell (baseline)": 0.0, "lcspr reads the form": 0.0,
                 "lcspr receive, end to end": 0.0}
        for label, call in zip(times, (baseline, reading, whole)):
            times[label] = _median(args.repeat, call)
    base = times["python-docx reads every paragraph and cell (baseline)"]
    print(f"a form of {len(data) / 1024:.0f} KB: {args.rows:,} chronology rows, {args.paragraphs:,} paragraphs;"
          f" median of {args.repeat}")
    for label, seconds in times.items():
        print(f"  {label:<56} {seconds:7.3f} s   {seconds / base:5.2f}x")
    ratio = times["lcspr reads the form"] / base
    print(f"reading the form: {ratio:.2f}x the baseline (target: at most 3x) -> {'met' if ratio <= 3 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
