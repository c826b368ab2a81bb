# The two commands. Both run the idempotent setup first (scripts/setup.sh).
.PHONY: start test

start:
	@bash scripts/start.sh

test:
	@bash scripts/test.sh
