#!/usr/bin/env bash
# wrk-accept-postgres.sh: unique-key sends accepted per second on PostgreSQL, by one
# `redcloud serve --role api` process and by PROCESSES of them on one database, each
# driven by its own wrk (the connections split between them), in one run.
#
# Each process: sandbox mode, --rate-limit 0, the API alone (no workers), on a fresh
# database it creates and drops (rc_wrk_accept on the server of $PG). Each request is
# the one-recipient send of scripts/wrk/send-unique.lua with a fresh Idempotency-Key:
# every 202 follows the commit that holds the acceptance.
#
# Usage:  scripts/wrk-accept-postgres.sh
#   PG=postgres://postgres@127.0.0.1:5432   the PostgreSQL server (trust or a password in the URL)
#   DURATION=10s  CONNECTIONS=64  THREADS=2  ROUNDS=3   PROCESSES="1 2"
#   BIN=path      a built redcloud binary (default: go build ./cmd/redcloud)
set -euo pipefail

PG=${PG:-postgres://postgres@127.0.0.1:5432}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
ROUNDS=${ROUNDS:-3}
PROCESSES=${PROCESSES:-1 2}
DEMO_CLIENT=rc_test_client_123
DEMO_SECRET=rc_secret_abc123
DBNAME=rc_wrk_accept

repo=$(cd "$(dirname "$0")/.." && pwd)
say() { echo "wrk-accept-postgres: $*" >&2; }
die() {
	say "$*"
	exit 1
}
for tool in wrk curl psql; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/wrk-accept.XXXXXX")
pids=()
stop_all() {
	local pid
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	pids=()
}
cleanup() {
	stop_all
	psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

BIN=${BIN:-}
if [[ -z $BIN ]]; then
	(cd "$repo" && go build -o "$work/redcloud" ./cmd/redcloud)
	BIN=$work/redcloud
fi

listen_addr() {
	local log=$1 pid=$2 addr
	for _ in $(seq 600); do
		addr=$(sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' "$log" | head -n 1)
		[[ -n $addr ]] && echo "$addr" && return
		kill -0 "$pid" 2>/dev/null || die "$log: the process exited: $(tail -n 5 "$log")"
		sleep 0.1
	done
	die "$log: no listening line after 60 s"
}

# run N ROUND: N processes on a fresh database, one wrk each, at once; prints
# the accepted/s summed over them and the worst p99.
run() {
	local n=$1 round=$2 i urls=() outs=()
	psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $DBNAME WITH (FORCE)" -c "CREATE DATABASE $DBNAME" >/dev/null
	for ((i = 0; i < n; i++)); do
		"$BIN" serve --sandbox --role api --addr 127.0.0.1:0 --console-addr "" --db "$PG/$DBNAME?sslmode=disable" \
			--rate-limit 0 --token-rate-limit 0 --token-ttl 24h >"$work/serve$i.log" 2>&1 &
		pids+=($!)
		urls+=("http://$(listen_addr "$work/serve$i.log" $!)")
	done
	local token
	token=$(curl -sf -u "$DEMO_CLIENT:$DEMO_SECRET" -d grant_type=client_credentials "${urls[0]}/api/auth/token" |
		sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
	[[ -n $token ]] || die "no access token"
	for ((i = 0; i < n; i++)); do
		WRK_TOKEN=$token WRK_KEY_PREFIX="r$round-p$n-$i-$RANDOM" wrk -t"$THREADS" -c$((CONNECTIONS / n)) -d"$DURATION" \
			-s "$repo/scripts/wrk/send-unique.lua" "${urls[$i]}" >"$work/wrk$i.out" 2>&1 &
		outs+=($!)
	done
	for pid in "${outs[@]}"; do wait "$pid"; done
	stop_all
	cat "$work"/wrk*.out | awk -v n="$n" -v round="$round" '
		/^wrk-compare:/ {
			for (i = 2; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
			rate += v["requests"] / (v["duration_us"] / 1e6); bad += v["non2xx"] + v["timeout"] + v["read"] + v["write"] + v["connect"]
			if (v["p99_us"] > p99) p99 = v["p99_us"]
		}
		END { printf "processes=%d round=%d accepted/s=%.0f worst_p99_ms=%.1f errors=%d\n", n, round, rate, p99 / 1000, bad }'
	rm -f "$work"/wrk*.out
}

say "$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); $ROUNDS rounds of $DURATION per process count, in turns"
for ((r = 1; r <= ROUNDS; r++)); do
	for n in $PROCESSES; do run "$n" "$r"; done
done
