#!/usr/bin/env bash
# wrk-compare.sh: one wrk, on loopback, against three kinds of server, side by side:
#
#   bare        `redcloud bench baseline-server`: a bare net/http handler that decodes the send
#               JSON and answers the same 202 body, no auth, no storage (the limit of the machine)
#   kannel      Kannel's HTTP sendsms (smsbox → bearerbox → a fake SMSC answered by fakesmsc),
#               the gateway an operator would self-host
#   send-unique `redcloud serve` (sandbox, fresh SQLite, --rate-limit 0, --role all: the pipeline
#               runs), POST /api/core/messages/send, one recipient, a fresh Idempotency-Key each
#   send-replay the same send with one key and body every time (answered from the stored acceptance)
#   whoami      GET /api/core/whoami
#
# Each target is driven with `wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency` and a Lua script
# from scripts/wrk/. The targets run one after another, ROUNDS times in turns; the table gives the
# median per target and the ratio of medians to the bare handler. Before the load, each target is
# probed once with curl (status and body checked); after it, the script waits until the server's
# queues (redcloud's /metrics, bearerbox's status) are empty, so one target's backlog does not load
# the next, and it checks that fakesmsc received what Kannel accepted.
#
# Needs: go (builds ./cmd/redcloud), curl, and what `apt-get install wrk kannel kannel-extras` gives:
# /usr/bin/wrk, /usr/sbin/bearerbox, /usr/sbin/smsbox, /usr/lib/kannel/test/fakesmsc (kannel-extras).
# Plus coreutils, sed, awk, grep. No root, no fixed ports: everything listens on free loopback ports.
#
# Usage:  scripts/wrk-compare.sh [--smoke]
#   DURATION=10s      wrk's -d per run                 CONNECTIONS=64   wrk's -c
#   ROUNDS=3          runs per target, alternated      THREADS=2        wrk's -t
#   TARGETS="bare kannel send-unique send-replay whoami"   a subset, in this order
#   KANNEL_LOG_LEVEL=1  Kannel's console log level (0 debug … 4 panic); 1 (info) logs each sendsms,
#                     as the server logs each request; both go to files in the work directory
#   KEEP=1            keep the work directory (logs, configs, each wrk output) and print its path
#   --smoke           DURATION=1s ROUNDS=1: a quick check that every target works
set -euo pipefail

DURATION=${DURATION:-10s}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
TARGETS=${TARGETS:-bare kannel send-unique send-replay whoami}
KANNEL_LOG_LEVEL=${KANNEL_LOG_LEVEL:-1}
KEEP=${KEEP:-0}
for arg in "$@"; do
	case $arg in
	--smoke) DURATION=1s ROUNDS=1 ;;
	-h | --help)
		sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
		exit 0
		;;
	*)
		echo "wrk-compare: unknown argument $arg (try --help)" >&2
		exit 2
		;;
	esac
done

BEARERBOX=/usr/sbin/bearerbox
SMSBOX=/usr/sbin/smsbox
FAKESMSC=/usr/lib/kannel/test/fakesmsc
DEMO_CLIENT=rc_test_client_123 # the sandbox's published demo client (README)
DEMO_SECRET=rc_secret_abc123
SEND_BODY='{"sendFrom":"num_abc123","to":["+15550000001"],"messageType":"SMS","text":"redcloud bench","externalReference":"bench"}'

repo=$(cd "$(dirname "$0")/.." && pwd)
luadir=$repo/scripts/wrk

say() { echo "wrk-compare: $*" >&2; }
die() {
	say "$*"
	exit 1
}

for tool in go curl wrk awk sed sort; do
	command -v "$tool" >/dev/null || die "$tool is not installed"
done
for bin in "$BEARERBOX" "$SMSBOX"; do
	[[ -x $bin ]] || die "$bin is missing: apt-get install kannel"
done
[[ -x $FAKESMSC ]] || die "$FAKESMSC is missing: apt-get install kannel-extras"

work=$(mktemp -d "${TMPDIR:-/tmp}/wrk-compare.XXXXXX")
pids=()

