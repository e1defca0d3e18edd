"""One set of exit codes, help that teaches, prompts that help, and shell completion,
checked over every command of the click group, so a command added later is checked too."""

from __future__ import annotations

import click
import click.testing
import pytest
from click.shell_completion import BashComplete

from conftest import add_case, git, head, run
from lcspr.cli import DATE, cli
from lcspr.errors import EXIT_CODES


def commands(group: click.Group = cli, prefix: tuple[str, ...] = ()) -> list[tuple[tuple[str, ...], click.Command]]:
    """Every command and subcommand, by the words that invoke it."""
    found: list[tuple[tuple[str, ...], click.Command]] = []
    for name, command in sorted(group.commands.items()):
        found.append(((*prefix, name), command))
        if isinstance(command, click.Group):
            found.extend(commands(command, (*prefix, name)))
    return found


LEAVES = [(words, c) for words, c in commands() if not isinstance(c, click.Group)]
IDS = [" ".join(words) for words, _ in LEAVES]

#: A valid value for each parameter a command requires, by the parameter's name. A new
#: command with a required parameter of another name fails `test_every_required_parameter_is_known`.
VALUES: dict[str, str] = {
    "case_id": "LIG-2026-003", "case_ids": "LIG-2026-003", "state": "screening", "reason": "A reason.",
    "kind": "school", "commit": "HEAD", "path": "new-records", "folders": ".", "value": "Nowhere Primary",
    "partnership": "Example SCP", "form": "form.docx", "out": "site-out", "agency": "police",
}


def argv(command: click.Command, **override: str) -> list[str]:
    """The command's required arguments and options, filled with valid values."""
    args: list[str] = []
    options: list[str] = []
    for param in command.params:
        value = override.get(param.name or "")
        if value is None and not param.required:
            continue
        if value is None:
            choices = param.type.choices if isinstance(param.type, click.Choice) else None
            value = str(choices[0]) if choices else VALUES[param.name or ""]
        if isinstance(param, click.Argument):
            args.append(value)
        else:
            options += [param.opts[0], value]
    return args + options


def test_exit_codes_are_documented_in_help_and_readme():
    from conftest import PROJECT

    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    text = run(None, "--help").output
    for code, meaning in EXIT_CODES.items():
        assert f"| {code} |" in readme, f"exit code {code} is not in the README"
        assert meaning.split(" ")[0] in text and f"  {code} " in text


@pytest.mark.parametrize("words, command", LEAVES, ids=IDS)
def test_every_required_parameter_is_known(words, command):
    for param in command.params:
        if param.required and not isinstance(param.type, click.Choice):
            assert param.name in VALUES, f"lcspr {' '.join(words)}: add a value for {param.name!r} to VALUES"


@pytest.mark.parametrize("words, command", commands(), ids=[" ".join(w) for w, _ in commands()])
def test_every_command_has_an_example_in_its_help(words, command):
    result = run(None, *words, "--help")
    assert result.exit_code == 0
    examples = [line.strip() for line in result.output.splitlines() if line.strip().startswith("Example: ")]
    assert len(examples) == 1, f"lcspr {' '.join(words)} --help has no one-line example"
    assert examples[0].startswith(f"Example: lcspr {' '.join(words)}")


@pytest.mark.parametrize("words, command", LEAVES, ids=IDS)
def test_dates_format_and_case_ids_are_declared_once(words, command):
    for param in command.params:
        if param.name in ("on", "received", "aware", "start", "end"):
            assert param.type is DATE, f"lcspr {' '.join(words)} {param.opts[0]} is not a YYYY-MM-DD date"
            assert "YYYY-MM-DD" in run(None, *words, "--help").output
        if param.name == "fmt":
            assert isinstance(param, click.Option) and param.help and param.help.startswith("How to print: ")
            assert isinstance(param.type, click.Choice)
            assert set(param.type.choices) <= {"text", "table", "markdown", "json", "csv", "xlsx"}
        if param.name in ("case_id", "case_ids", "state", "by", "agency", "referred_by", "status"):
            assert param._custom_shell_complete is not None, f"{param.name} of lcspr {' '.join(words)} completes nothing"


def test_a_mistyped_command_is_a_usage_error():
    result = run(None, "valdate")
    assert result.exit_code == 2
    assert "No such command 'valdate'" in result.output


@pytest.mark.parametrize("words, command", LEAVES, ids=IDS)
def test_an_unknown_option_is_a_usage_error(examples_root, words, command):
    result = run(examples_root, *words, *argv(command), "--no-such-option")
    assert result.exit_code == 2, result.output
    assert "No such option '--no-such-option'" in result.output


CASE_COMMANDS = [(w, c) for w, c in LEAVES if any(p.name in ("case_id", "case_ids") for p in c.params)]


