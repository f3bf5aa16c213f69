#!/bin/sh
# test/t-hostile-files.sh: what clankers opens may be a FIFO or a device,
# its stdin may never be closed, its stderr may be a pipe nobody reads and
# a file-size limit may stop its writes. None of it may hang a command or
# kill a hook: each command runs under timeout (a hang is a failure), and a
# hook still stores or spools its event, exiting 0, or says it lost it.
. "$(dirname "$0")/lib.sh"

SINGLE=$FIX/claude/hooks/single
PROMPT=$SINGLE/UserPromptSubmit.seeknal-2026-02.json
# Room for valgrind's start-up; a hang still ends the case.
LIMIT=10
[ -z "$WRAPPER" ] || LIMIT=120

# thook EVENT FILE [ARGS...]: hook under timeout; $RC, $OUT, $ERR as hook.
thook() {
	ev=$1 file=$2
	shift 2
	OUT=$TMP/out ERR=$TMP/err
	timeout $LIMIT $WRAPPER "$CLANKERS" "$@" hook "$ev" <"$file" >"$OUT" 2>"$ERR"
	RC=$?
}
# trun ARGS...: any command under timeout.
trun() {
	OUT=$TMP/out ERR=$TMP/err
	timeout $LIMIT $WRAPPER "$CLANKERS" "$@" >"$OUT" 2>"$ERR" </dev/null
	RC=$?
}
count() { if [ -f "$DB" ]; then q "SELECT count(*) FROM hook_events"; else echo 0; fi; }
nspool() { ls "$ROOT/spool" 2>/dev/null | grep -c '\.event$'; }
# "not a hang": any status but timeout's 124 (or a signal's 128+N).
nohang() { [ "$RC" -lt 124 ]; }

# ---------------------------------------------------------------- log FIFO
fresh
mkdir -p "$ROOT"
mkfifo "$ROOT/clankers-$(date -u +%Y-%m-%d).jsonl"
thook UserPromptSubmit "$PROMPT"
is "log fifo: hook exits 0 and stores its event" "0 1" "$RC $(count)"
ok "log fifo: stderr says the log is not a regular file" \
    grep -q "not a regular file" "$ERR"
trun report
ok "log fifo: report ends (status $RC)" nohang
trun doctor
ok "log fifo: doctor ends (status $RC)" nohang

# ---------------------------------------------------------------- spool FIFO
fresh
mkdir -p "$ROOT/spool"
mkfifo "$ROOT/spool/0000000000001-fifo.event"
thook UserPromptSubmit "$PROMPT"
is "spool fifo: hook exits 0 and stores its own event" "0 1" "$RC $(count)"
ok "spool fifo: the fifo is set aside" test -p "$ROOT/spool/0000000000001-fifo.event.bad"
ok "spool fifo: an error line names it" \
    sh -c 'cat "$1"/clankers-*.jsonl | grep -q "cannot read spooled event"' - "$ROOT"

# ---------------------------------------------------------------- prices
# A Stop whose transcript exists: the hook loads the prices.
fresh
mkdir -p "$ROOT"
: >"$TMP/transcript.jsonl"
jq -c --arg t "$TMP/transcript.jsonl" '.transcript_path = $t' \
    "$SINGLE/Stop.seeknal-2026-02.json" >"$TMP/stop.json"
mkfifo "$ROOT/prices.tsv"
thook Stop "$TMP/stop.json"
is "prices.tsv fifo: hook exits 0 and stores its event" "0 1" "$RC $(count)"
ok "prices.tsv fifo: a warn line, the built-in prices used" \
    sh -c 'cat "$1"/clankers-*.jsonl | grep "not a regular file" | grep -q "\"warn\""' - "$ROOT"
trun doctor
ok "prices.tsv fifo: doctor ends (status $RC)" nohang
ok "prices.tsv fifo: doctor says not a regular file" grep -q "not a regular file" "$OUT"
rm "$ROOT/prices.tsv"
CLANKERS_PRICES=/dev/zero thook Stop "$TMP/stop.json"
is "CLANKERS_PRICES=/dev/zero: hook exits 0 and stores its event" "0 2" "$RC $(count)"
CLANKERS_PRICES=/dev/zero trun doctor
ok "CLANKERS_PRICES=/dev/zero: doctor ends (status $RC)" nohang