# cleanup stops every process this script started (by pid, TERM then KILL)
# and removes the work directory unless KEEP=1.
cleanup() {
	local rc=$? pid i
	trap - EXIT INT TERM
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	if [[ $KEEP == 1 ]]; then
		say "kept $work"
	else
		rm -rf "$work"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# port_free says whether nothing accepts connections on 127.0.0.1:$1.
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# free_port prints a loopback port nothing listens on and that this script
# has not handed out yet. (Kannel cannot listen on port 0 and tell us.)
taken=" "
free_port() {
	local p
	for _ in $(seq 200); do
		p=$((20000 + RANDOM % 40000))
		if [[ $taken != *" $p "* ]] && port_free "$p"; then
			taken+="$p "
			echo "$p"
			return
		fi
	done
	die "no free loopback port found"
}

# wait_port waits until something accepts connections on 127.0.0.1:$1.
wait_port() {
	for _ in $(seq 300); do
		port_free "$1" || return 0
		sleep 0.1
	done
	die "nothing listens on 127.0.0.1:$1 after 30 s ($2)"
}

# listen_addr waits for the {"msg":"listening","addr":…} line that redcloud
# (server and baseline alike) logs to stderr once it listens, and prints the address.
listen_addr() {
	local log=$1 pid=$2 addr
	for _ in $(seq 600); do
		addr=$(sed -n 's/.*"msg":"listening","addr":"\([^"]*\)".*/\1/p' "$log" | head -n 1)
		if [[ -n $addr ]]; then
			echo "$addr"
			return
		fi
		kill -0 "$pid" 2>/dev/null || die "$log: the process exited: $(tail -n 5 "$log")"
		sleep 0.1
	done
	die "$log: no listening line after 60 s"
}

# --- build ---------------------------------------------------------------
say "building redcloud"
(cd "$repo" && go build -o "$work/redcloud" ./cmd/redcloud)
rev=$(cd "$repo" && git rev-parse --short HEAD 2>/dev/null || echo unknown)
if [[ -n $(cd "$repo" && git status --porcelain --untracked-files=no 2>/dev/null) ]]; then
	rev+="+dirty"
fi

# --- the bare handler ----------------------------------------------------
"$work/redcloud" bench baseline-server --addr 127.0.0.1:0 2>"$work/baseline.log" &
pids+=($!)
bare_url=http://$(listen_addr "$work/baseline.log" $!)

# --- redcloud serve --------------------------------------------------------
"$work/redcloud" serve --sandbox --role all --addr 127.0.0.1:0 --console-addr "" \
	--db "$work/redcloud.db" --rate-limit 0 --token-rate-limit 0 --token-ttl 24h \
	>"$work/serve.log" 2>&1 &
pids+=($!)
server_url=http://$(listen_addr "$work/serve.log" $!)
token=$(curl -sf -u "$DEMO_CLIENT:$DEMO_SECRET" -d grant_type=client_credentials "$server_url/api/auth/token" |
	sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
[[ -n $token ]] || die "no access token from $server_url/api/auth/token"

# --- Kannel: bearerbox, a fake SMSC answered by fakesmsc, smsbox's sendsms --
k_admin=$(free_port)
k_box=$(free_port)
k_smsc=$(free_port)
k_sendsms=$(free_port)
KANNEL_USER=bench
KANNEL_PASS=bench
cat >"$work/kannel.conf" <<EOF
# Generated by scripts/wrk-compare.sh. No store: bearerbox keeps its queue in memory,
# Kannel's default (a 202 from sendsms says "queued", not "on disk").
group = core
admin-port = $k_admin
admin-password = bench
admin-allow-ip = "127.0.0.1"
smsbox-port = $k_box
box-allow-ip = "127.0.0.1"
dlr-storage = internal

# smsc = fake: bearerbox listens on this port for fakesmsc, which takes every message.
group = smsc
smsc = fake
smsc-id = fake
port = $k_smsc
connect-allow-ip = "127.0.0.1"

group = smsbox
bearerbox-host = 127.0.0.1
bearerbox-port = $k_box
sendsms-port = $k_sendsms

group = sendsms-user
username = $KANNEL_USER
password = $KANNEL_PASS

# Mobile-originated messages (none are sent here) would get this answer.
group = sms-service
keyword = default
text = "ok"
EOF
"$BEARERBOX" -v "$KANNEL_LOG_LEVEL" "$work/kannel.conf" >"$work/bearerbox.log" 2>&1 &
pids+=($!)
wait_port "$k_box" bearerbox
wait_port "$k_smsc" "bearerbox's fake SMSC"
# -m 0: send no mobile-originated messages, only take (and print) what bearerbox sends.
"$FAKESMSC" -H 127.0.0.1 -r "$k_smsc" -m 0 "100 200 text nop" >"$work/fakesmsc.log" 2>&1 &
pids+=($!)
"$SMSBOX" -v "$KANNEL_LOG_LEVEL" "$work/kannel.conf" >"$work/smsbox.log" 2>&1 &
pids+=($!)
wait_port "$k_sendsms" "smsbox's sendsms"
kannel_url=http://127.0.0.1:$k_sendsms
kannel_status="http://127.0.0.1:$k_admin/status.txt?password=bench"
for _ in $(seq 300); do
	curl -sf "$kannel_status" | grep -q 'fake\[fake\].*(online' && break
	sleep 0.1
done
curl -sf "$kannel_status" | grep -q 'fake\[fake\].*(online' || die "bearerbox's fake SMSC is not online: $(curl -s "$kannel_status")"

# delivered counts the messages fakesmsc has received from bearerbox.
delivered() { grep -c 'Got message' "$work/fakesmsc.log" || true; }

# --- probes: each target answers one request as expected --------------------
# probe NAME EXPECTED-STATUS BODY-PATTERN CURL-ARGS…
probe() {
	local name=$1 want=$2 pattern=$3 out status
	shift 3
	out=$(curl -s -w '\n%{http_code}' "$@") || die "probe $name: curl failed"
	status=${out##*$'\n'}
	out=${out%$'\n'*}
	[[ $status == "$want" ]] || die "probe $name: HTTP $status, want $want: $out"
	[[ $out =~ $pattern ]] || die "probe $name: answer does not match /$pattern/: $out"
}
runid=wrkc-$(date -u +%Y%m%dT%H%M%S)-$$
send_args=(-H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d "$SEND_BODY")
probe bare 202 '"status":"QUEUED"' "${send_args[@]}" "$bare_url/api/core/messages/send"
probe send 202 '"messageId":"msg_' "${send_args[@]}" -H "Idempotency-Key: $runid-probe" "$server_url/api/core/messages/send"
# Stores the replay target's key, so that every request of the load is a replay.
probe replay-first 202 '"messageId":"msg_' "${send_args[@]}" -H "Idempotency-Key: $runid-replay" "$server_url/api/core/messages/send"
probe replay 202 '"messageId":"msg_' "${send_args[@]}" -H "Idempotency-Key: $runid-replay" "$server_url/api/core/messages/send"
probe whoami 200 '"apiClientId":"'"$DEMO_CLIENT"'"' -H "Authorization: Bearer $token" "$server_url/api/core/whoami"
probe kannel 202 '^(0: Accepted for delivery|Sent\.)' \
	"$kannel_url/cgi-bin/sendsms?username=$KANNEL_USER&password=$KANNEL_PASS&from=15551234567&to=15550000001&text=probe"
for _ in $(seq 100); do
	[[ $(delivered) -ge 1 ]] && break
	sleep 0.1
done
[[ $(delivered) -ge 1 ]] || die "Kannel accepted the probe but fakesmsc received nothing (see $work/fakesmsc.log; KEEP=1)"
say "all targets answer; ${ROUNDS} round(s) of ${DURATION} each, targets: $TARGETS"

# --- settling between runs ----------------------------------------------------
# server_depth prints the redcloud queues' depth (messages waiting for the
# provider, deliveries waiting for the dispatcher).
server_depth() {
	curl -sf -H "Authorization: Bearer $token" "$server_url/metrics" |
		awk '$1 == "redcloud_queue_messages" || $1 == "redcloud_queue_deliveries" { d += $2 } END { print d + 0 }'
}
# kannel_depth prints what bearerbox still holds for the SMSC.
kannel_depth() {
	curl -sf "$kannel_status" | sed -n 's/^SMS: received .*, sent [0-9]* (\([0-9]*\) queued).*/\1/p' | head -n 1
}
# settle waits (at most 2 minutes) until the target's server has worked off
# what the last run queued, so that it does not load the next run.
settle() {
	local depth fn=$1
	for ((i = 0; i < 1200; i++)); do
		depth=$($fn || echo "?")
		[[ $depth == 0 ]] && return
		sleep 0.1
	done
	say "$fn: still $depth after 2 minutes; going on"
}

# --- the runs -----------------------------------------------------------------
mkdir -p "$work/runs"
kannel_accepted=0
kannel_before=$(delivered)
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$(date -u '+%Y-%m-%d %H:%M')
for ((round = 1; round <= ROUNDS; round++)); do
	for target in $TARGETS; do
		case $target in
		bare) url=$bare_url lua=send-unique.lua ;;
		kannel) url=$kannel_url lua=kannel-sendsms.lua ;;
		send-unique) url=$server_url lua=send-unique.lua ;;
		send-replay) url=$server_url lua=send-replay.lua ;;
		whoami) url=$server_url lua=whoami.lua ;;
		*) die "unknown target $target (bare kannel send-unique send-replay whoami)" ;;
		esac
		out=$work/runs/$target.$round.txt
		say "round $round/$ROUNDS: $target"
		WRK_TOKEN=$token WRK_KEY_PREFIX=$runid-$target-$round KANNEL_USER=$KANNEL_USER KANNEL_PASS=$KANNEL_PASS \
			wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -s "$luadir/$lua" "$url" >"$out" 2>&1 ||
			die "wrk failed against $target: $(tail -n 5 "$out")"
		line=$(grep '^wrk-compare:' "$out") || die "no summary from wrk against $target: $(tail -n 5 "$out")"
		echo "$target $line" >>"$work/results"
		case $target in
		kannel)
			kannel_accepted=$((kannel_accepted + $(sed -n 's/.*requests=\([0-9]*\).*/\1/p' <<<"$line")))
			settle kannel_depth
			;;
		send-unique) settle server_depth ;;
		esac
	done
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- Kannel delivered what it accepted -----------------------------------------
kannel_note=""
if [[ " $TARGETS " == *" kannel "* ]]; then
	# wrk counts only the answers it read before its deadline; the requests in
	# flight then were sent too, so fakesmsc may receive up to CONNECTIONS more per run.
	for _ in $(seq 100); do
		[[ $(($(delivered) - kannel_before)) -ge $kannel_accepted ]] && break
		sleep 0.1
	done
	got=$(($(delivered) - kannel_before))
	kannel_note="Kannel: wrk counted $kannel_accepted sendsms answers; fakesmsc received $got messages."
	if ((got < kannel_accepted)); then
		kannel_note+=" FEWER THAN ACCEPTED."
	fi
