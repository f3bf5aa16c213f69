#!/bin/sh
# test/t-concurrency.sh: many hooks at once on one database, as parallel tool
# calls and several sessions make them. Every hook stores its event (none
# spooled, none lost), every row and count is right, and every log line is
# whole.
. "$(dirname "$0")/lib.sh"

# How long a hook waits on a busy database is the benchmark's business
# (make bench: 16 writers, none spooled with the default budget), not a
# test's: on a loaded 2-core machine, under ASan or valgrind, 44 hooks at
# once can outwait any fixed budget. Here the budget is ample, so that what
# is checked is that concurrency loses and garbles nothing.
export CLANKERS_TIMEOUT_MS=600000

SINGLE=$FIX/claude/hooks/single
PRE=$SINGLE/PreToolUse-Bash.seeknal-2026-02.json
POST=$SINGLE/PostToolUse-Bash.seeknal-2026-02.json
P=$TMP/payloads
mkdir -p "$P"

sid() { echo "c0ffee00-0000-4000-8000-00000000000$1"; }

# payload OUT FIXTURE SESSION [TOOL_USE_ID]
payload() {
	jq -c --arg s "$3" --arg t "${4:-}" \
	    '.session_id = $s | if $t != "" then .tool_use_id = $t else . end' \
	    "$2" >"$1"
}

# A start line: jobs block reading fd 4 until every write end of the FIFO is
# closed, so they all start together, however long it took to fork them.
barrier() {
	rm -f "$TMP/go"
	mkfifo "$TMP/go"
	exec 3<>"$TMP/go" 4<"$TMP/go"
}
release() { exec 3>&- 4<&-; }

# One invocation, by name: status, stdout and stderr kept in $RUN.
one() {
	$WRAPPER "$CLANKERS" hook "$2" <"$3" >"$RUN/$1.out" 2>"$RUN/$1.err"
	set -- "$1" $?
	echo "$2" >"$RUN/$1.rc"
	return "$2"
}

# job CMD...: CMD in the background, held at the start line; pid in $pids.
job() {
	(
		exec 3>&-
		read -r go <&4
		exec 4<&-
		"$@"
	) &
	pids="$pids $!"
	njobs=$((njobs + 1))
}

# Waits for every job; checks that they and each invocation exited 0,
# printed nothing, and that there were $1 invocations.
reap() {
	jobfail=0
	for p in $pids; do
		wait "$p" || jobfail=$((jobfail + 1))
	done
	is "$2: all $njobs background jobs exited 0" 0 "$jobfail"
	is "$2: $1 invocations ran" "$1" "$(ls "$RUN" | grep -c '\.rc$')"
	is "$2: every invocation exited 0" "" \
	    "$(grep -L -x 0 "$RUN"/*.rc | sed 's#.*/##')"
	is "$2: no invocation printed on stdout" "" "$(cat "$RUN"/*.out)"
	is "$2: no invocation wrote to stderr" "" "$(cat "$RUN"/*.err | head -n 5)"
}

# Log and spool checks common to both runs: $1 invocations, all stored.
logs_and_spool() {
	log_lines >"$TMP/log"
	bad=0
	while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e -s 'length == 1 and (.[0] | type) == "object"' \
		    >/dev/null 2>&1 || bad=$((bad + 1))
	done <"$TMP/log"
	is "$2: every log line is one whole JSON object" 0 "$bad"
	is "$2: one log line per invocation" "$1" "$(wc -l <"$TMP/log" | tr -d ' ')"
	is "$2: every log line says stored" "$1" \
	    "$(jq -r 'select(.outcome == "stored" and .level == "info") | .invocation' "$TMP/log" 2>/dev/null | wc -l | tr -d ' ')"
	jq -r .invocation "$TMP/log" 2>/dev/null | sort >"$TMP/log-inv"
	q 'SELECT invocation FROM hook_events' | sort >"$TMP/db-inv"
	ok "$2: log invocations are the hook_events invocations" cmp -s "$TMP/log-inv" "$TMP/db-inv"
	is "$2: hook_events has one row per invocation, none spooled" "$1 0" \
	    "$(q 'SELECT count(*), count(*) FILTER (WHERE spooled = 1) FROM hook_events' | tr '|' ' ')"
	is "$2: nothing in the spool" "" "$(ls -A "$ROOT/spool" 2>/dev/null)"
}

# ------------------------------------------------------------------ run 1
# 32 processes each send PreToolUse then PostToolUse for their own tool, in
# 4 sessions, with SessionStart, UserPromptSubmit and Stop for each session
# alongside: 44 processes, 76 invocations, on a database not yet created.
for s in 0 1 2 3; do
	payload "$P/start$s.json" "$SINGLE/SessionStart-resume.attio-2025-08.json" "$(sid $s)"
	payload "$P/prompt$s.json" "$SINGLE/UserPromptSubmit.seeknal-2026-02.json" "$(sid $s)"
	payload "$P/stop$s.json" "$SINGLE/Stop.seeknal-2026-02.json" "$(sid $s)"
