#!/bin/sh
# test/t-stress.sh: load and crashes. Load: WRITERS concurrent writers
# (each a loop of hooks) across several sessions, a mix of Claude Code and
# OpenCode events, with a transcript growing meanwhile and the default hook
# budget, so that some events go through the spool: every event is stored
# exactly once, no log line is torn. Crashes: SIGKILLs at random moments of
# hooks, of session-end on a large transcript, of the spool's ingest and of
# an import: the database stays whole, every invocation that exited 0 is
# stored once, and the next run goes on where the killed one stopped.
#
# Small sizes here; `make stress` runs STRESS_WRITERS="16 64"
# STRESS_EVENTS=200 STRESS_KILLS=300 and prints the figures (# lines).
. "$(dirname "$0")/lib.sh"

WRITERS=${STRESS_WRITERS:-4 8}
EVENTS=${STRESS_EVENTS:-15}    # per writer
KILLS=${STRESS_KILLS:-24}      # per kind of process killed
SESSIONS=6
SINGLE=$FIX/claude/hooks/single
BASIC=a125bd5f-b2e1-42db-87ce-1ce0974290de
BASIC_T=$FIX/transcripts/e2e/basic/$BASIC.jsonl
BIG_T=$FIX/transcripts/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov/4d5611e5-241a-462a-8d15-5122611a9569.jsonl
if [ -n "$WRAPPER" ]; then
	echo "# skip: load and crash runs under valgrind (thousands of processes; t-concurrency and t-spool cover the same code)"
	finish
	exit
fi

now_ms() { date +%s%3N; }
# A random number in [0, $1), from the kernel.
rnd() { echo $(($(od -An -N2 -tu2 /dev/urandom) % $1)); }
csid() { echo "5e55c0de-0000-4000-8000-0000000000$(printf %02d "$1")"; }
osid() { echo "ses_stress$1"; }

# Templates: the fixtures with placeholders, filled by sed per event.
T=$TMP/tpl
mkdir -p "$T"
jq -c '.session_id = "@S@"' "$SINGLE/UserPromptSubmit.seeknal-2026-02.json" >"$T/prompt"
jq -c '.session_id = "@S@" | .tool_use_id = "@T@"' "$SINGLE/PreToolUse-Bash.seeknal-2026-02.json" >"$T/pre"
jq -c '.session_id = "@S@" | .tool_use_id = "@T@"' "$SINGLE/PostToolUse-Bash.seeknal-2026-02.json" >"$T/post"
jq -c '.session_id = "@S@" | .transcript_path = "@P@"' "$SINGLE/Stop.seeknal-2026-02.json" >"$T/stop"
grep '"status":"completed"' "$FIX/opencode/e2e-events.jsonl" | grep '"type":"tool"' | head -1 |
	jq -c '.event | .id = "evt_@T@" | .properties.sessionID = "@S@" |
	  .properties.part.sessionID = "@S@" | .properties.part.id = "prt_@T@" |
	  .properties.part.callID = "call_@T@" | .properties.part.messageID = "msg_@S@"' >"$T/oc"
fill() { sed -e "s#@S@#$2#g" -e "s#@T@#$3#g" -e "s#@P@#${4:-}#g" "$T/$1"; }

# writer W: EVENTS invocations in a row, each kept as "rc kind key".
writer() {
	w=$1 k=0
	while [ $k -lt "$EVENTS" ]; do
		s=$(((w + k) % SESSIONS))
		case $((k % 5)) in
		0) kind=prompt sid=$(csid $s) ev=UserPromptSubmit agent= key=- ;;
		1) kind=pre sid=$(csid $s) ev=PreToolUse agent= key=t_${w}_$k ;;
		2) kind=post sid=$(csid $s) ev=PostToolUse agent= key=t_${w}_$((k - 1)) ;;
		3) kind=oc sid=$(osid $s) ev= agent=opencode key=o_${w}_$k ;;
		4) kind=stop sid=$(csid $s) ev=Stop agent= key=- ;;
		esac
		path=$TMP/none.jsonl
		[ $s -ne 0 ] || { [ $kind = stop ] && sid=$BASIC path=$GROW; }
		[ $s -ne 0 ] || { [ $kind = prompt ] && sid=$BASIC; }
		fill $kind "$sid" "$key" "$path" >"$RUN/p$w"
		"$CLANKERS" hook $agent $ev <"$RUN/p$w" >>"$RUN/out$w" 2>>"$RUN/err$w"
		echo "$? $kind $key" >>"$RUN/rc$w"
		k=$((k + 1))
	done
}

