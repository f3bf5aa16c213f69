#!/bin/sh
# test/t-hostile-transcript.sh: transcripts that fight back (issue 18:
# nothing lost, nothing leaked, nothing hangs). A transcript that grows
# past CHUNK_BYTES while session-end reads it; a line of gigabytes under a
# Stop hook's budget; symbolic links under a session's subagents/ folder.
. "$(dirname "$0")/lib.sh"

SPOT_DIR=$FIX/transcripts/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov
SPOT=4d5611e5-241a-462a-8d15-5122611a9569
SUB_DIR=$FIX/transcripts/e2e/subagent
SUB=f87458f2-5bf3-406a-add9-e71fd29f2481
STOP_JSON=$FIX/e2e/basic/1795537984455960558-Stop.json

fstate() { q "SELECT $2 FROM transcript_files WHERE path = '$1'" | tr '|' ' '; }
lastlog() { log_lines | tail -n 1 | jq -r "$1"; }
ms() { date +%s%3N; }

# copy I SOURCE: SOURCE with its ids made unique to copy I, as bench.sh's gen().
copy() {
	sed -e "s/\"msg_/\"msg_${1}x/g; s/\"req_/\"req_${1}x/g; s/\"toolu_/\"toolu_${1}x/g" \
	    -e "s/\"uuid\":\"/\"uuid\":\"${1}x/g; s/Uuid\":\"/Uuid\":\"${1}x/g" "$2"
}

# The messages and tools rows and the session's totals.
stored() {
	q "SELECT * FROM messages ORDER BY id; SELECT * FROM tools ORDER BY id;
	    SELECT input_tokens, output_tokens, cache_creation_input_tokens,
	    cache_read_input_tokens, message_count, tool_call_count, responses
	    FROM sessions ORDER BY id"
}

# ======================================================================
# 1. A transcript that grows past CHUNK_BYTES (8 MiB) while it is read:
# 1 MB pieces appended after session-end opened it. It was compared with
# its size at open, seemed to shrink after each turn and was read again
# forever.
if [ -n "$WRAPPER" ]; then
	echo "# valgrind: the growing 16 MB transcript (section 1) skipped"
else
	W=$TMP/grow
	mkdir -p "$W/parts"
	for i in 1 2 3 4 5; do copy $i "$SPOT_DIR/$SPOT.jsonl"; done >"$W/all.jsonl"
	head -n 50 "$W/all.jsonl" >"$W/head.jsonl"
	tail -n +51 "$W/all.jsonl" | (cd "$W/parts" && split -C 1000000 - p)
	# The rows one read of the whole file gives.
	fresh
	cp "$W/all.jsonl" "$W/$SPOT.jsonl"
	run session-end --transcript "$W/$SPOT.jsonl"
	stored >"$W/want"
	rm "$W/$SPOT.jsonl"

	# The head read first; then session-end opens the file and waits for
	# the write lock while the rest is appended: its first turn reads 8 MiB
	# of a file that was 50 lines long when it was opened.
	fresh
	P=$W/g/$SPOT.jsonl
	mkdir -p "$W/g"
	cp "$W/head.jsonl" "$P"
	run session-end --transcript "$P"
	hold_db "BEGIN IMMEDIATE;"
	t0=$(ms)
	"$CLANKERS" session-end --transcript "$P" >"$TMP/out" 2>"$TMP/err" 3>&- &
	reader=$!
	i=0
	while [ $i -lt 500 ] && ! ls -l /proc/$reader/fd 2>/dev/null | grep -q "$SPOT.jsonl"; do
		sleep 0.01
		i=$((i + 1))
	done
	for f in "$W"/parts/p*; do cat "$f" >>"$P"; sleep 0.01; done
	release_db
	i=0
	while kill -0 $reader 2>/dev/null && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
	kill $reader 2>/dev/null && echo "# session-end still running after 20 s: killed"
	wait $reader
	RC=$?
	t1=$(ms)
	is "growing transcript: session-end exits 0 within 20 s" "0 1" \
	    "$RC $([ $((t1 - t0)) -lt 20000 ] && echo 1 || echo $((t1 - t0)) ms)"
	run session-end --transcript "$P"
	is "growing transcript: read once, no rewind; then what is left" "0 0 $(wc -l <"$P" | tr -d ' ')" \
	    "$RC $(fstate "$P" 'rewinds, lines')"
	stored >"$W/got"
	ok "growing transcript: every response stored once, as one read of the file" \
	    cmp -s "$W/want" "$W/got"
	rm -rf "$W"
fi

