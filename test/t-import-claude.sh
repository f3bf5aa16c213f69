#!/bin/sh
# test/t-import-claude.sh: `clankers import claude` over a Claude Code
# folder tree built from the fixtures: four projects, subagent files, a
# subagent folder whose session file is gone, a session the hooks recorded
# in part, and a bad file of each kind. Each session ends with exactly the
# rows `session-end` (the hooks' reader) makes of its file, and the totals
# with ccusage's over the same tree; a second import reads nothing and
# changes nothing; an import killed part way (SIGKILL) or stopped (SIGINT)
# and run again ends with the rows of one uninterrupted import, and so
# does an import while hooks read the same session. Also the
# default folders, --since, --dry-run, --json and bad command lines.
. "$(dirname "$0")/lib.sh"
unset CLANKERS_PRICES CLAUDE_CONFIG_DIR

GOLD=$FIX/golden
TR=$FIX/transcripts
BASIC=a125bd5f-b2e1-42db-87ce-1ce0974290de
BASIC_DIR=$TR/e2e/basic
SPOT=4d5611e5-241a-462a-8d15-5122611a9569
ORPHAN=601de000-00ff-4000-8000-000000000000

# The tree: $1/projects/<project>/..., as Claude Code lays it out.
tree() {
	P=$1/projects
	mkdir -p "$P/-home-u-alpha" "$P/-home-u-beta" "$P/-home-u-demo" "$P/-home-u-basic" \
	    "$P/-home-u-bad"
	for c in a-stream c-cache-1h f-two-models i-fast; do
		cp "$GOLD/$c"/*.jsonl "$P/-home-u-alpha/"
	done
	cp -R "$GOLD/b-subagent/." "$GOLD/e-btw/." "$P/-home-u-beta/"
	cp -R "$TR/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov/." \
	    "$P/-home-u-beta/"
	cp "$TR"/claude-code-viewer-1.0.98/*.jsonl "$P/-home-u-demo/"
	cp "$BASIC_DIR/$BASIC.jsonl" "$P/-home-u-basic/"
	# A subagent folder whose session file is gone (new ids: ids are global).
	mkdir -p "$P/-home-u-beta/$ORPHAN/subagents"
	sed "s/GoldenB/GoldenO/g; s/000b000\([0-9]\)-a9e0/00ff000\1-a9e0/g; s/601de000-000b-4000-8000-000000000000/$ORPHAN/g" \
	    "$GOLD/b-subagent/601de000-000b-4000-8000-000000000000/subagents/agent-a7f3c21.jsonl" \
	    >"$P/-home-u-beta/$ORPHAN/subagents/agent-a7f3c21.jsonl"
	bad "$P/-home-u-bad"
}

# One assistant line of session $1 with response id $2 and text $3.
line() {
	printf '{"type":"assistant","sessionId":"%s","uuid":"%s-u","timestamp":"2026-11-20T10:00:00.000Z","requestId":"req_%s","cwd":"/home/u/bad","message":{"id":"msg_%s","model":"claude-sonnet-4-5-20250929","role":"assistant","content":[{"type":"text","text":"%s"}],"usage":{"input_tokens":10,"output_tokens":20,"cache_creation_input_tokens":30,"cache_read_input_tokens":40}}}\n' \
	    "$1" "$2" "$2" "$2" "$3"
}

# The bad files, each of its kind, in folder $1.
BROKEN=601de000-0b00-4000-8000-000000000001
UTF8=601de000-0b00-4000-8000-000000000002
HUGE=601de000-0b00-4000-8000-000000000003
bad() {
	mkdir "$1/dir.jsonl"
	mkfifo "$1/fifo.jsonl"
	: >"$1/empty.jsonl"
	{ line $BROKEN bad1 "fine"; echo 'not json at all'; printf '{"type":"assistant","message":{\n'
	  line $BROKEN bad2 "also fine"; } >"$1/$BROKEN.jsonl"
	{ line $UTF8 utf1 "caf"; } | sed 's/"caf"/"caf\xe9 \xff\xfe"/' >"$1/$UTF8.jsonl"
	if [ -z "$WRAPPER" ]; then
		# A line longer than the reader's 64 MiB between two good ones.
		{ line $HUGE huge1 "before"
		  printf '{"type":"user","message":{"content":"'
		  head -c 67108864 /dev/zero | tr '\0' 'x'
		  printf '"}}\n'
		  line $HUGE huge2 "after"; } >"$1/$HUGE.jsonl"
	fi
	if [ "$(id -u)" -ne 0 ]; then
		line 601de000-0b00-4000-8000-000000000004 noread "x" >"$1/601de000-0b00-4000-8000-000000000004.jsonl"
		chmod 000 "$1/601de000-0b00-4000-8000-000000000004.jsonl"
	fi
}

# Every row of the shared tables and the reader's state, times of reading
# left out: what a second import must leave as it is.
dump() {
	q "SELECT * FROM sessions ORDER BY id; SELECT * FROM messages ORDER BY id;
	   SELECT * FROM tools ORDER BY id; SELECT * FROM session_errors ORDER BY id;
	   SELECT path, session_id, agent_id, dev, ino, size, offset, lines, bad_lines
	   FROM transcript_files ORDER BY path"
}
# The rows without receipt times and bookkeeping: import against session-end.
shared() {
	q "SELECT id, title, project_path, model, input_tokens, output_tokens,
	     cache_creation_input_tokens, cache_read_input_tokens, cost_usd,
	     message_count, tool_call_count, responses, client_version, bad_lines
	   FROM sessions ORDER BY id;
	   SELECT id, session_id, role, text_content, model, input_tokens, output_tokens,
	     cache_creation_input_tokens, cache_read_input_tokens, cost_usd, is_sidechain,
	     created_at, completed_at, duration_ms, stop_reason
	   FROM messages ORDER BY id;
	   SELECT id, session_id, message_id, tool_name, tool_input, tool_output, file_path,
	     status, success, error_message, started_at, ended_at
	   FROM tools ORDER BY id"
}
totals() {
	q "SELECT count(*), sum(message_count), sum(tool_call_count), sum(input_tokens),
	     sum(output_tokens), sum(cache_creation_input_tokens),
	     sum(cache_read_input_tokens), printf('%.6f', sum(cost_usd)) FROM sessions"
}
js() { jq -r "$1" "$OUT"; }

NSESS=14   # 4 alpha + 3 beta + 2 demo + basic + the orphan + broken, utf8, huge
[ -z "$WRAPPER" ] || NSESS=13

# ======================================================================
# 1. The reference: each session read by session-end, the hooks' reader.
fresh
REF=$TMP/ref
tree "$REF"
for f in $(find "$REF/projects" -name '*.jsonl' -type f ! -path '*/subagents/*' | sort); do
	$WRAPPER "$CLANKERS" session-end --transcript "$f" >/dev/null 2>&1
done
$WRAPPER "$CLANKERS" session-end --session $ORPHAN \
    --transcript "$REF/projects/-home-u-beta/$ORPHAN/subagents/agent-a7f3c21.jsonl" >/dev/null 2>&1
shared >"$TMP/ref.rows"
totals >"$TMP/ref.totals"
is "reference: session-end made the $NSESS sessions" "$NSESS" "$(q 'SELECT count(*) FROM sessions')"

# ======================================================================
# 2. The import: the hooks recorded part of one session first.
fresh
C=$TMP/home1/.claude
mkdir -p "$TMP/home1"
tree "$C"
HB=$C/projects/-home-u-basic/$BASIC.jsonl
head -c "$(wc -c <"$BASIC_DIR"/at-hook/1795537984455960558-Stop.jsonl)" "$BASIC_DIR/$BASIC.jsonl" >"$HB.part"
cat "$HB.part" >"$HB"   # same inode: Claude Code appends
rm "$HB.part"
jq -c --arg p "$HB" '.transcript_path = $p' "$FIX/e2e/basic/1795537984455960558-Stop.json" \
    >"$TMP/stop.json"
hook Stop "$TMP/stop.json"
is "the hooks recorded the session as it was at Stop" "0|1" \
    "$RC|$(q "SELECT count(*) FROM transcript_files WHERE path = '$HB'")"
tail -c +"$(($(wc -c <"$HB") + 1))" "$BASIC_DIR/$BASIC.jsonl" >>"$HB"

HOME=$TMP/home1 run import claude --json
is "import: exit 0, nothing on stderr" "0|" "$RC|$(cat "$ERR")"
is "import: sessions new, updated (the hooks' one), unchanged" "$NSESS $((NSESS - 1)) 1 0" \
    "$(js '"\(.sessions) \(.new) \(.updated) \(.unchanged)"')"
NREAD=$((NSESS + 4))   # the main files, 4 subagent files (the orphan is its own main)
is "import: every file read" "$NREAD $NREAD" "$(js '"\(.files) \(.files_read)"')"
shared >"$TMP/imp.rows"
ok "import: every session's rows are the ones session-end makes of its file" \
    cmp -s "$TMP/ref.rows" "$TMP/imp.rows"
[ -s "$TMP/imp.rows" ] || fail "import: no rows at all"
if ! cmp -s "$TMP/ref.rows" "$TMP/imp.rows"; then
	diff "$TMP/ref.rows" "$TMP/imp.rows" | head -n 10 | sed 's/^/#   /'
fi
is "import: totals equal session-end's" "$(cat "$TMP/ref.totals")" "$(totals)"
is "import: the totals, as the fixtures' figures add up" \
    "$(cat "$TMP/ref.totals")" \
    "$(js '"\(.sessions)|\(.messages)|\(.tool_calls)|\(.input_tokens)|\(.output_tokens)|\(.cache_write_tokens)|\(.cache_read_tokens)"')|$(js '.cost_usd | . * 1000000 | round / 1000000 | tostring' | awk '{ printf "%.6f", $1 }')"
is "import: the session the hooks began holds the whole file now" \
    "$(wc -c <"$HB" | tr -d ' ')|$(wc -l <"$HB" | tr -d ' ')" \
    "$(q "SELECT offset, lines FROM transcript_files WHERE path = '$HB'")"
is "import: the subagent folder without its session file: its own session" \
    "3|1" "$(q "SELECT message_count, tool_call_count FROM sessions WHERE id = '$ORPHAN'")"
is "import: the subagent files read under their sessions, with their agent" \
    "601de000-000b-4000-8000-000000000000|a7f3c21" \
    "$(q "SELECT session_id, agent_id FROM transcript_files WHERE path LIKE '%-home-u-beta/601de000-000b%/agent-a7f3c21.jsonl'")"

# The bad files: each named with its reason; the rest of the tree read.
B=$C/projects/-home-u-bad
expect_bad="$B/$BROKEN.jsonl|2 lines could not be read (not JSON, or longer than 64 MiB): skipped
$B/dir.jsonl|a folder, not a transcript
$B/empty.jsonl|empty
$B/fifo.jsonl|a FIFO, not a transcript"
if [ -z "$WRAPPER" ]; then
	expect_bad="$B/$HUGE.jsonl|1 line could not be read (not JSON, or longer than 64 MiB): skipped
$expect_bad"
fi
if [ "$(id -u)" -ne 0 ]; then
	expect_bad="$B/601de000-0b00-4000-8000-000000000004.jsonl|Permission denied
$expect_bad"
else
	echo "# skip: an unreadable file: root reads a file of mode 000"
fi
is "import: each bad file named with why" "$(echo "$expect_bad" | sort)" \
    "$(js '.not_read[] | "\(.path)|\(.reason)"' | sort)"
is "import: a file with broken lines: its good lines kept, the bad ones counted" "2|2" \
    "$(q "SELECT message_count, bad_lines FROM sessions WHERE id = '$BROKEN'")"
is "import: invalid UTF-8 in a string: the line kept, the bytes replaced" \
    "$(printf 'caf\357\277\275 \357\277\275\357\277\275')" \
    "$(q "SELECT text_content FROM messages WHERE id = 'msg_utf1'")"
if [ -z "$WRAPPER" ]; then
	is "import: a line longer than 64 MiB skipped, the lines around it kept" "2|1" \
	    "$(q "SELECT message_count, bad_lines FROM sessions WHERE id = '$HUGE'")"
else
	echo "# skip: the 64 MiB line under valgrind (slow)"
fi
is "import: one log line, with the counts" "info|$NSESS" \
    "$(log_lines | jq -r 'select(.component == "import" and .level != "warn") | "\(.level)|\(.sessions)"' | tail -n 1)"

# ======================================================================
# 3. A second import: nothing read, nothing changed.
dump >"$TMP/first.dump"
HOME=$TMP/home1 run import claude --json
is "second import: exit 0, all unchanged, no file read" "0 $NSESS 0 0 $NSESS 0" \
    "$RC $(js '"\(.sessions) \(.new) \(.updated) \(.unchanged) \(.files_read)"')"
dump >"$TMP/second.dump"
ok "second import: every row as it was" cmp -s "$TMP/first.dump" "$TMP/second.dump"
HOME=$TMP/home1 run import claude
is "off a terminal: one summary line" "1" "$(wc -l <"$OUT" | tr -d ' ')"
case $(cat "$OUT") in
"claude: $NSESS sessions (0 new, 0 updated, $NSESS unchanged), "*"; $NREAD files, 0 read (0.0 MB); "*" not read in full")
	pass "off a terminal: the summary says sessions, files and what was not read" ;;
*)	fail "off a terminal: the summary says sessions, files and what was not read"
	sed 's/^/#   /' "$OUT" ;;
esac

# The file grows (a partial line, then its end): only the new line is read.
printf '%s' "$(line 601de000-0b00-4000-8000-000000000002 utf2 "more")" >>"$B/$UTF8.jsonl"
HOME=$TMP/home1 run import claude --json
is "a partial last line: not read yet, the session unchanged" "0 $NSESS 0" \
    "$(js '"\(.updated) \(.unchanged)"') $(q "SELECT count(*) FROM messages WHERE id = 'msg_utf2'")"
echo >>"$B/$UTF8.jsonl"
HOME=$TMP/home1 run import claude --json
is "its newline: the session updated, one file read" "1 1 1" \
    "$(js '"\(.updated) \(.files_read)"') $(q "SELECT count(*) FROM messages WHERE id = 'msg_utf2'")"
# Shrunk (rewritten shorter): read again from the start, nothing doubled.
line $BROKEN bad1 "fine" >"$TMP/short" && cat "$TMP/short" >"$B/$BROKEN.jsonl"
HOME=$TMP/home1 run import claude --json
is "a file rewritten shorter: read again, its rows not doubled" "1 1|1" \
    "$(js '"\(.updated) \(.files_read)"')|$(q "SELECT count(*) FROM messages WHERE id = 'msg_bad1'")"

# On a terminal: progress on stderr, and each file not read named.
if command -v script >/dev/null 2>&1 && [ -z "$WRAPPER" ]; then
	fresh
	script -qec "'$CLANKERS' import claude '$C'" "$TMP/tty.log" >/dev/null 2>&1
	tr '\r' '\n' <"$TMP/tty.log" | tr -d '\033' >"$TMP/tty.txt"
	is "on a terminal: the progress line, sessions, files, MB, time spent and left" "1" \
	    "$(grep '^clankers: import:' "$TMP/tty.txt" | tail -n 1 |
		grep -c "^clankers: import: $NSESS of $NSESS sessions, $NREAD files, [0-9]* of [0-9]* MB, 0:[0-9][0-9] spent, - left")"
	is "on a terminal: the files not read in full, one a line" "  $B/empty.jsonl: empty" \
	    "$(grep '^  .*empty.jsonl' "$TMP/tty.txt")"
else
	echo "# skip: the terminal output: no script(1), or under valgrind"
fi

# The hooks and an import on the same sessions at the same moment.
if [ -z "$WRAPPER" ]; then
	fresh
	C3=$TMP/home3/.claude
	mkdir -p "$TMP/home3"
	tree "$C3"
	HB3=$C3/projects/-home-u-basic/$BASIC.jsonl
	jq -c --arg p "$HB3" '.transcript_path = $p' "$FIX/e2e/basic/1795537984455960558-Stop.json" \
	    >"$TMP/stop3.json"
	(
		i=0
		while [ $i -lt 20 ]; do
			"$CLANKERS" hook Stop <"$TMP/stop3.json" >/dev/null 2>&1 || echo "hook $i: exit $?"
			i=$((i + 1))
		done
	) >"$TMP/hooks3.out" &
	hp=$!
	HOME=$TMP/home3 run import claude --json
	wait $hp
	shared >"$TMP/conc.rows"
	is "hooks during the import: every hook and the import exit 0" "0|" "$RC|$(cat "$TMP/hooks3.out")"
	ok "hooks during the import: the rows of the import alone, nothing doubled" \
	    cmp -s "$TMP/ref.rows" "$TMP/conc.rows"
else
	echo "# skip: hooks during an import under valgrind (timing)"
fi

# ======================================================================
# 4. ccusage over the same tree: the same totals.
if ! CCUSAGE=$(sh "$TOP/test/ccusage.sh" 2>"$TMP/ccusage.err"); then
	echo "# skip: ccusage not available: $(tr '\n' ' ' <"$TMP/ccusage.err" | sed 's/ *$//')"
elif [ -n "$WRAPPER" ]; then
	echo "# skip: ccusage against the tree under valgrind (the 64 MiB file is left out)"
else
	fresh
	C2=$TMP/home2/.claude
	mkdir -p "$TMP/home2"
	tree "$C2"
	HOME=$TMP/home2 run import claude --json
	mkdir -p "$TMP/cchome"
	HOME=$TMP/cchome XDG_CONFIG_HOME=$TMP/cchome/.config CLAUDE_CONFIG_DIR=$C2 \
	    "$CCUSAGE" daily --offline --json >"$TMP/cc.json" 2>"$TMP/cc.err"
	# Known difference: ccusage drops a line with invalid UTF-8 (msg_utf1);
	# clankers keeps it, the bytes replaced. The rest is equal.
	is "ccusage: the same input, output, cache write and cache read tokens, but the invalid UTF-8 line's" \
	    "$(jq -r '.totals | "\(.inputTokens)|\(.outputTokens)|\(.cacheCreationTokens)|\(.cacheReadTokens)"' "$TMP/cc.json")" \
	    "$(q "SELECT sum(input_tokens) - 10, sum(output_tokens) - 20,
	        sum(cache_creation_input_tokens) - 30, sum(cache_read_input_tokens) - 40 FROM sessions")"
	is "ccusage: the line it drops is that response, 10 20 30 40 tokens" "10|20|30|40" \
	    "$(q "SELECT input_tokens, output_tokens, cache_creation_input_tokens,
	        cache_read_input_tokens FROM messages WHERE id = 'msg_utf1'")"
	is "ccusage: the same cost, but that line's (to a millionth of a dollar)" \
	    "$(jq -r '.totals.totalCost' "$TMP/cc.json" | awk '{ printf "%.6f", $1 }')" \
	    "$(q "SELECT printf('%.6f', sum(cost_usd) - (SELECT cost_usd FROM messages
	        WHERE id = 'msg_utf1')) FROM sessions")"
fi

# ======================================================================
# 5. Killed part way (SIGKILL), then run again: the rows of one import.
# Stopped by Ctrl-C (SIGINT): exit 1, says so; run again: the same.
many() {  # $1: a tree of 40 copies of the largest session, every id its own
	mkdir -p "$1/projects/-home-u-many"
	k=0
	while [ $k -lt 40 ]; do
		k=$((k + 1))
		sed "s/\"msg_/\"msg_k${k}x/g; s/\"toolu_/\"toolu_k${k}x/g; s/\"tool_use_id\":\"toolu_/&k${k}x/g; s/\"uuid\":\"/&k${k}x/g" \
		    "$TR/claude-code-viewer-1.0.98/fe5e1c67-53e7-4862-81ae-d0e013e3270b.jsonl" \
		    >"$1/projects/-home-u-many/$(printf '601de000-%04d-4000-8000-000000000000' $k).jsonl"
	done
}
if [ -n "$WRAPPER" ]; then
	echo "# skip: the interrupted imports under valgrind (timing)"
else
	fresh
	M=$TMP/many
	many "$M"
	run import claude "$M" --json
	is "uninterrupted: the 40 sessions" "0 40" "$RC $(js .new)"
	dump | grep -v '^/' >"$TMP/whole.dump"
	shared >"$TMP/whole.rows"

	fresh
	"$CLANKERS" import claude "$M" >/dev/null 2>&1 &
	pid=$!
	i=0
	while [ "$(q 'SELECT count(*) FROM sessions' 2>/dev/null || echo 0)" -lt 3 ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	got=$(q 'SELECT count(*) FROM sessions')
	if [ "$got" -lt 40 ]; then
		echo "# killed after $got of 40 sessions"
	else
		echo "# the import ended before the kill: the rerun below still must change nothing"
	fi
	run import claude "$M" --json
	is "after SIGKILL: run again, exit 0, the rest read" "0 40" "$RC $(js .sessions)"
	shared >"$TMP/killed.rows"
	ok "after SIGKILL and a rerun: the rows of one uninterrupted import" \
	    cmp -s "$TMP/whole.rows" "$TMP/killed.rows"

	fresh
	"$CLANKERS" import claude "$M" >"$TMP/int.out" 2>&1 &
	pid=$!
	i=0
	while [ "$(q 'SELECT count(*) FROM sessions' 2>/dev/null || echo 0)" -lt 3 ] && [ $i -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	kill -INT $pid 2>/dev/null
	wait $pid
	rc=$?
	got=$(q 'SELECT count(*) FROM sessions')
	if [ "$got" -lt 40 ]; then
		is "SIGINT: exit 1, the summary says interrupted" "1 1" \
		    "$rc $(grep -c 'interrupted: run it again to go on' "$TMP/int.out")"
	else
		echo "# the import ended before SIGINT: exit $rc"
	fi
	run import claude "$M" --json
	shared >"$TMP/int.rows"
	ok "after SIGINT and a rerun: the rows of one uninterrupted import" \
	    cmp -s "$TMP/whole.rows" "$TMP/int.rows"
fi

# ======================================================================
# 6. Where it looks, --since, --dry-run, bad command lines.
fresh
mkdir -p "$HOME/.claude/projects/p" "$HOME/.config/claude/projects/q" "$TMP/cfg/projects/r"
cp "$GOLD/a-stream"/*.jsonl "$HOME/.claude/projects/p/"
cp "$GOLD/c-cache-1h"/*.jsonl "$HOME/.config/claude/projects/q/"
cp "$GOLD/f-two-models"/*.jsonl "$TMP/cfg/projects/r/"
ln -s "$HOME/.claude" "$TMP/cfg2"
CLAUDE_CONFIG_DIR="$TMP/cfg,$TMP/cfg2" run import claude --dry-run --json
is "--dry-run: the three folders (a folder named twice read once), nothing kept" \
    "0 3 3 0 0" "$RC $(js '"\(.sessions) \(.new) \(.updated)"') $(q 'SELECT count(*) FROM sessions')"
run doctor
is "doctor: the transcripts on disk not in the database" \
    "note  transcripts: 2 of 2 sessions on disk not in the database, 0 in part (0.0 MB to read); Claude Code deletes them after 30 days
      fix: clankers import claude" \
    "$(grep -A1 'transcripts:' "$OUT")"
touch -d 2020-01-01 "$HOME/.config/claude/projects/q"/*.jsonl
CLAUDE_CONFIG_DIR="$TMP/cfg" run import claude --since 2021-01-01 --json
is "--since: an older session left out, and counted" "0 2 1" "$RC $(js '"\(.new) \(.older)"')"
run doctor
is "doctor: after the import, the one left out" \
    "note  transcripts: 1 of 2 sessions on disk not in the database, 0 in part (0.0 MB to read); Claude Code deletes them after 30 days" \
    "$(grep 'transcripts:' "$OUT")"
run import claude
run doctor
is "doctor: after a whole import" \
    "ok    transcripts: all 2 sessions on disk (2 files) are in the database" \
    "$(grep 'transcripts:' "$OUT")"
run install claude
is "install claude: offers the import, transcripts being on disk" "0 1" \
    "$RC $(grep -c 'to keep them: clankers import claude$' "$OUT")"
run import claude "$GOLD/i-fast/601de000-0001-4000-8000-000000000000.jsonl" --json
is "a file given: that session" "0 1" "$RC $(js .new)"
run import claude "$TMP/nonesuch"
is "a folder that does not exist: exit 1, says so, nothing read" \
    "1|clankers: import claude: cannot open '$TMP/nonesuch': No such file or directory" \
    "$RC|$(cat "$ERR")"
run import claude --since yesterdayish
is "--since that is no time: 64" "64" "$RC"
run import claude --db x.db
is "--db is opencode's: 64" "64" "$RC"
run import claude --bogus
is "an unknown option: 64, with the usage" "64 1" "$RC $(grep -c '^usage: clankers import claude' "$ERR")"

finish
