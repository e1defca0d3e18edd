# The two set-up commands of the README: `make test` and `make demo`.
# Both create .venv with the machine's python3 and install lcspr into it.

PYTHON ?= python3
VENV   := .venv
BIN    := $(CURDIR)/$(VENV)/bin
DEMO   := $(CURDIR)/demo

.PHONY: test demo venv clean

venv: $(BIN)/python

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

test: venv
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) $(DEMO) demo-identities.toml build dist

# The demo runs the README's walk-through as written (lcspr/demo.py reads its
# blocks), with HOME in demo/ (git-ignored, so ~/lcspr-records is demo/lcspr-records),
# a demo identity and its own identity register (demo-identities.toml, outside the
# demo repository, git-ignored), so it never touches this checkout's history,
# your own Git settings or your own register.
DEMO_ENV := PATH="$(BIN):$$PATH" LCSPR_IDENTITIES="$(CURDIR)/demo-identities.toml" \
	GIT_AUTHOR_NAME="Demo Secretariat" GIT_AUTHOR_EMAIL="secretariat@example.org" \
	GIT_COMMITTER_NAME="Demo Secretariat" GIT_COMMITTER_EMAIL="secretariat@example.org"

demo: venv
	$(BIN)/python -m pip install --quiet -e .
	rm -rf $(DEMO) $(CURDIR)/demo-identities.toml
	$(DEMO_ENV) $(BIN)/python -m lcspr.demo $(DEMO) $(CURDIR)/README.md
