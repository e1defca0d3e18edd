"""`lcspr site OUT/`: the Board's static dashboard. What the pages hold, what they
never hold (the identity register), how the folder is written, and, in a real
headless Chromium, that the pages load cleanly and the register sorts and filters."""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import struct
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from conftest import EXAMPLES, commit_import, git, run
from lcspr import site
from lcspr.figures import value_text

ON = "2026-11-26"
MARKING = "OFFICIAL-SENSITIVE"


def write_site(root: Path, out: Path, *args: str) -> str:
    result = run(root, "site", str(out), "--on", ON, *args)
    assert result.exit_code == 0, result.output
    return result.output


def pages(out: Path) -> dict[str, str]:
    return {p.relative_to(out).as_posix(): p.read_text(encoding="utf-8") for p in sorted(out.rglob("*.html"))}


class _Links(HTMLParser):
    """Every URL a page names (href, src, action) and every inline style attribute."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src", "action", "srcset", "xlink:href") and value is not None:
                self.urls.append(value)
            if name == "style":
                self.styles.append(value or "")


def links(text: str) -> _Links:
    parser = _Links()
    parser.feed(text)
    return parser


def test_the_site_holds_the_register_deadlines_timelines_and_the_verdict(examples_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    output = write_site(examples_root, out)
    assert "Wrote 4 page(s) for 3 case(s)" in output
    assert f"{out / 'index.html'}" in output
    assert output.splitlines()[-1].endswith("the trail is whole.")
    written = pages(out)
    assert sorted(written) == ["cases/LIG-2026-001.html", "cases/LIG-2026-002.html", "cases/LIG-2026-003.html",
                               "index.html"]
    index = written["index.html"]
    for case_id, pseudonym in (("LIG-2026-001", "Child A"), ("LIG-2026-002", "Child B"), ("LIG-2026-003", "Baby C")):
        assert f'<a href="cases/{case_id}.html">{case_id}</a>' in index
        assert f"<td data-key=\"title\" data-values=\"{pseudonym}\">{pseudonym}</td>" in index
    # The open deadlines, most urgent first, as `lcspr due --on` lists them.
    due = run(examples_root, "due", "--on", ON, "--format", "csv").output.splitlines()[1:]
    deadlines = index.split('id="deadlines"')[1].split("</section>")[0]
    rows = re.findall(r'<tr class="state-(\w+)">\s*<td><a href="cases/([^"]+)\.html">', deadlines)
    assert [(state, case) for state, case in rows] == [(line.split(",")[5], line.split(",")[0]) for line in due]
    assert 'class="verdict good">Audited ' in index
    # Every page is marked, top and bottom, and in its title.
    for name, text in written.items():
        assert text.count(f'<div class="marking" role="note">{MARKING}</div>') == 2, name
        assert f"<title>{MARKING} · " in text, name


def test_a_case_page_shows_each_decision_with_who_when_and_why(examples_root: Path, tmp_path: Path) -> None:
    result = run(examples_root, "advance", "LIG-2026-003", "screening", "--by", "secretariat", "--on", "2026-11-25",
                 "--set", "agencies_involved=[police, acute-trust]",
                 "--reason", "Referral accepted;\nresponses requested from <police> & the trust.")
    assert result.exit_code == 0, result.output
    out = tmp_path / "board"
    write_site(examples_root, out)
    page = (out / "cases" / "LIG-2026-003.html").read_text(encoding="utf-8")
    timeline = page.split('class="timeline"')[1].split("</ol>")[0]
    entries = timeline.split("<li ")[1:]
    assert len(entries) == 2  # the import, then the decision
    assert "Entered the record at <strong>Referral received by the LIG</strong>" in entries[0]
    decision = entries[1]
    assert '<time datetime="2026-11-25">2026-11-25</time>' in decision
    assert "Referral received by the LIG → <strong>Screening (referral-response forms requested)</strong>" in decision
    assert "Decided by Partnership secretariat;" in decision
    assert "recorded by Test Secretariat at 20" in decision
    # The reason as written, escaped, its line break kept.
    assert "Referral accepted;\nresponses requested from &lt;police&gt; &amp; the trust." in decision
    assert "Requested: Police, Acute Hospital Trust" in decision
    sha = git(examples_root, "rev-parse", "HEAD").strip()
    assert f"<code>{sha[:10]}</code>" in decision
    # The deadlines the decision started are on the case's page.
    assert page.count("Referral response from the agency (") == 2


def test_overdue_deadlines_are_highlighted(examples_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(examples_root, out, "--on", "2026-12-20")  # the later --on wins
    index = (out / "index.html").read_text(encoding="utf-8")
    # LIG-2026-003's notification and rapid review, LIG-2026-001's sending before publication and publication.
    assert '<div class="tile alert"><span class="big">4</span> overdue</div>' in index
    assert re.search(r'<tr class="overdue" data-overdue="1">\s*<td data-key="id" data-values="LIG-2026-003">', index)
    assert '<tr class="state-overdue">' in index
    # A case with no overdue deadline is not marked.
    assert not re.search(r'<tr class="overdue" data-overdue="1">\s*<td data-key="id" data-values="LIG-2026-002">', index)
    page = (out / "cases" / "LIG-2026-003.html").read_text(encoding="utf-8")
    assert page.count('<span class="badge badge-overdue">overdue</span>') == 2  # notification, rapid review


def test_the_audits_findings_are_on_the_dashboard_and_the_case_page(examples_root: Path, tmp_path: Path) -> None:
    path = examples_root / "cases" / "LIG-2026-003" / "case.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: referral-received", "status: closed"),
                    encoding="utf-8")
    git(examples_root, "commit", "-q", "-am", "Tidy up")
    sha = git(examples_root, "rev-parse", "HEAD").strip()
    out = tmp_path / "board"
    write_site(examples_root, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'class="verdict alert">Audited 5 commit(s), 3 decision(s): 1 finding(s).</p>' in index
    assert f"<td><code>{sha[:10]}</code></td>" in index and "<td>hand-edit</td>" in index
    page = (out / "cases" / "LIG-2026-003.html").read_text(encoding="utf-8")
    assert "<td>hand-edit</td>" in page
    assert "The audit found nothing" not in page
    assert "The audit found nothing on this case." in (out / "cases" / "LIG-2026-001.html").read_text(encoding="utf-8")


@pytest.fixture
def every_example(records_root: Path) -> Path:
    """Every fictional example case, the closed ones of 2025 too, committed as imports."""
    for folder in sorted(EXAMPLES.glob("LIG-*")):
        shutil.copytree(folder, records_root / "cases" / folder.name)
        commit_import(records_root, folder.name)
    return records_root


def marks(svg: str) -> list[str]:
    """What each mark of a chart says when pointed at (its <title>), the chart's own title first."""
    return [html.unescape(t) for t in re.findall(r"<title>([^<]*)</title>", svg)]