# ======================================================================
# 2. A line of gigabytes with no newline (a sparse file): a Stop hook
# stops looking for its end at the deadline, not holding the write lock
# while it looks; the next read goes on.
if [ -n "$WRAPPER" ]; then
	echo "# valgrind: the 4 GB line (section 2) skipped"
else
	W=$TMP/long
	mkdir -p "$W"
	P=$W/$SPOT.jsonl
	truncate -s 4G "$P"
	jq -c --arg p "$P" --arg s "$SPOT" '.transcript_path = $p | .session_id = $s' \
	    "$STOP_JSON" >"$W/stop.json"
	fresh
	t0=$(ms)
	CLANKERS_TIMEOUT_MS=1000 "$CLANKERS" hook Stop <"$W/stop.json" >"$TMP/out" 2>"$TMP/err" &
	hooker=$!
	# Half-way through the scan, another writer gets the lock at once.
	sleep 0.5
	lock=$(sqlite3 "$DB" ".timeout 100" "BEGIN IMMEDIATE; COMMIT; SELECT 'free';" 2>&1)
	wait $hooker
	RC=$?
	t1=$(ms)
	is "4 GB line, Stop hook with 1 s: exits 0 within 3 s, deferred" "0 1 true" \
	    "$RC $([ $((t1 - t0)) -lt 3000 ] && echo 1 || echo $((t1 - t0)) ms) $(lastlog .transcript.deferred)"
	is "4 GB line: the write lock is free while its newline is looked for" free "$lock"
	rm -f "$P"

	# A 200 MB line, then lines: session-end skips it, counted bad, and reads on.
	truncate -s 200M "$P"
	printf '\n' >>"$P"
	cat "$SUB_DIR/$SUB.jsonl" >>"$P"
	fresh
	run session-end --transcript "$P"
	is "200 MB line then lines: exit 0, one bad line, the lines after it read" \
	    "0 1 $(($(wc -l <"$SUB_DIR/$SUB.jsonl") + 1))" \
	    "$RC $(fstate "$P" 'bad_lines, lines')"
	is "200 MB line then lines: their responses stored" \
	    "$(jq -r 'select(.type == "assistant") | .message.id' "$SUB_DIR/$SUB.jsonl" | sort -u | wc -l | tr -d ' ')" \
	    "$(q "SELECT count(*) FROM messages WHERE role = 'assistant'")"
	rm -rf "$W"
fi

# ======================================================================
# 3. Symbolic links under <session>/subagents/: a link to another
# session's folder, to /, and to another session's subagent file are not
# followed; a real folder below subagents/ (workflows/<wf>/) still is.
W=$TMP/links
mkdir -p "$W/a" "$W/b"
cp "$SUB_DIR/$SUB.jsonl" "$W/a/"
cp -R "$SUB_DIR/$SUB" "$W/a/"
cp "$SPOT_DIR/$SPOT.jsonl" "$W/b/"
cp -R "$SPOT_DIR/$SPOT" "$W/b/"
S=$W/a/$SUB/subagents
mkdir -p "$S/workflows/wf1"
copy 9 "$S/agent-a028d5ed5645e65ec.jsonl" >"$S/workflows/wf1/agent-w1.jsonl"
fresh
run session-end --transcript "$W/a/$SUB.jsonl"
stored >"$W/want"
want_files=$(q "SELECT count(*) FROM transcript_files")

ln -s "$W/b/$SPOT" "$S/other-session"
ln -s "$W/b/$SPOT/subagents" "$S/other-subagents"
ln -s / "$S/root"
ln -s "$W/b/$SPOT/subagents/agent-a2898e3.jsonl" "$S/agent-linked.jsonl"
fresh
run session-end --transcript "$W/a/$SUB.jsonl"
is "links under subagents/: exit 0, the same files read (main, agent, workflows/wf1)" "0 3 3" \
    "$RC $want_files $(q "SELECT count(*) FROM transcript_files")"
is "links under subagents/: no file read outside the session's folder" 0 \
    "$(q "SELECT count(*) FROM transcript_files WHERE path NOT LIKE '$W/a/%'")"
stored >"$W/got"
ok "links under subagents/: the same rows as without them" cmp -s "$W/want" "$W/got"

# subagents/ itself a link to another session's subagents/.
rm -rf "$S"
ln -s "$W/b/$SPOT/subagents" "$S"
fresh
run session-end --transcript "$W/a/$SUB.jsonl"
is "subagents/ a link: exit 0, only the main file read" "0 1" \
    "$RC $(q "SELECT count(*) FROM transcript_files")"

finish