# ---------------------------------------------------------------- db FIFO
fresh
mkdir -p "$ROOT"
mkfifo "$DB"
thook UserPromptSubmit "$PROMPT"
is "db fifo: hook exits 0 and spools its event" "0 1" "$RC $(nspool)"
ok "db fifo: stderr says not a regular file" grep -q "not a regular file" "$ERR"
trun report
ok "db fifo: report ends (status $RC)" nohang
trun doctor
ok "db fifo: doctor ends (status $RC)" nohang
trun query 'SELECT 1'
ok "db fifo: query ends (status $RC)" nohang

# ---------------------------------------------------------------- stdin open
# The payload comes whole but the writer keeps the pipe open: the hook keeps
# a whole object past its budget; a cut one it rejects.
fresh
mkfifo "$TMP/in"
{ cat "$PROMPT"; exec sleep 30; } >"$TMP/in" 2>/dev/null &
writer=$!
CLANKERS_TIMEOUT_MS=300 thook UserPromptSubmit "$TMP/in"
kill "$writer" 2>/dev/null
is "stdin open, whole object: hook exits 0 and stores it" "0 1" "$RC $(count)"
ok "stdin open, whole object: warn line says so" \
    sh -c 'cat "$1"/clankers-*.jsonl | grep -q "stdin not closed within the budget"' - "$ROOT"
fresh
{ head -c 100 "$PROMPT"; exec sleep 30; } >"$TMP/in" 2>/dev/null &
writer=$!
CLANKERS_TIMEOUT_MS=300 thook UserPromptSubmit "$TMP/in"
kill "$writer" 2>/dev/null
is "stdin open, cut object: hook exits 1" 1 "$RC"
is "stdin open, cut object: error line says why" \
    "error stdin not closed within the budget" \
    "$(log_lines | tail -n 1 | jq -r '"\(.level) \(.error.message)"')"

# ---------------------------------------------------------------- SIGPIPE
# stderr a pipe whose reader has gone: the hook's stderr line fails with
# EPIPE and it goes on (the database a folder, so that it has one to say).
fresh
mkdir -p "$DB"
rm -f "$TMP/pipe" "$TMP/closed"
mkfifo "$TMP/pipe"
( exec 3<"$TMP/pipe"; exec 3<&-; touch "$TMP/closed" ) &
reader=$!
timeout $LIMIT sh -c 'exec 2>"$1"; shift
	while [ ! -e "$1" ]; do sleep 0.01; done; shift
	exec "$@"' - "$TMP/pipe" "$TMP/closed" $WRAPPER "$CLANKERS" hook UserPromptSubmit \
    <"$PROMPT" >"$TMP/out"
RC=$?
wait "$reader"
is "stderr a broken pipe: hook exits 0 and spools its event" "0 1" "$RC $(nspool)"
is "stderr a broken pipe: the log line is written" "warn spooled" \
    "$(log_lines | tail -n 1 | jq -r '"\(.level) \(.outcome)"')"

# ---------------------------------------------------------------- SIGXFSZ
# Under a file-size limit the database cannot grow: the event is spooled
# (small enough) or said lost; the hook is never killed by SIGXFSZ.
fresh
mkdir -p "$ROOT"
( ulimit -f 16 && exec timeout $LIMIT $WRAPPER "$CLANKERS" hook UserPromptSubmit \
    <"$PROMPT" >"$TMP/out" 2>"$TMP/err" )
RC=$?
case $RC in
0|1) pass "file-size limit: hook exits $RC, not killed" ;;
*) fail "file-size limit: hook exits $RC: $(head -c 300 "$TMP/err")" ;;
esac
is "file-size limit: the event is spooled" 1 "$(nspool)"
thook Stop "$SINGLE/Stop.seeknal-2026-02.json"
is "file-size limit lifted: next hook ingests the spool" "0 0 2" \
    "$RC $(nspool) $(count)"

finish
