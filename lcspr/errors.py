"""One exception hierarchy for everything a user can cause.

Every message is written for the secretariat: it names the case, file, line or
field, and says what to do. The command line turns any `LcsprError` into that
message and an exit status (`EXIT_CODES`); nothing else should escape to a user.
"""

from __future__ import annotations

from collections.abc import Iterable


def did_you_mean(value: str, known: Iterable[str], *, quoted: bool = True, cutoff: float = 0.6) -> str:
    """`; did you mean 'x'?` naming the closest of `known`, or "" when none is close."""
    import difflib  # only on an error: start-up does without it

    close = difflib.get_close_matches(value, list(known), n=1, cutoff=cutoff)
    if not close:
        return ""
    return f"; did you mean {close[0]!r}?" if quoted else f"; did you mean {close[0]}?"


#: Every exit status of lcspr, as the README and `lcspr --help` list them.
EXIT_CODES: dict[int, str] = {
    0: "success",
    1: "a refusal, or a problem found in the records",
    2: "a usage error: an unknown option or command, or a value that is not one of its kind "
       "(an unknown case ID, state, role, agency, status or a date not written YYYY-MM-DD)",
    3: "deadlines overdue (lcspr due)",
    130: "cancelled (Ctrl-C, or Ctrl-D at a prompt); nothing was written",
}


class LcsprError(Exception):
    """Base of every error lcspr reports to a user."""

    exit_code = 1


class UsageError(LcsprError):
    """The command was called wrongly: a missing argument, or a value that is not one of
    its kind (an unknown case ID, state, role, agency or date)."""

    exit_code = 2


class Cancelled(LcsprError):
    """The user stopped the command (Ctrl-C, or Ctrl-D at a prompt) before it wrote anything."""

    exit_code = 130


class NotARecordsRepository(LcsprError):
    """No lcspr.toml was found walking up from the current folder."""


class ConfigError(LcsprError):
    """lcspr.toml (or a workflow file it names) cannot be read or is invalid."""


class FileFormatError(LcsprError):
    """A case file has no frontmatter, unparsable YAML, or frontmatter that is not a mapping."""


class UnknownCase(UsageError):
    """A case ID names no case folder (a usage error: the value is not a case's ID)."""


class UnknownAgency(UsageError):
    """An agency ID is not among the agencies in lcspr.toml."""


class InvalidName(UsageError):
    """A case ID or agency ID would escape its folder (path separator, `..`) or is malformed."""


class InvalidDate(UsageError):
    """A date is not a real calendar date in ISO form (YYYY-MM-DD)."""


class ValidationFailed(LcsprError):
    """A case (or a file lcspr was about to write) does not validate."""

    def __init__(self, message: str, problems: Iterable[object] | None = None) -> None:
        super().__init__(message)
        self.problems = list(problems or [])


class GitError(LcsprError):
    """Git refused, or the repository is in a state lcspr will not write in."""


class GitIdentityMissing(GitError):
    """Git has no user.name / user.email, so a decision could not say who recorded it."""


class RepositoryBusy(GitError):
    """Another lcspr process holds the lock, or Git's own index.lock is present."""


class TransitionRefused(LcsprError):
    """A workflow transition is illegal, or its requirements are not met."""


class WorkflowError(ConfigError):
    """A workflow definition is invalid."""


class RenderError(LcsprError):
    """A document could not be rendered (a missing value, a broken template)."""


class UnsafePath(LcsprError):
    """A path in the records repository is a symbolic link, or leads outside the repository."""


class IdentityRegisterError(LcsprError):
    """The identity register is missing, unreadable, malformed, or where it must never be
    (inside the records repository, or tracked by Git)."""


class DocumentUnreadable(LcsprError):
    """A document to check is not a Word file lcspr can read: not a zip, encrypted, or too big."""


class FormError(LcsprError):
    """A returned referral-response form that cannot be received: not the form, not
    for this case or agency, changed in its structure, or holding what cannot be read."""


class NoCasesInPeriod(LcsprError):
    """No case was open at any time in the period `lcspr figures` was asked for."""