@pytest.mark.parametrize("words, command", CASE_COMMANDS, ids=[" ".join(w) for w, _ in CASE_COMMANDS])
def test_an_unknown_case_is_a_usage_error_with_a_suggestion(examples_root, words, command):
    before = head(examples_root)
    result = run(examples_root, *words, *argv(command, case_id="LIG-2026-030", case_ids="LIG-2026-030"))
    assert result.exit_code == 2, result.output
    assert "no case LIG-2026-030" in result.output and "did you mean LIG-2026-003?" in result.output
    assert head(examples_root) == before


ROLE_COMMANDS = [(w, c) for w, c in LEAVES if any(p.name == "by" for p in c.params)]


@pytest.mark.parametrize("words, command", ROLE_COMMANDS, ids=[" ".join(w) for w, _ in ROLE_COMMANDS])
def test_an_unknown_role_is_a_usage_error_with_a_suggestion(examples_root, words, command):
    extra = {"key": "0" * 12, "reason": "A reason."} if words == ("check-publication",) else {}
    args = argv(command, by="lig-chiar", **extra)
    if words == ("check-publication",):
        args = ["LIG-2026-003", "--accept", "0" * 12, "--by", "lig-chiar", "--reason", "A reason."]
    result = run(examples_root, *words, *args)
    assert result.exit_code == 2, result.output
    assert "did you mean lig-chair?" in result.output or "did you mean 'lig-chair'?" in result.output


DATE_PARAMS = [(w, c, p.opts[0]) for w, c in LEAVES for p in c.params if p.type is DATE]


@pytest.mark.parametrize("words, command, option", DATE_PARAMS, ids=[f"{' '.join(w)} {o}" for w, _, o in DATE_PARAMS])
def test_a_date_in_another_form_is_a_usage_error(examples_root, words, command, option):
    extra = ["--serious-incident"] if option == "--aware" else []
    result = run(examples_root, *words, *argv(command), *extra, option, "31/10/2026")
    assert result.exit_code == 2, result.output
    assert "'31/10/2026' is not a date in the form YYYY-MM-DD" in result.output


