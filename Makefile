# The two commands. Both run the idempotent setup first (scripts/setup.sh).
.PHONY: start test bench

start:
	@bash scripts/start.sh

test:
	@bash scripts/test.sh

# The benchmark suite (not part of the tests): writes bench/results/latest.json.
bench:
	@bash scripts/bench.sh