# Appends the basic transcript's lines to $GROW, a few at a time.
grow() {
	i=0
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$GROW"
		i=$((i + 1))
		[ $((i % 3)) -ne 0 ] || sleep 0.05
	done <"$BASIC_T"
}

# Hooks that take the spool in until it is empty (each ingests for half its budget).
drain() {
	i=0
	while [ -n "$(ls "$ROOT/spool" 2>/dev/null | grep '\.event$')" ] && [ $i -lt 200 ]; do
		fill prompt "$(csid 99)" - | CLANKERS_TIMEOUT_MS=20000 "$CLANKERS" hook UserPromptSubmit >/dev/null 2>&1
		i=$((i + 1))
	done
	echo $((i))
}

# Every log line one whole JSON object.
torn() { cat "$ROOT"/clankers-*.jsonl | jq -R -r 'fromjson? | "ok"' | wc -l | tr -d ' '; }

for W in $WRITERS; do
	fresh
	RUN=$TMP/load$W
	GROW=$TMP/grow$W/$BASIC.jsonl
	mkdir -p "$RUN" "$(dirname "$GROW")"
	: >"$GROW"
	t0=$(now_ms)
	grow &
	gpid=$!
	pids=""
	w=0
	while [ $w -lt "$W" ]; do
		writer $w &
		pids="$pids $!"
		w=$((w + 1))
	done
	for p in $pids; do wait "$p"; done
	t1=$(now_ms)
	wait $gpid
	nev=$((W * EVENTS))
	cat "$RUN"/rc* >"$RUN/all"
	is "load $W: $nev invocations, every one exited 0" "$nev|0" \
		"$(wc -l <"$RUN/all" | tr -d ' ')|$(awk '$1 != 0' "$RUN/all" | wc -l | tr -d ' ')"
	is "load $W: nothing on stdout; on stderr only the spooled events' notes" "" \
		"$(cat "$RUN"/out* | head -5; cat "$RUN"/err* | grep -v ': event spooled$' | head -5)"
	spooled_now=$(ls "$ROOT/spool" 2>/dev/null | grep -c '\.event$')
	drains=$(drain)
	end_rc=0
	"$CLANKERS" session-end --session "$BASIC" --transcript "$GROW" >/dev/null 2>&1 || end_rc=$?
	total=$((nev + drains))
	is "load $W: every event stored once (hook_events, distinct invocations), the spool empty" \
		"$total|$total|0" \
		"$(q 'select count(*), count(distinct invocation) from hook_events' | tr '|' '|')|$(ls "$ROOT/spool" 2>/dev/null | grep -c '\.event$')"
	is "load $W: each tool call one row, ok: Claude and OpenCode" \
		"$(grep -c ' post ' "$RUN/all")|$(grep -c ' oc ' "$RUN/all")" \
		"$(q "select count(*) from tools where source = 'claude-code' and id like 't\_%' escape '\' and status = 'ok' and started_at is not null")|$(q "select count(*) from tools where source = 'opencode' and status = 'ok'")"
	is "load $W: the tool ids are the ones sent" \
		"$(awk '$2 == "post" { print $3 } $2 == "oc" { print "prt_" $3 }' "$RUN/all" | sort)" \
		"$(q "select id from tools where id like 't\_%' escape '\' or id like 'prt\_%' escape '\'" | sort)"
	is "load $W: the growing transcript read whole once (30 lines, no rewind, 7 messages)" "0|30|0|7" \
		"$end_rc|$(q "select lines, rewinds from transcript_files where session_id = '$BASIC'" | tr '|' '|')|$(q "select count(*) from messages where session_id = '$BASIC'")"
	lines=$(cat "$ROOT"/clankers-*.jsonl | wc -l | tr -d ' ')
	is "load $W: no log line torn" "$lines" "$(torn)"
	is "load $W: integrity_check" ok "$(q 'PRAGMA integrity_check')"
	sp=$(q 'select count(*) from hook_events where spooled = 1')
	cat "$ROOT"/clankers-*.jsonl | jq -r 'select(.component == "hook" and .duration_us) | .duration_us' | sort -n >"$RUN/lat"
	pct() { awk -v p="$1" '{ v[NR] = $1 } END { i = int((NR * p + 99) / 100); if (i < 1) i = 1; printf "%.1f", v[i] / 1000 }' "$RUN/lat"; }
	ms=$((t1 - t0))
	echo "# load: $W writers, $nev events in $ms ms: $((nev * 1000 / (ms > 0 ? ms : 1))) events/s;" \
		"hook time p50 $(pct 50) ms, p99 $(pct 99) ms, max $(tail -1 "$RUN/lat" | awk '{ printf "%.1f", $1 / 1000 }') ms;" \
		"spooled $sp ($((sp * 100 / nev))%), $spooled_now left for $drains drain hooks; 0 lost, 0 doubled"