@pytest.mark.parametrize("args, message", [
    (("advance", "LIG-2026-003", "screning", "--reason", "x"), "did you mean screening?"),
    (("advance", "LIG-2026-003", "screening", "--reason", "x", "--on", "2099-01-01"), "is in the future"),
    (("correct", "HEAD", "--reason", "x", "--on", "2099-01-01"), "is in the future"),
    (("new-case", "--title", "Child E", "--referred-by", "polce"), "did you mean 'police'?"),
    (("new-case", "--title", "Child E", "--referred-by", "police", "--received", "2099-01-01"), "is in the future"),
    (("render", "LIG-2026-003", "response", "--agency", "polce"), "did you mean 'police'?"),
    (("list", "--status", "screning"), "did you mean 'screening'?"),
    (("list", "--level", "level-5"), "is not one of the workflow's levels"),
    (("list", "--format", "xml"), "'xml' is not one of"),
    (("render", "LIG-2026-003", "letter"), "'letter' is not one of"),
    (("advance", "LIG-2026-003", "screening", "--reason", "x", "--set", "agencies_involved=[polce]"),
     "did you mean 'police'?"),
])
def test_a_value_not_of_its_kind_is_a_usage_error(examples_root, args, message):
    before = head(examples_root), git(examples_root, "status", "--porcelain")
    result = run(examples_root, *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert (head(examples_root), git(examples_root, "status", "--porcelain")) == before


def test_set_typos_get_the_closest_field_or_value(examples_root):
    add_case(examples_root, "LIG-2026-010", "screening", "agencies_involved: [police, icb, childrens-services]\n")
    for assignment, message in (
        ("reviewer.knd=independent", "--set reviewer.knd: reviewer.knd: `knd` is not a field here"),
        ("panel=[{agency: polce}]", "--set panel: panel[0].agency: 'polce' is not a known agency"),
    ):
        result = run(examples_root, "advance", "LIG-2026-010", "local-learning-review", "--by", "lig-chair",
                     "--reason", "x", "--set", assignment)
        assert result.exit_code == 2, result.output
        assert message in result.output
        assert ("did you mean 'kind'?" if "knd" in assignment else "did you mean 'police'?") in result.output


def test_a_refusal_is_1_and_overdue_deadlines_are_3(examples_root):
    result = run(examples_root, "advance", "LIG-2026-003", "published", "--reason", "x")
    assert result.exit_code == 1, result.output
    assert "cannot move from" in result.output
    result = run(examples_root, "due", "--on", "2027-06-01")
    assert result.exit_code == 3, result.output
    assert "overdue" in result.output


@pytest.fixture
def terminal(monkeypatch):
    """The CLI's standard input is a terminal, so missing options are asked for."""
    monkeypatch.setattr(click.testing._NamedTextIOWrapper, "isatty", lambda self: True, raising=False)


@pytest.mark.parametrize("stop", [EOFError, KeyboardInterrupt], ids=["ctrl-d", "ctrl-c"])
def test_cancelling_at_a_prompt_exits_130_and_writes_nothing(examples_root, terminal, monkeypatch, stop):
    def answer(prompt: str) -> str:
        raise stop()

    monkeypatch.setattr(click.termui, "visible_prompt_func", answer)
    before = head(examples_root), git(examples_root, "status", "--porcelain")
    result = run(examples_root, "new-case")
    assert result.exit_code == 130, result.output
    assert "Error: Cancelled; nothing was written.\n" in result.output
    assert "fault in lcspr" not in result.output and "Abort" not in result.output
    assert (head(examples_root), git(examples_root, "status", "--porcelain")) == before


def test_a_bad_answer_is_asked_again_without_naming_options(examples_root, terminal, fixed_today):
    answers = ["Jane Smith", "Child E", "polce", "police", "31/10/2026", "2027-01-01", "2026-10-31"]
    result = run(examples_root, "new-case", input="\n".join(answers) + "\n")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "'Jane Smith' looks like a person's real name" in out
    assert "did you mean 'police'?" in out
    assert "'31/10/2026' is not a date in the form YYYY-MM-DD (e.g. 2026-10-31)" in out
    assert "2027-01-01 is in the future" in out
    assert "--title" not in out and "--referred-by" not in out and "--received" not in out
    assert "Opened LIG-2026-004" in out
    case = (examples_root / "cases/LIG-2026-004/case.md").read_text(encoding="utf-8")
    assert "title: Child E" in case and "received: 2026-10-31" in case


def test_init_asks_for_the_partnership_and_never_invents_one(tmp_path, terminal):
    result = run(None, "init", str(tmp_path / "asked"), input="\nIsle of Example SCP\n")
    assert result.exit_code == 0, result.output
    assert 'partnership = "Isle of Example SCP"' in (tmp_path / "asked/lcspr.toml").read_text(encoding="utf-8")


def test_init_without_a_terminal_needs_the_partnership(tmp_path):
    result = run(None, "init", str(tmp_path / "silent"))
    assert result.exit_code == 2
    assert "--partnership is required" in result.output
    assert not (tmp_path / "silent").exists()


def complete(root, args: list[str], incomplete: str) -> list[str]:
    completion = BashComplete(cli, {}, "lcspr", "_LCSPR_COMPLETE")
    return [item.value for item in completion.get_completions(["--repo", str(root), *args], incomplete)]


def test_completion_offers_case_ids_states_agencies_and_roles(examples_root):
    assert complete(examples_root, ["show"], "LIG-2026-00") == ["LIG-2026-001", "LIG-2026-002", "LIG-2026-003"]
    assert "screening" in complete(examples_root, ["advance", "LIG-2026-003"], "scr")
    assert complete(examples_root, ["advance", "LIG-2026-003", "screening", "--by"], "lig") == ["lig-chair", "lig"]
    assert complete(examples_root, ["new-case", "--referred-by"], "pol") == ["police"]
    assert complete(examples_root, ["list", "--status"], "pub") == ["published"]


def test_completion_outside_a_records_repository_offers_nothing(tmp_path):
    assert complete(tmp_path, ["show"], "LIG") == []


def test_advance_help_lists_the_states_with_their_titles(examples_root):
    from lcspr.repository import open_repository

    flow = open_repository(examples_root).workflow
    out = " ".join(run(examples_root, "advance", "--help").output.split())
    for state in flow.states:
        assert f"{state} {' '.join(flow.title(state).split())}" in out


def test_the_source_checkout_refuses_writes_but_reads(examples_root):
    """lcspr's own checkout holds example cases: reading them works, recording in it does not."""
    (examples_root / "pyproject.toml").write_text('[project]\nname = "lcspr"\n', encoding="utf-8")
    (examples_root / "lcspr").mkdir()
    (examples_root / "lcspr" / "cli.py").write_text("", encoding="utf-8")
    before = head(examples_root)
    for args in (("new-case", "--title", "Child E", "--referred-by", "police"),
                 ("advance", "LIG-2026-003", "screening", "--reason", "x"),
                 ("correct", "HEAD", "--reason", "x")):
        result = run(examples_root, *args)
        assert result.exit_code == 1, result.output
        assert "is lcspr's own source, not a records repository" in result.output
        assert "`lcspr init PATH`" in result.output
    assert head(examples_root) == before
    for args in (("list",), ("validate", "LIG-2026-001"), ("show", "LIG-2026-001"), ("audit",)):
        assert run(examples_root, *args).exit_code == 0, args
    result = run(None, "--repo", str(examples_root), "--source-checkout", "new-case", "--title", "Child E",
                 "--referred-by", "police", "--received", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert head(examples_root) != before