def test_the_figures_and_their_charts(every_example: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(every_example, out, "--from", "2025-04-01", "--to", "2026-03-31")
    index = (out / "index.html").read_text(encoding="utf-8")
    figures = index.split('<section id="figures"')[1].split("</section>")[0]
    assert "Figures, 1 April 2025 to 31 March 2026" in figures
    charts = re.findall(r"<figure>.*?</figure>", figures, re.S)
    assert len(charts) == 3
    # Worked out by hand from the examples, each step in the quarter it was done (the rapid reviews were
    # all done in January to March 2025, before the period):
    # Apr-Jun 2025: LIG-2025-007 notified on 2025-06-09, 2 working days after becoming aware: on time;
    # Jul-Sep 2025: LIG-2025-015 sent before publication on 2025-07-22 (due 2025-07-25, 7 working days before
    #   2025-08-05) and published on 2025-08-05 (due 2025-09-11, 6 months from 2025-03-11): 2 on time;
    # Oct-Dec 2025: LIG-2025-011 sent on 2025-11-06 (due 2025-11-11): on time; not published on 2025-11-20,
    #   due 2025-09-18 but moved by its hold to the revised timescale agreed with the Panel, 2025-11-28: on time.
    assert marks(charts[0])[0] == "Statutory deadlines met, by the quarter the step was done"
    assert marks(charts[0])[1:] == ["Apr–Jun 2025: 1 step(s) on time", "Jul–Sep 2025: 2 step(s) on time",
                                    "Oct–Dec 2025: 2 step(s) on time"]
    assert [q for q in re.findall(r'text-anchor="middle">([A-Z][a-z]{2}–[^<]+)</text>', charts[0])] == [
        "Apr–Jun 2025", "Jul–Sep 2025", "Oct–Dec 2025", "Jan–Mar 2026"]
    # LIG-2025-015 took 147 days (4.8 months), on time; LIG-2025-011 247 days (8.1 months), on time against
    # its revised timescale.
    assert marks(charts[1])[1:] == ["3 to 6: 1 review(s) on time", "6 to 9: 1 review(s) on time"]
    assert "Target: 6 months." in charts[1]
    themes = marks(charts[2])[1:]
    assert themes[0] == "Sudden unexpected death in infancy: 2 case(s)"
    assert len(themes) == len(re.findall(r'<td>Cases open in the period with the theme: ', figures))
    # The table of figures, as `lcspr figures` gives them, each naming the cases it counts.
    result = run(every_example, "figures", "--from", "2025-04-01", "--to", "2026-03-31", "--format", "json")
    expected = json.loads(result.output)["figures"]
    rows = re.findall(r"<tr><td>([^<]*)</td><td class=\"number\">([^<]*)</td>", figures)
    assert [(html.unescape(t), html.unescape(v)) for t, v in rows] == [(f["title"], value_text(f)) for f in expected]
    assert ("Median time from the decision to hold an LCSPR to its publication (or not)",
            "197 days (about 6.5 months)") in [(html.unescape(t), html.unescape(v)) for t, v in rows]
    assert '<a href="cases/LIG-2025-015.html">LIG-2025-015</a>' in figures


def test_a_period_with_no_case_says_so(every_example: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(every_example, out, "--from", "2020-01-01", "--to", "2020-12-31")
    figures = (out / "index.html").read_text(encoding="utf-8").split('<section id="figures"')[1]
    assert "<p>No figures: no case was open at any time from 2020-01-01 to 2020-12-31" in figures
    assert "<svg" not in figures.split("</section>")[0]


@pytest.mark.parametrize("args, message", [
    (("--from", "2025-04-01"), "give the period with both --from and --to"),
    (("--from", "2026-04-01", "--to", "2025-03-31"), "--from 2026-04-01 is after --to 2025-03-31"),
    (("--from", "2025-02-30", "--to", "2025-03-31"), "Invalid value for '--from': '2025-02-30' is not a real date"),
])
def test_a_bad_period_is_a_usage_error(every_example: Path, tmp_path: Path, args: tuple[str, ...],
                                       message: str) -> None:
    result = run(every_example, "site", str(tmp_path / "board"), *args)
    assert result.exit_code == 2 and message in result.output
    assert not (tmp_path / "board").exists()


def test_overdue_actions_and_each_cases_action_plan(every_example: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(every_example, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    overdue = index.split('<section id="actions"')[1].split("</section>")[0]
    rows = re.findall(r'<tr class="state-overdue">(.*?)</tr>', overdue, re.S)
    assert [re.findall(r"<td>([^<]*)</td>", row)[1:3] for row in rows] == [["R1", "R1.2"], ["R2", "R2.1"]]
    assert all('<a href="cases/LIG-2025-015.html">LIG-2025-015</a>' in row for row in rows)
    # The register marks the case, and its page shows its whole action plan, the overdue actions marked.
    assert re.search(r'<tr class="overdue" data-overdue="1">\s*<td data-key="id" data-values="LIG-2025-015">', index)
    page = (out / "cases" / "LIG-2025-015.html").read_text(encoding="utf-8")
    plan = page.split('id="actions-heading"')[1].split("</section>")[0]
    assert plan.count("<tr class=\"") == 4  # every action of actions.md
    assert plan.count('<span class="badge badge-overdue">overdue</span>') == 2
    assert "Maternity and health visiting share one safe sleep leaflet written for fathers." in plan


def test_the_pages_fetch_nothing_and_run_only_their_own_script(examples_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(examples_root, out)
    for name, text in pages(out).items():
        found = links(text)
        assert not found.styles, name  # the policy allows no style attribute
        for url in found.urls:
            assert not re.match(r"^[a-z][a-z0-9+.-]*:|^//", url, re.I), (name, url)  # no scheme: nothing remote
            target = url.split("#")[0]
            if target:
                assert (out / Path(name).parent / target).resolve().is_file(), (name, url)
        found_policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', text)
        assert found_policy, name
        policy = html.unescape(found_policy[1])
        assert policy.startswith("default-src 'none'; style-src 'sha256-"), name
        assert "unsafe-inline" not in policy and "http" not in policy
        assert text.count("<script>") == 1 and text.count("<style>") == 1


def test_values_from_the_case_files_are_text_not_markup(examples_root: Path, tmp_path: Path) -> None:
    path = examples_root / "cases" / "LIG-2026-002" / "case.md"
    path.write_text(path.read_text(encoding="utf-8").replace("title: Child B", 'title: "Child B <script>x()</script>"'),
                    encoding="utf-8")
    git(examples_root, "commit", "-q", "-am", "A title with markup in it")
    out = tmp_path / "board"
    write_site(examples_root, out)
    for name, text in pages(out).items():
        assert "<script>x()" not in text, name
        assert text.count("<script>") == 1
    assert "Child B &lt;script&gt;x()&lt;/script&gt;" in (out / "index.html").read_text(encoding="utf-8")


def test_the_site_never_reads_the_identity_register(examples_root: Path, tmp_path: Path) -> None:
    register = Path(os.environ["LCSPR_IDENTITIES"])
    register.write_text('[["LIG-2026-001"]]\nkind = "child"\nvalue = "Jody Exampleton"\naliases = ["Jo Exampleton"]\n'
                        'pseudonym = "Child A"\n', encoding="utf-8")
    assert run(examples_root, "identities", "list", "LIG-2026-001", "--show").output.count("Jody Exampleton") == 1
    out = tmp_path / "board"
    # Run as a user would, in a process that records every file it opens.
    watcher = (
        "import sys\n"
        "opened = []\n"
        "sys.addaudithook(lambda event, args: opened.append(str(args[0])) if event == 'open' else None)\n"
        "from lcspr.cli import main\n"
        "try:\n"
        "    main()\n"
        "finally:\n"
        "    with open(sys.argv[-1], 'w', encoding='utf-8') as log:\n"
        "        log.write('\\n'.join(opened))\n"
    )
    log = tmp_path / "opened.txt"
    done = subprocess.run([sys.executable, "-c", watcher, "--repo", str(examples_root), "site", str(out), "--on", ON,
                           str(log)], capture_output=True, text=True, env=os.environ.copy())
    assert "Got unexpected extra argument" in done.stderr  # the log path is the watcher's, not lcspr's
    done = subprocess.run([sys.executable, "-c", watcher.replace("sys.argv[-1]", repr(str(log))), "--repo",
                           str(examples_root), "site", str(out), "--on", ON],
                          capture_output=True, text=True, env=os.environ.copy())
    assert done.returncode == 0, done.stderr
    opened = log.read_text(encoding="utf-8").splitlines()
    assert any(name.endswith("case.md") for name in opened)  # the watcher sees what lcspr reads
    assert not [name for name in opened if Path(name).name == register.name or "identities" in name]
    for name, text in pages(out).items():
        assert "Exampleton" not in text, name
        assert "Jody" not in text and "Jo Exampleton" not in text, name


def test_an_empty_record_gives_a_site_that_says_so(records_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(records_root, out)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<span class="big">0</span> cases' in index
    assert "No deadline is open." in index


def test_a_case_that_cannot_be_read_is_named_not_hidden(examples_root: Path, tmp_path: Path) -> None:
    path = examples_root / "cases" / "LIG-2026-002" / "case.md"
    path.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    git(examples_root, "commit", "-q", "-am", "Broken by hand")
    out = tmp_path / "board"
    result = run(examples_root, "site", str(out), "--on", ON)
    assert result.exit_code == 0, result.output
    index = (out / "index.html").read_text(encoding="utf-8")
    problems = index.split('<div class="problems" role="alert">')[1].split("</div>")[0]
    assert "<li>cases/LIG-2026-002/case.md:" in problems
    assert "Problem (shown on the dashboard, the case not counted in the figures): cases/LIG-2026-002/case.md:" \
        in result.output
    assert "(cannot be read)" in index  # its deadlines are unknown, and say so


def test_a_chart_is_well_formed_svg_with_every_text_escaped() -> None:
    from xml.etree import ElementTree

    from lcspr import charts

    svg = charts.horizontal_bars("Themes <of> & cases", [("Neglect & <harm>", 3), ("Online harm", 1)], " case(s)")
    tree = ElementTree.fromstring(svg)
    assert tree.get("role") == "img" and tree.get("aria-label") == "Themes <of> & cases"
    texts = ["".join(t.itertext()) for t in tree.iter("{http://www.w3.org/2000/svg}text")]
    assert texts == ["Neglect & <harm>", "3", "Online harm", "1"]
    widths = [float(r.get("width", 0)) for r in tree.iter("{http://www.w3.org/2000/svg}rect")]
    assert abs(widths[0] - 3 * widths[1]) < 0.5  # bars in proportion
    columns = charts.stacked_columns("By quarter", [("Q1", [2, 1]), ("Q2", [0, 0])],
                                     [charts.Series("On time", charts.GOOD), charts.Series("Late", charts.BAD)])
    tree = ElementTree.fromstring(columns)
    marks = [t.text for r in tree.iter("{http://www.w3.org/2000/svg}rect")
             for t in r.iter("{http://www.w3.org/2000/svg}title")]
    assert marks == ["Q1: 2 on time", "Q1: 1 late"]  # nothing drawn for an empty quarter


# --- the folder ------------------------------------------------------------------


def test_writing_again_replaces_the_previous_site(examples_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "board"
    write_site(examples_root, out)
    (out / "cases" / "LIG-2099-001.html").write_text("stale", encoding="utf-8")
    write_site(examples_root, out)
    assert not (out / "cases" / "LIG-2099-001.html").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board", "records"]  # nothing left beside it


def test_a_folder_that_is_not_a_site_is_never_replaced(examples_root: Path, tmp_path: Path) -> None:
    out = tmp_path / "documents"
    out.mkdir()
    (out / "minutes.docx").write_text("the Board's minutes", encoding="utf-8")
    result = run(examples_root, "site", str(out))
    assert result.exit_code == 2
    assert f"Error: {out} is not empty and holds no site lcspr wrote; name a new or empty folder" in result.output
    assert [p.name for p in out.iterdir()] == ["minutes.docx"]
    file = tmp_path / "notes.txt"
    file.write_text("notes", encoding="utf-8")
    result = run(examples_root, "site", str(file))
    assert result.exit_code == 2 and f"Error: {file} is not a folder" in result.output
    assert file.read_text(encoding="utf-8") == "notes"


def test_the_site_is_never_written_among_the_case_folders(examples_root: Path) -> None:
    for out in (examples_root / "cases" / "site", examples_root / "cases"):
        result = run(examples_root, "site", str(out))
        assert result.exit_code == 2
        assert "would put the site in or over the case folders" in result.output
    assert not (examples_root / "cases" / "site").exists()
    assert git(examples_root, "status", "--porcelain") == ""


def test_a_failure_while_writing_leaves_the_previous_site(examples_root: Path, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "board"
    write_site(examples_root, out)
    before = pages(out)

    def fail(data: site.SiteData, folder: Path) -> int:
        (folder / "index.html").write_text("half", encoding="utf-8")
        raise KeyboardInterrupt

    monkeypatch.setattr(site, "write_pages", fail)
    result = run(examples_root, "site", str(out), "--on", ON)
    assert result.exit_code == 130
    assert pages(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["board", "records"]


def test_a_bad_date_is_a_usage_error(examples_root: Path, tmp_path: Path) -> None:
    result = run(examples_root, "site", str(tmp_path / "board"), "--on", "2026-02-30")
    assert result.exit_code == 2 and "Invalid value for '--on': '2026-02-30' is not a real date" in result.output
    assert not (tmp_path / "board").exists()


# --- in a real browser -------------------------------------------------------------


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


def _browser_missing() -> str:
    if _chromium() is None:
        return "Chromium is not installed (apt-get install chromium)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install -e '.[test]')"
    return ""


@pytest.fixture
def browser() -> Iterator[Any]:
    missing = _browser_missing()
    if missing:
        # In CI (.ci/run installs Chromium) a missing browser is a failure, not a skip.
        if os.environ.get("CI"):
            pytest.fail(f"{missing}; .ci/run should have installed it")
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=_chromium())
        try:
            yield chromium
        finally:
            chromium.close()


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_the_dashboard_in_a_real_browser(every_example: Path, tmp_path: Path, browser: Any) -> None:
    from playwright.sync_api import expect

    out = tmp_path / "board"
    write_site(every_example, out, "--on", "2026-12-20", "--from", "2025-04-01", "--to", "2026-03-31")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems: list[str] = []
    requests: list[str] = []
    page.on("console", lambda message: problems.append(f"{message.type}: {message.text}")
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", lambda request: requests.append(request.url))
    for name in ("index.html", "cases/LIG-2025-015.html", "cases/LIG-2026-003.html"):
        page.goto((out / name).as_uri())
        assert page.title().startswith(f"{MARKING} · ")
    assert problems == []
    assert all(url.startswith("file://") for url in requests), requests  # nothing from the network
    page.goto((out / "index.html").as_uri())
    count = page.locator("[data-count-for=register-table]")

    def column(key: str) -> list[str]:
        return [text.strip() for text in page.locator(f"#register-table tbody tr:not([hidden]) td[data-key={key}]")
                .evaluate_all("cells => cells.map(c => c.getAttribute('data-values'))")]

    ids = ["LIG-2025-004", "LIG-2025-007", "LIG-2025-011", "LIG-2025-015", "LIG-2026-001", "LIG-2026-002",
           "LIG-2026-003"]
    assert column("id") == ids
    page.click("#register-table th[data-key=id] button")
    assert page.get_attribute("#register-table th[data-key=id]", "aria-sort") == "ascending"
    page.click("#register-table th[data-key=id] button")
    assert page.get_attribute("#register-table th[data-key=id]", "aria-sort") == "descending"
    assert column("id") == ids[::-1]
    page.click("#register-table th[data-key=title] button")
    assert column("title") == ["Baby C", "Baby G", "Baby J", "Child A", "Child B", "Child E", "Child F"]
    assert page.get_attribute("#register-table th[data-key=id]", "aria-sort") == "none"
    page.click("#register-table th[data-key=actions_open] button")
    page.click("#register-table th[data-key=actions_open] button")
    opened = column("actions_open")
    assert opened[0] == "3" and opened == sorted(opened, key=int, reverse=True)
    page.click("#register-table th[data-key=title] button")
    # Filters: a column's value, any text, only the overdue; and Clear.
    page.select_option("select[data-key=level]", "level-2")
    assert column("id") == ["LIG-2025-015", "LIG-2026-002"]  # still sorted by pseudonym: Baby J, Child B
    expect(count).to_have_text("2 of 7 cases")
    page.select_option("select[data-key=themes]", "sudi")
    assert column("id") == ["LIG-2025-015"]
    page.click("form.filters button[type=reset]")
    expect(count).to_have_text("7 of 7 cases")  # reset settles after the click
    page.fill("input[data-filter=text]", "baby j")
    assert column("id") == ["LIG-2025-015"]
    page.fill("input[data-filter=text]", "")
    page.check("input[data-filter=overdue]")
    assert column("id") == ["LIG-2026-003", "LIG-2025-015", "LIG-2026-001"]  # Baby C, Baby J, Child A
    expect(count).to_have_text("3 of 7 cases")
    page.uncheck("input[data-filter=overdue]")
    # The overdue rows are highlighted as they show.
    colour = page.locator("#register-table tr.overdue td").first.evaluate("c => getComputedStyle(c).backgroundColor")
    assert colour == "rgb(253, 232, 232)"
    # Columns: the status is a click away, the route can be put away.
    status = page.locator("#register-table th[data-key=status]")
    expect(status).to_be_hidden()
    page.click("details.columns summary")
    page.check("form.column-choice input[value=status]")
    expect(status).to_be_visible()
    assert page.locator("#register-table td[data-key=status]:visible").count() == 7
    page.uncheck("form.column-choice input[value=route]")
    expect(page.locator("#register-table th[data-key=route]")).to_be_hidden()
    assert page.locator("#register-table td[data-key=route]:visible").count() == 0
    # The charts are drawn.
    charts = page.locator("#figures figure svg")
    assert charts.count() == 3
    for n in range(3):
        box = charts.nth(n).bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 100
    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    width, height = png_size(shot)
    assert width == 1280 and height >= 900
    assert shot.stat().st_size > 20_000  # a page with text and colour, not a blank one
    assert problems == []