fi

# --- the table -----------------------------------------------------------------
# One row per target: medians over the rounds of req/s, p50 and p99; the
# non-2xx answers and socket errors summed over the rounds.
table=$(awk -v targets="$TARGETS" '
	function median(list,    a, n, i, j, t) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] + 0 > t + 0; j--) a[j + 1] = a[j]; a[j + 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	function commas(x,    s, out) { s = sprintf("%d", x + 0.5); out = ""; while (length(s) > 3) { out = "," substr(s, length(s) - 2) out; s = substr(s, 1, length(s) - 3) } return s out }
	function ms(us) { return us < 10000 ? sprintf("%.2f ms", us / 1000) : sprintf("%.0f ms", us / 1000) }
	{
		t = $1
		for (i = 3; i <= NF; i++) { split($i, kv, "="); v[kv[1]] = kv[2] }
		rps[t] = rps[t] " " v["requests"] / (v["duration_us"] / 1e6)
		p50[t] = p50[t] " " v["p50_us"]
		p99[t] = p99[t] " " v["p99_us"]
		bad[t] += v["non2xx"]
		sock[t] += v["connect"] + v["read"] + v["write"] + v["timeout"]
	}
	END {
		names["bare"] = "bare net/http handler, same JSON shape (the limit)"
		names["kannel"] = "Kannel 1.4.5 HTTP sendsms → fakesmsc"
		names["send-unique"] = "send, unique keys"
		names["send-replay"] = "send, one key replayed"
		names["whoami"] = "whoami"
		base = ("bare" in rps) ? median(rps["bare"]) : 0
		print "| target | req/s | × bare | p50 | p99 | non-2xx | socket errors | req/s per round |"
		print "|---|---|---|---|---|---|---|---|"
		n = split(targets, ts, " ")
		for (k = 1; k <= n; k++) {
			t = ts[k]
			if (!(t in rps)) continue
			r = median(rps[t])
			m = split(rps[t], each, " "); per = ""
			for (i = 1; i <= m; i++) per = per (i > 1 ? " / " : "") commas(each[i])
			printf "| %s | %s | %s | %s | %s | %d | %d | %s |\n", names[t], commas(r),
				base ? sprintf("%.2f", r / base) : "—", ms(median(p50[t])), ms(median(p99[t])), bad[t], sock[t], per
		}
	}' "$work/results")

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
echo
echo "$table"
echo
echo "\`wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency\` on loopback, each target $ROUNDS time(s), in turns ($TARGETS); medians."
echo "Server: redcloud $rev, \`serve --sandbox --role all --rate-limit 0\`, SQLite (synchronous=FULL) on a fresh database."
echo "Kannel $("$BEARERBOX" --version 2>&1 | sed -n "s/.*bearerbox version \`\([^']*\)'.*/\1/p" | head -n 1), fake SMSC + fakesmsc, console log level $KANNEL_LOG_LEVEL, no store."
echo "$started–$(date -u '+%H:%M') UTC, $(uname -n): $(nproc) CPUs ($cpu), $mem, $(uname -sr), $(go version | cut -d' ' -f3), $(wrk -v 2>&1 | head -n 1 | cut -d' ' -f1-2)."
echo "Load average (1/5/15 min) before: $load_before, after: $load_after."
[[ -z $kannel_note ]] || echo "$kannel_note"
