# test/lib.sh: sourced by each test/t-*.sh. Runs the real binary into fresh
# temporary data roots, prints TAP lines (ok N - title / not ok N - title),
# and ends with the file's own "N passed, M failed" for test/run.sh.
#
#   fresh                    new data root in $ROOT (HOME and XDG moved too)
#   hook EVENT FILE          clankers hook EVENT < FILE; rc in $RC, stderr in
#                            $ERR; a hook that prints on stdout, exits 2 or
#                            crashes is a failure of its own
#   q SQL                    query $ROOT/clankers.db with the sqlite3 shell
#   is TITLE EXPECTED ACTUAL equality, with a diff when it fails
#   same TITLE EXP ACTUAL    is, but an empty EXP fails
#   ok TITLE CMD...          passes when CMD succeeds
#   log_lines                the data root's log lines
#   skip REASON              the file cannot run here: says why, counts nothing
#   send FILE                clankers hook opencode, once per line of FILE
#   oc_forwarded FILE        the OpenCode events of a capture its plugin forwards
#   rows                     the shared rows, times of receipt left out
set -u

TOP=$(cd "$(dirname "$0")/.." && pwd)
FIX=$TOP/test/fixtures
CLANKERS=${CLANKERS:-$TOP/clankers}
# WRAPPER runs the binary under valgrind (make test VALGRIND=1).
WRAPPER=${WRAPPER:-}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/clankers-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
n=0 passed=0 failed=0 cases=0

unset CLANKERS_DATA_PATH CLANKERS_DB_PATH CLANKERS_LOG_PATH CLANKERS_LOG_LEVEL \
	CLANKERS_TIMEOUT_MS CLANKERS_OUTPUT_LIMIT CLAUDE_PROJECT_DIR XDG_DATA_HOME \
	OPENCODE_DB

# Under valgrind a hook runs tens of times slower: give it time to wait for
# the database and to ingest the spool, as a real run has.
[ -z "$WRAPPER" ] || export CLANKERS_TIMEOUT_MS=60000

pass() { n=$((n + 1)); passed=$((passed + 1)); echo "ok $n - $1"; }
fail() { n=$((n + 1)); failed=$((failed + 1)); echo "not ok $n - $1"; }

fresh() {
	cases=$((cases + 1))
	ROOT=$TMP/case$cases
	mkdir -p "$ROOT/home"
	export HOME=$ROOT/home CLANKERS_DATA_PATH=$ROOT/data
	ROOT=$ROOT/data
	DB=$ROOT/clankers.db
}

# clankers with the wrapper, stdout to $OUT, stderr to $ERR, status in $RC.
run() {
	OUT=$TMP/out ERR=$TMP/err
	$WRAPPER "$CLANKERS" "$@" >"$OUT" 2>"$ERR"
	RC=$?
}

hook() {
	ev=$1 file=$2
	shift 2
	OUT=$TMP/out ERR=$TMP/err
	$WRAPPER "$CLANKERS" "$@" hook "$ev" <"$file" >"$OUT" 2>"$ERR"
	RC=$?
	if [ -s "$OUT" ]; then
		fail "hook $ev printed on stdout: $(head -c 200 "$OUT")"
	fi
	case $RC in
	0|1) ;;
	*) fail "hook $ev exited $RC: $(head -c 400 "$ERR")" ;;
	esac
}

q() { sqlite3 "$DB" "$@"; }

is() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		printf '%s\n' "$2" >"$TMP/expected"
		printf '%s\n' "$3" >"$TMP/actual"
		diff -u "$TMP/expected" "$TMP/actual" | sed 's/^/#   /'
	fi
}

# same TITLE EXPECTED ACTUAL: is, but an empty EXPECTED (what a mock, a
# client or an export logged) is a failure, never a pass of nothing against
# nothing.
same() {
	if [ -z "$2" ]; then
		fail "$1"
		echo "#   nothing to compare with"
	else
		is "$@"
	fi
}

ok() {
	title=$1
	shift
	if "$@"; then pass "$title"; else fail "$title"; fi
}

log_lines() { cat "$ROOT"/clankers-*.jsonl 2>/dev/null; }

# send FILE: one `clankers hook opencode` per line of FILE; a hook that
# fails, prints on stdout or crashes is a failure of its own.
send() {
	bad=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >"$TMP/one.json"
		hook opencode "$TMP/one.json"
		[ "$RC" -eq 0 ] || bad=$((bad + 1))
	done <"$1"
	[ "$bad" -eq 0 ] || fail "send $(basename "$1"): $bad hooks exited 1: $(head -c 300 "$ERR")"
}

