"""Signed decisions (issue 3 point 8): with `sign = true` every decision commit is
signed with Git's own commit signing, and `lcspr audit` verifies each signature.
SSH signing with a throwaway key, so no GPG agent is needed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from conftest import EXAMPLES, WORKING_EXAMPLES, count, git, head, run

pytestmark = pytest.mark.skipif(
    shutil.which("ssh-keygen") is None, reason="ssh-keygen is not installed, so there is no SSH key to sign with"
)

ON = "2026-11-25"
CASE = "LIG-2026-003"
SCREENING = ("advance", CASE, "screening", "--reason", "Referral accepted; responses requested.",
             "--set", "agencies_involved=[police, acute-trust]", "--on", ON)


def make_key(folder: Path, name: str) -> Path:
    """A new ed25519 key pair without a passphrase; returns the private key's path."""
    key = folder / name
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", str(key)], check=True)
    return key


def set_sign(root: Path, sign: bool) -> None:
    toml = root / "lcspr.toml"
    text = toml.read_text(encoding="utf-8")
    old, new = ("sign = false", "sign = true") if sign else ("sign = true", "sign = false")
    toml.write_text(text.replace(old, new), encoding="utf-8")


@pytest.fixture
def signing_root(records_root: Path, tmp_path: Path) -> Path:
    """A records repository that signs decisions with an SSH key listed in its allowed
    signers file, holding the example cases imported (and signed)."""
    keys = tmp_path / "keys"
    keys.mkdir()
    key = make_key(keys, "secretariat")
    allowed = keys / "allowed_signers"
    allowed.write_text(f"secretariat@example.org {key.with_suffix('.pub').read_text(encoding='utf-8')}", encoding="utf-8")
    git(records_root, "config", "gpg.format", "ssh")
    git(records_root, "config", "user.signingkey", str(key))
    git(records_root, "config", "gpg.ssh.allowedSignersFile", str(allowed))
    set_sign(records_root, True)
    git(records_root, "commit", "-q", "-m", "Sign decisions", "lcspr.toml")
    for folder in WORKING_EXAMPLES:
        assert run(records_root, "import", str(folder), "--reason", "Cases opened before this repository.").exit_code == 0
    return records_root


def signature(root: Path, rev: str = "HEAD") -> str:
    return git(root, "log", "-1", "--format=%G?", rev).strip()


def test_decisions_are_signed_and_the_audit_verifies_them(signing_root):
    # Commit signing is off in Git's own settings: the signature is lcspr's doing.
    assert git(signing_root, "config", "--get", "commit.gpgsign").strip() == "false"
    result = run(signing_root, *SCREENING)
    assert result.exit_code == 0, result.output
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in git(signing_root, "cat-file", "commit", "HEAD")
    decisions = git(signing_root, "log", "--grep=^Lcspr-Case: ", "--format=%G?").split()
    assert decisions == ["G"] * 4
    result = run(signing_root, "audit")
    assert (result.exit_code, result.output) == (
        0, f"Audited {count(signing_root)} commit(s), 4 decision(s): the trail is whole.\n"
    )


def test_a_new_case_is_signed_too(signing_root):
    result = run(signing_root, "new-case", "--title", "Child E", "--referred-by", "police", "--received", "2026-11-02")
    assert result.exit_code == 0, result.output
    assert signature(signing_root) == "G"


def test_an_unsigned_decision_is_reported(signing_root):
    set_sign(signing_root, False)
    assert run(signing_root, *SCREENING).exit_code == 0
    set_sign(signing_root, True)
    sha = head(signing_root)
    result = run(signing_root, "audit")
    assert result.exit_code == 1
    assert result.output == (
        f"{sha[:10]} {CASE}: unsigned: sign = true, but this decision commit is not signed (git log %G? = N)\n"
        f"Audited {count(signing_root)} commit(s), 4 decision(s): 1 finding(s).\n"
    )


def test_a_decision_changed_after_it_was_signed_is_reported(signing_root):
    assert run(signing_root, *SCREENING).exit_code == 0
    # Rewrite who decided, keeping the signature: the commit no longer matches it.
    raw = git(signing_root, "cat-file", "commit", "HEAD")
    assert "Lcspr-Decided-By: secretariat" in raw
    forged = subprocess.run(
        ["git", "-C", str(signing_root), "hash-object", "-t", "commit", "-w", "--stdin"],
        input=raw.replace("Lcspr-Decided-By: secretariat", "Lcspr-Decided-By: lig-chair"),
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    git(signing_root, "update-ref", "HEAD", forged)
    assert signature(signing_root) == "B"
    result = run(signing_root, "audit")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{forged[:10]} {CASE}: bad-signature: sign = true, but this decision commit has a bad signature "
        "(the commit was changed after it was signed, or the signature is forged) (git log %G? = B)"
    )


def test_a_decision_signed_by_a_key_not_allowed_is_reported(signing_root, tmp_path):
    git(signing_root, "config", "user.signingkey", str(make_key(tmp_path, "stranger")))
    assert run(signing_root, *SCREENING).exit_code == 0
    sha = head(signing_root)
    assert signature(signing_root) == "U"
    result = run(signing_root, "audit")
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == (
        f"{sha[:10]} {CASE}: bad-signature: sign = true, but this decision commit is signed by a key that is not "
        "trusted (for SSH: not in gpg.ssh.allowedSignersFile) (git log %G? = U)"
    )


def test_signing_that_fails_records_nothing(signing_root):
    git(signing_root, "config", "--unset", "user.signingkey")
    folder = signing_root / "cases" / CASE
    files = {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    before, index = head(signing_root), git(signing_root, "ls-files", "--stage")
    result = run(signing_root, *SCREENING)
    assert result.exit_code == 1
    assert result.output == (
        "Error: sign = true in lcspr.toml, but Git could not sign the commit, so nothing was recorded "
        "(git said: fatal: either user.signingkey or gpg.ssh.defaultKeyCommand needs to be configured). "
        "Set up commit signing for this repository (gpg.format and user.signingkey; see the README) "
        "or set sign = false.\n"
    )
    assert head(signing_root) == before
    assert git(signing_root, "ls-files", "--stage") == index
    assert {p: p.read_bytes() for p in folder.rglob("*") if p.is_file()} == files
    assert git(signing_root, "status", "--porcelain") == ""


def test_the_audit_says_when_signatures_cannot_be_verified(signing_root):
    git(signing_root, "config", "--unset", "gpg.ssh.allowedSignersFile")
    result = run(signing_root, "audit")
    assert result.exit_code == 1
    assert result.output == (
        "Error: sign = true in lcspr.toml, but the signatures cannot be verified: gpg.ssh.allowedSignersFile "
        "is not set. Point it at the file listing the keys allowed to sign decisions "
        "(git config gpg.ssh.allowedSignersFile PATH) and run the audit again.\n"
    )
    git(signing_root, "config", "gpg.ssh.allowedSignersFile", "keys/allowed")
    result = run(signing_root, "audit")
    assert result.exit_code == 1
    assert "gpg.ssh.allowedSignersFile names keys/allowed, which does not exist." in result.output