done

# ------------------------------------------------------------------ crashes
fresh
RUN=$TMP/crash
mkdir -p "$RUN"
# kill_at MAX_MS CMD...: CMD in the background, SIGKILLed after a random
# 0..MAX_MS ms unless done; echoes its exit status (137: killed).
kill_at() {
	max=$1
	shift
	"$@" >/dev/null 2>&1 &
	p=$!
	sleep "0.$(printf %03d "$(rnd "$max")")"
	kill -9 $p 2>/dev/null
	wait $p 2>/dev/null
	echo $?
}

# Hooks: a PostToolUse each, killed at random; one that exited 0 is stored.
k=0
: >"$RUN/hooks"
while [ $k -lt "$KILLS" ]; do
	fill post "$(csid $((k % SESSIONS)))" "kill_$k" >"$RUN/k$k"
	echo "$(kill_at 40 sh -c "exec '$CLANKERS' hook PostToolUse <'$RUN/k$k'") kill_$k" >>"$RUN/hooks"
	k=$((k + 1))
done
drain >/dev/null
killed=$(awk '$1 == 137' "$RUN/hooks" | wc -l | tr -d ' ')
is "crash: hooks that exited 0 are each stored once" \
	"$(awk '$1 == 0 { print $2 }' "$RUN/hooks" | sort)" \
	"$(awk '$1 == 0 { print $2 }' "$RUN/hooks" | while read -r id; do
		[ "$(q "select count(*) from hook_events where tool_use_id = '$id'")" = 1 ] &&
		[ "$(q "select count(*) from tools where id = '$id'")" = 1 ] && echo "$id"; done | sort)"
is "crash: a killed hook is stored once or not at all, never twice" 0 \
	"$(q "select count(*) from (select tool_use_id from hook_events where tool_use_id like 'kill_%' group by 1 having count(*) > 1)")"
is "crash: every exit status 0 or 137 (killed)" 0 "$(awk '$1 != 0 && $1 != 137' "$RUN/hooks" | wc -l | tr -d ' ')"

# The spool's ingest: events spooled while a writer holds the lock, then
# hooks that ingest them killed at random.
hold_db "BEGIN IMMEDIATE;"
k=0
: >"$RUN/spooled"
while [ $k -lt "$KILLS" ]; do
	fill post "$(csid 1)" "spool_$k" >"$RUN/s$k"
	CLANKERS_TIMEOUT_MS=50 "$CLANKERS" hook PostToolUse <"$RUN/s$k" >/dev/null 2>&1
	echo "$? spool_$k" >>"$RUN/spooled"
	k=$((k + 1))