# The rows a replay leaves, times of receipt left out.
rows() {
	q "SELECT id, source, title, project_path, project_name, model, provider,
	     parent_id, input_tokens, output_tokens, cache_creation_input_tokens,
	     cache_read_input_tokens, prompt_tokens, cost_usd, message_count,
	     tool_call_count, responses, unpriced_responses, status, client_version
	   FROM sessions ORDER BY id;
	   SELECT id, session_id, role, text_content, model, provider, source,
	     input_tokens, output_tokens, reasoning_tokens,
	     cache_creation_input_tokens, cache_read_input_tokens, agent_cost_usd,
	     cost_usd, created_at, completed_at, duration_ms, stop_reason
	   FROM messages ORDER BY id;
	   SELECT id, session_id, message_id, source, tool_name, tool_input,
	     tool_output, file_path, status, success, error_message, started_at,
	     ended_at, duration_ms FROM tools ORDER BY id;
	   SELECT session_id, error_type, error_message FROM session_errors ORDER BY id;
	   SELECT session_id, phase, trigger FROM compaction_events ORDER BY id"
}

# hold_db SQL: another process (the sqlite3 shell) opens $DB, runs SQL (with
# BEGIN IMMEDIATE it then holds the write lock) and keeps the database open;
# returns once SQL has run. More SQL goes to it with printf ... >&3;
# release_db closes it, and sets $HELD_RC to its exit status and $HELD_OUT
# to the file of what it printed.
hold_db() {
	rm -f "$TMP/holdctl" "$TMP/held"
	mkfifo "$TMP/holdctl"
	HELD_OUT=$TMP/hold.out
	sqlite3 "$DB" <"$TMP/holdctl" >"$HELD_OUT" 2>&1 &
	HOLDER=$!
	exec 3>"$TMP/holdctl"
	printf '%s\n.shell touch %s\n' "$1" "$TMP/held" >&3
	i=0
	while [ ! -e "$TMP/held" ] && [ $i -lt 1000 ]; do sleep 0.01; i=$((i + 1)); done
}
release_db() {
	exec 3>&-
	wait "$HOLDER"
	HELD_RC=$?
}

# Rewrites the paths of the e2e captures (/tmp/cc-e2e/out-<scenario>) into
# $2 and writes the payloads of scenario $1 to $3, keeping their names.
e2e_payloads() {
	mkdir -p "$3"
	for f in "$FIX/e2e/$1"/*.json; do
		sed "s#/tmp/cc-e2e/out-$1#$2#g" "$f" >"$3/$(basename "$f")"
	done
}

# Replays a folder of <ns>-<Event>.json in name order.
replay() {
	for f in "$1"/*.json; do
		ev=${f##*/}
		ev=${ev#*-}
		hook "${ev%.json}" "$f"
	done
}

# peak CLANKERS-ARGS...: clankers run by test/rss (built here if need be),
# stdout thrown away, stderr to $ERR: $PEAK gets its peak memory in KiB,
# $RC its exit status. ASan's quarantine is off: it would hold freed memory.
peak() {
	[ -x "$TOP/test/rss" ] || cc -O2 -o "$TOP/test/rss" "$TOP/test/rss.c" || return 1
	ERR=$TMP/err
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0" \
		"$TOP/test/rss" "$CLANKERS" "$@" >"$TMP/peak" 2>"$ERR"
	read -r _ PEAK RC _ <"$TMP/peak"
}

# oc_events FILE: the bus events of a capture (its event hook's lines), or of
# a file of bare events, one a line.
oc_events() { jq -c 'if has("hook") then select(.hook == "event") | .event else . end' "$1"; }

# oc_forwarded FILE: the events of FILE that the plugin forwards, in order,
# each with the folder OpenCode ran in.
oc_forwarded() {
	oc_events "$1" | jq -c 'select(
	  .type == "session.created" or .type == "session.updated" or
	  .type == "session.deleted" or .type == "session.idle" or
	  .type == "session.error" or .type == "session.compacted" or
	  .type == "message.updated" or .type == "message.removed" or
	  (.type == "message.part.updated" and (.properties.part as $p |
	    ($p.type == "tool" and ($p.state.status == "completed" or $p.state.status == "error")) or
	    $p.type == "step-finish" or $p.type == "compaction" or $p.type == "subtask" or
	    ($p.type == "text" and ($p.time == null or $p.time.end != null)))))
	  | . + {directory: "/tmp/oc-e2e/out/work"}'
}

# skip REASON: the file cannot run here (no client, no python3): it says why,
# counts nothing and ends.
skip() {
	echo "# skip: $1"
	finish
	exit
}

finish() {
	echo "$passed passed, $failed failed"
	[ "$failed" -eq 0 ]
}
