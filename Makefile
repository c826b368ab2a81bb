# The two commands. Both run the idempotent setup first (scripts/setup.sh).
.PHONY: start cluster test test-long bench load

start:
	@bash scripts/start.sh

# Loupe as a cluster on this one machine: Redis, two livekit-server nodes, two api processes,
# two recorders, the web app (docs/scaling.md).
cluster:
	@bash scripts/cluster.sh

test:
	@bash scripts/test.sh

# The longest fault tests (not part of `make test`, minutes each): a 30 s network cut,
# livekit-server gone for a minute, a cluster's node killed under a room and its recorder.
test-long:
	@bash scripts/test-long.sh

# The benchmark suite (not part of the tests): writes bench/results/latest.json.
bench:
	@bash scripts/bench.sh

# The load test (not part of `make test`, it takes minutes): SESSIONS recorded live sessions
# for MINUTES (defaults 20 and 5), e.g. `make load SESSIONS=5 MINUTES=1`; CLUSTER=1 against the
# cluster of `make cluster`.
load:
	@bash scripts/load.sh
