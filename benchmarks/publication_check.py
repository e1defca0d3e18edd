"""How long does the publication check take, next to rendering what it checks?

Builds a scratch records repository holding the fictional case LIG-2026-001 with a
long merged chronology and a big Markdown table (about 200 pages once rendered),
and a fictional identity register outside it. Times, as medians of a few runs:

- render: filling the review report (`lcspr.documents.fill`), the baseline;
- check: what the gate does with that document: reading every part of the .docx,
  the Markdown it is made from, and running every detector with the register.

The ratio check / render is printed, never asserted (target: at most 1x).

    python benchmarks/publication_check.py [--rows 3000] [--table-rows 400] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from render_report import CASE, _median as median_of, add_table, make_records  # noqa: E402

REGISTER = f'''[["{CASE}"]]
kind = "child"
value = "Jody Exampleton"
aliases = ["Jodes"]
pseudonym = "Child A"

[["{CASE}"]]
kind = "school"
value = "Nowhere Primary"

[["{CASE}"]]
kind = "date-of-birth"
value = "2019-03-14"
'''


def _median(repeat: int, call: Callable[[], object]) -> float:
    call()  # warm-up: imports and compiled patterns
    return median_of(repeat, call)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=3000, help="chronology entries in all")
    parser.add_argument("--table-rows", type=int, default=400, help="rows of the Markdown table in report.md")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    from lcspr import documents, publication
    from lcspr.repository import open_repository

    with tempfile.TemporaryDirectory(prefix="lcspr-bench-") as scratch:
        root = Path(scratch) / "records"
        make_records(root, args.rows, args.table_rows)
        if args.table_rows:
            add_table(root / "cases" / CASE / "report.md", args.table_rows)
        register = Path(scratch) / "private" / "identities.toml"
        register.parent.mkdir()
        register.write_text(REGISTER, encoding="utf-8")
        os.environ["LCSPR_IDENTITIES"] = str(register)
        repo = open_repository(root)
        case = documents.read_valid_case(repo, CASE)
        data = documents.fill(repo.config, case, "report")

        def check() -> None:
            found = publication.detectors_for(repo, CASE)
            sources = publication.markdown_sources(repo, case)
            sources.append(publication.document_source(Path("report.docx"), "report.docx", data))
            report = publication.scan(sources, found, [])
            assert not report.open, [str(f) for f in report.open[:3]]

        render = _median(args.repeat, lambda: documents.fill(repo.config, case, "report"))
        checked = _median(args.repeat, check)
    pages = (args.rows + args.table_rows) / 17  # about 17 table rows to a page
    print(f"review report: {args.rows} chronology entries and a {args.table_rows}-row table "
          f"(~{pages:.0f} pages), {len(data) / 1024:.0f} KB .docx")
    print(f"render (fill) {render * 1000:8.1f} ms")
    print(f"check         {checked * 1000:8.1f} ms")
    print(f"check / render {checked / render:.2f}x (target: at most 1x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