done
printf 'ROLLBACK;\n' >&3
release_db
nspool=$(ls "$ROOT/spool" 2>/dev/null | grep -c '\.event$')
ok "crash: events spooled behind a held lock ($nspool of $KILLS)" [ "$nspool" -gt 0 ]
k=0
ing_killed=0
while [ $k -lt "$KILLS" ] && [ -n "$(ls "$ROOT/spool" 2>/dev/null | grep '\.event$')" ]; do
	rc=$(fill prompt "$(csid 2)" - >"$RUN/ing"; kill_at 60 sh -c "exec '$CLANKERS' hook UserPromptSubmit <'$RUN/ing'")
	[ "$rc" != 137 ] || ing_killed=$((ing_killed + 1))
	k=$((k + 1))
done
# A claim left by a killed ingest is taken back after a minute: age them.
find "$ROOT/spool" -name '*.claim-*' -exec touch -d '2 minutes ago' {} + 2>/dev/null
drain >/dev/null
is "crash: every hook behind the lock exited 0 (spooled, or stored)" 0 "$(awk '$1 != 0' "$RUN/spooled" | wc -l | tr -d ' ')"
is "crash: every event stored exactly once after $ing_killed killed ingests" "$KILLS|0" \
	"$(q "select count(distinct tool_use_id) from hook_events where tool_use_id like 'spool_%'")|$(q "select count(*) from (select tool_use_id from hook_events where tool_use_id like 'spool_%' group by 1 having count(*) > 1)")"

# session-end on a large transcript, killed at random; the next run goes on.
fresh
REF=$TMP/ref.db
"$CLANKERS" --db "$REF" session-end --transcript "$BIG_T" >/dev/null 2>&1
ref=$(sqlite3 "$REF" 'select count(*), sum(output_tokens) from messages; select count(*) from tools')
k=0 se_killed=0
while [ $k -lt "$KILLS" ]; do
	full=
	[ $((k % 2)) -eq 0 ] || full=--full  # half go on from the last read, half read it all
	rc=$(kill_at 300 "$CLANKERS" session-end $full --transcript "$BIG_T")
	[ "$rc" != 137 ] || se_killed=$((se_killed + 1))
	k=$((k + 1))
done
run session-end --transcript "$BIG_T"
is "crash: session-end killed $se_killed times, then once whole: the same rows as one clean read" \
	"0|$ref" "$RC|$(q 'select count(*), sum(output_tokens) from messages; select count(*) from tools')"
is "crash: ... the file read to its end" "$(wc -c <"$BIG_T" | tr -d ' ')" "$(q "select offset from transcript_files where path like '%/4d5611e5-241a-462a-8d15-5122611a9569.jsonl'")"
is "crash: integrity_check after the kills" ok "$(q 'PRAGMA integrity_check')"

# import opencode, killed at random; the next run finishes it.
ODB=$TMP/opencode.db
sqlite3 "$ODB" <"$FIX/opencode/opencode-db.sql"
OPENCODE_DB=$ODB "$CLANKERS" --db "$REF.oc" import opencode >/dev/null 2>&1
refo=$(sqlite3 "$REF.oc" "select count(*) from sessions where source = 'opencode'; select count(*) from messages where source = 'opencode'; select count(*) from tools where source = 'opencode'")
k=0 im_killed=0
while [ $k -lt "$KILLS" ]; do
	rc=$(OPENCODE_DB=$ODB kill_at 30 "$CLANKERS" import opencode)
	[ "$rc" != 137 ] || im_killed=$((im_killed + 1))
	k=$((k + 1))
done
OPENCODE_DB=$ODB run import opencode
is "crash: import killed $im_killed times, then once whole: the same rows as one clean import" \
	"0|$refo" "$RC|$(q "select count(*) from sessions where source = 'opencode'; select count(*) from messages where source = 'opencode'; select count(*) from tools where source = 'opencode'")"
is "crash: integrity_check at the end" ok "$(q 'PRAGMA integrity_check')"
echo "# crash: $KILLS hooks ($killed killed), $nspool spooled events behind a lock ($ing_killed ingests killed)," \
	"$KILLS session-end of 3.2 MB, half --full ($se_killed killed), $KILLS imports ($im_killed killed): 0 lost, 0 doubled, integrity ok"

finish