done
i=0
while [ $i -lt 32 ]; do
	payload "$P/pre$i.json" "$PRE" "$(sid $((i % 4)))" "call_par_$i"
	payload "$P/post$i.json" "$POST" "$(sid $((i % 4)))" "call_par_$i"
	i=$((i + 1))
done

# A tool call's two hooks, one after the other, as Claude Code sends them.
pair() {
	one "pre$1" PreToolUse "$P/pre$1.json"
	set -- "$1" $?
	one "post$1" PostToolUse "$P/post$1.json" && return "$2"
}

fresh
RUN=$TMP/run1
mkdir -p "$RUN"
pids="" njobs=0
barrier
i=0
while [ $i -lt 32 ]; do
	job pair $i
	i=$((i + 1))
done
for s in 0 1 2 3; do
	job one "start$s" SessionStart "$P/start$s.json"
	job one "prompt$s" UserPromptSubmit "$P/prompt$s.json"
	job one "stop$s" Stop "$P/stop$s.json"
done
release
reap 76 "run 1"
is "run 1: 32 tool rows, all ok with both times" "32 32" \
    "$(q "SELECT count(*), count(*) FILTER (WHERE status = 'ok' AND success = 1
        AND started_at IS NOT NULL AND ended_at IS NOT NULL
        AND duration_ms IS NOT NULL) FROM tools" | tr '|' ' ')"
is "run 1: every tool id present once" "$(i=0; while [ $i -lt 32 ]; do echo "call_par_$i"; i=$((i + 1)); done | sort)" \
    "$(q 'SELECT id FROM tools' | sort)"
is "run 1: tool_call_count per session equals its rows (8 each)" \
    "$(for s in 0 1 2 3; do echo "$(sid $s) 8 8"; done)" \
    "$(q 'SELECT id, tool_call_count, (SELECT count(*) FROM tools t WHERE t.session_id = s.id)
        FROM sessions s ORDER BY id' | tr '|' ' ')"
is "run 1: each tool row in its own session" 0 \
    "$(q "SELECT count(*) FROM tools WHERE session_id <> 'c0ffee00-0000-4000-8000-00000000000' || (CAST(substr(id, 10) AS INTEGER) % 4)")"
is "run 1: each session got its start, prompt title and stop" \
    "$(for s in 0 1 2 3; do echo "resume 1 1"; done)" \
    "$(q "SELECT start_source, title IS NOT NULL,
        (SELECT count(*) FROM hook_events h WHERE h.session_id = s.id AND event = 'Stop')
        FROM sessions s ORDER BY id" | tr '|' ' ')"
logs_and_spool 76 "run 1"

# ------------------------------------------------------------------ run 2
# Pre and Post of the same 16 tool calls started together, so either may
# come first: each row still ends ok with both of its times.
i=0
while [ $i -lt 16 ]; do
	payload "$P/rpre$i.json" "$PRE" "$(sid $((i % 2)))" "call_race_$i"
	payload "$P/rpost$i.json" "$POST" "$(sid $((i % 2)))" "call_race_$i"
	i=$((i + 1))
done
fresh
RUN=$TMP/run2
mkdir -p "$RUN"
pids="" njobs=0
barrier
i=0
while [ $i -lt 16 ]; do
	job one "pre$i" PreToolUse "$P/rpre$i.json"
	job one "post$i" PostToolUse "$P/rpost$i.json"
	i=$((i + 1))
done
release
reap 32 "run 2"
is "run 2: 16 tool rows, each ok with its output" "16 16" \
    "$(q "SELECT count(*), count(*) FILTER (WHERE status = 'ok' AND success = 1
        AND tool_output IS NOT NULL AND tool_name = 'Bash') FROM tools" | tr '|' ' ')"
# The start is the PreToolUse's receive time when it came before the
# PostToolUse's; a Pre received after its Post (only a race like this one:
# Claude Code waits for PreToolUse hooks before it runs the tool) tells
# nothing of the start and is dropped, never turned into a made-up time.
is "run 2: every row has its end; its start iff the Pre came first" 16 \
    "$(q "SELECT count(*) FROM tools t WHERE ended_at = (SELECT received_at
        FROM hook_events WHERE tool_use_id = t.id AND event = 'PostToolUse')
        AND started_at IS (SELECT CASE WHEN p.received_at <= t.ended_at THEN p.received_at END
        FROM hook_events p WHERE p.tool_use_id = t.id AND p.event = 'PreToolUse')
        AND duration_ms IS (t.ended_at - t.started_at)")"
is "run 2: tool_call_count per session equals its rows (8 each)" \
    "$(for s in 0 1; do echo "$(sid $s) 8 8"; done)" \
    "$(q 'SELECT id, tool_call_count, (SELECT count(*) FROM tools t WHERE t.session_id = s.id)
        FROM sessions s ORDER BY id' | tr '|' ' ')"
logs_and_spool 32 "run 2"

finish
