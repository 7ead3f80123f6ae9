# The project's commands. Every target sets up what it needs first (idempotent, fast when done).
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup demo screenshots test lint bench clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

setup:  ## virtualenv, Odoo 18 requirements, etc/odoo.conf
	@scripts/setup.sh

demo:  ## database oms_demo with demo data, then Odoo on http://localhost:8069 (admin/admin); DEMO_LANG=ru in Russian
	@DEMO_LANG=$(DEMO_LANG) scripts/demo.sh

screenshots:  ## the README's screenshots from a running make demo (same HTTP_PORT / DEMO_DB)
	@scripts/screenshots.sh

test:  ## fresh test database, linters, the whole test suite
	@scripts/test.sh

lint:  ## ruff (lint + format check) and pylint-odoo
	@scripts/lint.sh

bench:  ## run every benchmark in bench/ and print its figures
	@scripts/bench.sh

clean:  ## remove the virtualenv, generated config and test databases
	@scripts/clean.sh
