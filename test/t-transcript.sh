#!/bin/sh
# test/t-transcript.sh: `clankers session-end` and the hooks that read
# Claude Code transcripts (Stop, SubagentStop, PreCompact, SessionEnd).
# Real transcripts (test/fixtures/transcripts, see its SOURCES.md) and files
# built here go through the real binary into a real database; each case
# checks what a user would: token totals against ccusage's, the rows of
# messages and tools, transcript_files, exit status, stderr, the log.
. "$(dirname "$0")/lib.sh"

TR=$FIX/transcripts
SPOT_DIR=$TR/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov
SPOT=4d5611e5-241a-462a-8d15-5122611a9569
CCV=$TR/claude-code-viewer-1.0.98
FE=fe5e1c67-53e7-4862-81ae-d0e013e3270b
AF=1af7fc5e-8455-4414-9ccd-011d40f70b2a
S38=$TR/spotter-2.1.38
SHORT=55604662-cf2a-4331-851a-ec234028f8ca
HEAVY=d6e0bada-1959-4eec-a9d2-0bfade768d8f
SUBJ=491e126e-1e71-469c-ade2-fcc8af567c74
BASIC_DIR=$TR/e2e/basic
BASIC=a125bd5f-b2e1-42db-87ce-1ce0974290de
SUB_DIR=$TR/e2e/subagent
SUB=f87458f2-5bf3-406a-add9-e71fd29f2481
FFFD=$(printf '\357\277\275')

# clankers session-end --transcript PATH [ARGS]
end() { run session-end --transcript "$@"; }

# Token figures of a session: input output cache_write cache_read prompt completion.
tokens() {
	q "SELECT input_tokens, output_tokens, cache_creation_input_tokens,
	    cache_read_input_tokens, prompt_tokens, completion_tokens
	    FROM sessions WHERE id = '$1'" | tr '|' ' '
}

# golden TITLE SID IN OUT CACHE_WRITE CACHE_READ
golden() {
	is "$1: tokens in/out/cache write/cache read, prompt = the three inputs, completion = out" \
	    "$3 $4 $5 $6 $(($3 + $5 + $6)) $4" "$(tokens "$2")"
}

# counts SID: responses, message_count is the count of its rows, tool calls,
# tool_call_count is the count of its tools rows.
counts() {
	q "SELECT (SELECT count(*) FROM messages WHERE session_id = s.id AND role = 'assistant'),
	    message_count = (SELECT count(*) FROM messages WHERE session_id = s.id),
	    tool_call_count,
	    tool_call_count = (SELECT count(*) FROM tools WHERE session_id = s.id)
	    FROM sessions s WHERE id = '$1'" | tr '|' ' '
}

# Every row of messages, tools and sessions, all columns; with a second
# argument, that sessions column is left out.
rows() {
	cols=$(sqlite3 "$1" "SELECT group_concat(name) FROM pragma_table_info('sessions')
	    WHERE name <> '${2:-}'")
	sqlite3 "$1" "SELECT * FROM messages ORDER BY id; SELECT * FROM tools ORDER BY id;
	    SELECT $cols FROM sessions ORDER BY id"
}

# Rows of TABLE, 0 when the database was never created.
count() {
	if [ -e "$DB" ]; then q "SELECT count(*) FROM $1"; else echo 0; fi
}

# "lines offset" a reader stopping at the last newline of the first N bytes
# of FILE would store.
stop_at() {
	nl=$(head -c "$2" "$1" | tr -cd '\n' | wc -c | tr -d ' ')
	echo "$nl $(head -n "$nl" "$1" | wc -c | tr -d ' ')"
}

fstate() { q "SELECT $2 FROM transcript_files WHERE path = '$1'" | tr '|' ' '; }

lastlog() { log_lines | tail -n 1 | jq -r "$1"; }

# Back to the data root of the golden reads (section 1).
gold() {
	export CLANKERS_DATA_PATH=$GOLD_ROOT HOME=${GOLD_ROOT%/data}/home
	ROOT=$GOLD_ROOT DB=$GOLD
}

# Synthetic transcript lines of session $SID (time $TS).
SID=bbbbbbbb-0000-4000-8000-000000000001
TS=2026-11-20T10:00:00.000Z
# prompt UUID TEXT
prompt() {
	jq -nc --arg s "$SID" --arg u "$1" --arg t "$2" --arg ts "$TS" \
	    '{type: "user", sessionId: $s, uuid: $u, timestamp: $ts, cwd: "/tmp/proj",
	      message: {role: "user", content: $t}}'
}
# answer MSG_ID TEXT INPUT OUTPUT
answer() {
	jq -nc --arg s "$SID" --arg m "$1" --arg t "$2" --argjson i "$3" --argjson o "$4" \
	    --arg ts "$TS" \
	    '{type: "assistant", sessionId: $s, uuid: ("u-" + $m + $t), requestId: ("req_" + $m),
	      timestamp: $ts, message: {id: $m, model: "claude-test-1", role: "assistant",
	      content: [{type: "text", text: $t}], usage: {input_tokens: $i, output_tokens: $o,
	      cache_creation_input_tokens: 0, cache_read_input_tokens: 0}}}'
}

# ======================================================================
# 1. Golden totals on every real fixture (ccusage 20.0.24 --offline agrees).
fresh
GOLD=$DB GOLD_ROOT=$ROOT

end "$SPOT_DIR/$SPOT.jsonl"
is "spotter 2.1.39: exit 0, main file and its two subagent files read" \
    "0 read: 3 files, 1661 new lines" "$RC $(sed -n 2p "$OUT" | sed 's/^ *//; s/,[^,]*bytes.*//')"
golden "spotter 2.1.39 (main + subagents)" "$SPOT" 233 28899 559475 12387553
is "spotter 2.1.39: 152 responses, 183 tool calls, counts derived from rows" \
    "152 1 183 1" "$(counts "$SPOT")"
is "spotter 2.1.39: models in order of first use" \
    "claude-opus-4-6,claude-sonnet-4-5-20250929" "$(q "SELECT models FROM sessions WHERE id = '$SPOT'")"
is "spotter 2.1.39: subagent a2898e3's responses are sidechain rows" 1 \
    "$(q "SELECT count(*) > 0 FROM messages WHERE session_id = '$SPOT' AND role = 'assistant'
	AND is_sidechain = 1 AND agent_id = 'a2898e3'")"
is "spotter 2.1.39: each subagent file has its state, named by agent" \
    "a2898e3 144|acompact-e1f845 5" \
    "$(q "SELECT agent_id || ' ' || lines FROM transcript_files WHERE session_id = '$SPOT'
	AND agent_id IS NOT NULL ORDER BY agent_id" | paste -sd '|' -)"
is "spotter 2.1.39: title is the first prompt, cut at 100 characters" \
    "prompt|Work on bead spotter-dov. Run bd show spotter-dov to see the issue details and bd ready to find avai…" \
    "$(q "SELECT title_source, title FROM sessions WHERE id = '$SPOT'")"

end "$CCV/$FE.jsonl"
golden "viewer 1.0.98 fe5e1c67" "$FE" 818 51933 137976 3647854
# Each response's lines carry a growing output_tokens: the first line of each
# would give 49780, the largest (the real count) 51933.
is "viewer 1.0.98 fe5e1c67: output is each response's largest count (51933), not its first line's (49780)" \
    "51933 49780" \
    "$(q "SELECT output_tokens FROM sessions WHERE id = '$FE'") $(jq -n '
	reduce (inputs | select(.type == "assistant") | .message) as $m ({};
	    if has($m.id) then . else .[$m.id] = $m.usage.output_tokens end) | add' "$CCV/$FE.jsonl")"
is "viewer 1.0.98 fe5e1c67: 170 responses, 167 tool calls" "170 1 167 1" "$(counts "$FE")"
is "viewer 1.0.98 fe5e1c67: the summary line is the title" \
    "summary|$(head -n 1 "$CCV/$FE.jsonl" | jq -r .summary)" \
    "$(q "SELECT title_source, title FROM sessions WHERE id = '$FE'")"
is "viewer 1.0.98 fe5e1c67: inline sidechain responses flagged" 1 \
    "$(q "SELECT count(*) > 0 FROM messages WHERE session_id = '$FE' AND role = 'assistant'
	AND is_sidechain = 1")"

end "$CCV/$AF.jsonl"
golden "viewer 1.0.98 1af7fc5e" "$AF" 93 953 12698 103219
is "viewer 1.0.98 1af7fc5e: 7 responses, 12 tool calls, one model" \
    "7 1 12 1 claude-sonnet-4-20250514" "$(counts "$AF") $(q "SELECT models FROM sessions WHERE id = '$AF'")"

end "$S38/short.jsonl"
golden "spotter 2.1.38 short" "$SHORT" 3 13 13835 11515
is "spotter 2.1.38 short: one response written as 5 lines is 1 row" \
    "5 1" "$(grep -c msg_01MKH1ccEGrZGNPvu8pYiiQa "$S38/short.jsonl") $(q "SELECT count(*)
	FROM messages WHERE session_id = '$SHORT' AND role = 'assistant'")"
is "spotter 2.1.38 short: title is the prompt" "prompt|mix phx.server doesnt seem to start" \
    "$(q "SELECT title_source, title FROM sessions WHERE id = '$SHORT'")"

end "$S38/tool_heavy.jsonl"
golden "spotter 2.1.38 tool_heavy" "$HEAVY" 54 212 17696 88231
is "spotter 2.1.38 tool_heavy: 4 responses, 6 tool calls, title" \
    "4 1 6 1|start phoenix in background" \
    "$(counts "$HEAVY")|$(q "SELECT title FROM sessions WHERE id = '$HEAVY'")"

# The subagent's own file is not in the fixture: 5 of its responses are
# seen only inside agent_progress lines, which ccusage does not count.
end "$S38/subagent.jsonl"
golden "spotter 2.1.38 subagent" "$SUBJ" 1600 1593 40127 522629
is "spotter 2.1.38 subagent: the 5 responses seen only in agent_progress are sidechain rows summing 24/7/14285/95343" \
    "5 24 7 14285 95343" \
    "$(q "SELECT count(*), sum(input_tokens), sum(output_tokens), sum(cache_creation_input_tokens),
	sum(cache_read_input_tokens) FROM messages WHERE session_id = '$SUBJ'
	AND role = 'assistant' AND is_sidechain = 1" | tr '|' ' ')"
is "spotter 2.1.38 subagent: without them the totals are ccusage's (1576/1586/25842/427286)" \
    "1576 1586 25842 427286" \
    "$(q "SELECT s.input_tokens - x.i, s.output_tokens - x.o, s.cache_creation_input_tokens - x.w,
	s.cache_read_input_tokens - x.r FROM sessions s, (SELECT sum(input_tokens) i,
	sum(output_tokens) o, sum(cache_creation_input_tokens) w, sum(cache_read_input_tokens) r
	FROM messages WHERE session_id = '$SUBJ' AND role = 'assistant' AND is_sidechain = 1) x
	WHERE s.id = '$SUBJ'" | tr '|' ' ')"
is "spotter 2.1.38 subagent: models" "claude-opus-4-6,claude-haiku-4-5-20251001" \
    "$(q "SELECT models FROM sessions WHERE id = '$SUBJ'")"
# Its first prompt is the slash command /handgemacht:create-beads (written as
# <command-message>...<command-name>...); the first real prompt is the next.
is "spotter 2.1.38 subagent: title is the first real prompt, not the slash-command wrapper" \
    "prompt|create the beads" "$(q "SELECT title_source, title FROM sessions WHERE id = '$SUBJ'")"

end "$BASIC_DIR/$BASIC.jsonl"
golden "e2e basic" "$BASIC" 5015 515 10015 15015
is "e2e basic: 5 responses, 5 tool calls, model" "5 1 5 1 claude-opus-4-8" \
    "$(counts "$BASIC") $(q "SELECT models FROM sessions WHERE id = '$BASIC'")"

end "$SUB_DIR/$SUB.jsonl"
is "e2e subagent: main file and the subagent's .jsonl read, not its .meta.json" \
    "0 read: 2 files" "$RC $(sed -n 2p "$OUT" | cut -d, -f1 | sed 's/^ *//')"
golden "e2e subagent (main + subagent file)" "$SUB" 4208 428 4005 6005
is "e2e subagent: 4 responses, 2 tool calls" "4 1 2 1" "$(counts "$SUB")"

is "no session's title is a slash-command wrapper" "" \
    "$(q "SELECT id FROM sessions WHERE title LIKE '<command-%'" | paste -sd ' ' -)"
is "every fixture: no bad lines" "0 0" \
    "$(q "SELECT sum(bad_lines), (SELECT sum(bad_lines) FROM transcript_files) FROM sessions" | tr '|' ' ')"

# The spotter main file alone (no subagents/ beside it).
fresh
mkdir -p "$TMP/alone"
cp "$SPOT_DIR/$SPOT.jsonl" "$TMP/alone/"
end "$TMP/alone/$SPOT.jsonl"
golden "spotter 2.1.39 main file alone" "$SPOT" 230 28890 550319 12151941
is "spotter 2.1.39 main file alone: one file read" "read: 1 file" "$(sed -n 2p "$OUT" | cut -d, -f1 | sed 's/^ *//')"
rm -rf "$TMP/alone"

# ======================================================================
# 2. Messages and tools from the transcript (the golden database).
gold
is "e2e basic: the first prompt row is 'run echo', the title" \
    "run echo|run echo|prompt" \
    "$(q "SELECT text_content FROM messages WHERE session_id = '$BASIC' AND role = 'user'
	ORDER BY created_at LIMIT 1")|$(q "SELECT title, title_source FROM sessions WHERE id = '$BASIC'")"
# 9c1670fd: the compaction summary (isCompactSummary); 3fd1e590: the caveat
# (isMeta); 8a504b14: <local-command-stdout>.
is "e2e basic: compaction summary, caveat and local-command output are not prompts" 0 \
    "$(q "SELECT count(*) FROM messages WHERE id IN ('9c1670fd-aa0b-4330-bb47-6a4be44cde64',
	'3fd1e590-d2d4-4b94-91a6-be8e04ab8ec0', '8a504b14-8a25-40c9-90a0-f0c7f7f60d1b')
	OR (session_id = '$BASIC' AND (text_content LIKE '%local-command%'
	OR text_content LIKE 'This session is being continued%'))")"
# A slash command is what the user typed: a prompt row, never the title.
is "e2e basic: the /compact command is kept as a prompt row" 1 \
    "$(q "SELECT count(*) FROM messages WHERE session_id = '$BASIC' AND role = 'user'
	AND text_content LIKE '%<command-name>%'")"
is "e2e basic: a response's text is its text blocks" "I will run echo." \
    "$(q "SELECT text_content FROM messages WHERE id = 'msg_mocka667ddac000002'")"
is "e2e basic: a response row: model, request, usage, stop reason, not sidechain" \
    "assistant|claude-opus-4-8|req_mocka667ddac000003|1001|101|2001|3001|tool_use|0" \
    "$(q "SELECT role, model, request_id, input_tokens, output_tokens,
	cache_creation_input_tokens, cache_read_input_tokens, stop_reason, is_sidechain
	FROM messages WHERE id = 'msg_mocka667ddac000002'")"
is "e2e basic: tools from the transcript, status from tool_result is_error" \
    "toolu_mocka667ddac000001 Bash ok 1 msg_mocka667ddac000002
toolu_mocka667ddac000004 Read ok 1 msg_mocka667ddac000006
toolu_mocka667ddac000005 Read error 0 msg_mocka667ddac000006
toolu_mocka667ddac000008 Bash error 0 msg_mocka667ddac000009
toolu_mocka667ddac000011 Write error 0 msg_mocka667ddac000012" \
    "$(q "SELECT id, tool_name, status, success, message_id FROM tools
	WHERE session_id = '$BASIC' ORDER BY id" | tr '|' ' ')"
is "e2e basic: tool_input is the whole JSON input" \
    'echo hello-from-tool|Print hello|/tmp/cc-e2e/out-basic/work/missing.txt|/tmp/cc-e2e/out-basic/work/missing.txt' \
    "$(q "SELECT json_extract(a.tool_input, '\$.command'), json_extract(a.tool_input, '\$.description'),
	json_extract(b.tool_input, '\$.file_path'), b.file_path FROM tools a, tools b
	WHERE a.id = 'toolu_mocka667ddac000001' AND b.id = 'toolu_mocka667ddac000005'")"
is "e2e basic: the missing file's error message, the denied Write's" \
    "File does not exist.|Claude requested permissions to write" \
    "$(q "SELECT substr(error_message, 1, 20) FROM tools WHERE id = 'toolu_mocka667ddac000005'")|$(q "SELECT substr(error_message, 1, 37) FROM tools WHERE id = 'toolu_mocka667ddac000011'")"
is "e2e basic: the Bash output is the tool_result's" "hello-from-tool" \
    "$(q "SELECT tool_output FROM tools WHERE id = 'toolu_mocka667ddac000001'")"
is "e2e subagent: rows by role, sidechain and agent" \
    "assistant 0 - 2
assistant 1 a028d5ed5645e65ec 2
user 0 - 1
user 1 a028d5ed5645e65ec 1" \
    "$(q "SELECT role, is_sidechain, ifnull(agent_id, '-'), count(*) FROM messages
	WHERE session_id = '$SUB' GROUP BY 1, 2, 3 ORDER BY 1, 2, 3" | tr '|' ' ')"
is "e2e subagent: the subagent's Bash call carries its agent id" \
    "toolu_mock8d3e2850000001 Agent ok -
toolu_mock8d3e2850000004 Bash ok a028d5ed5645e65ec" \
    "$(q "SELECT id, tool_name, status, ifnull(agent_id, '-') FROM tools
	WHERE session_id = '$SUB' ORDER BY id" | tr '|' ' ')"
is "e2e subagent: title and the subagent's prompt" \
    "delegate an echo to a subagent|SUBAGENT-TASK: run echo hello-from-subagent" \
    "$(q "SELECT title FROM sessions WHERE id = '$SUB'")|$(q "SELECT text_content FROM messages
	WHERE session_id = '$SUB' AND role = 'user' AND is_sidechain = 1")"
# short.jsonl: msg_01MKH1cc... has two text blocks (on two of its 5 lines).
jq -j -n '[inputs | select(.type == "assistant" and .message.id == "msg_01MKH1ccEGrZGNPvu8pYiiQa")
    | .message.content[] | select(.type == "text") | .text] | join("\n\n")' \
    "$S38/short.jsonl" >"$TMP/short-text"
is "spotter 2.1.38 short: a response's text is all its text blocks, in order" "2 1" \
    "$(jq -n '[inputs | select(.message.id == "msg_01MKH1ccEGrZGNPvu8pYiiQa") | .message.content[]
	| select(.type == "text")] | length' "$S38/short.jsonl") $(q "SELECT text_content =
	CAST(readfile('$TMP/short-text') AS TEXT) FROM messages WHERE id = 'msg_01MKH1ccEGrZGNPvu8pYiiQa'")"

# A response whose two text blocks are on two lines, with a growing output.
fresh
W=$TMP/multi
mkdir -p "$W"
{
	prompt p-multi "say two things"
	answer msg_multi "part A" 5 1
	answer msg_multi "part B" 5 9
} >"$W/$SID.jsonl"
end "$W/$SID.jsonl"
is "two text blocks on two lines: one row, both texts, the largest output" \
    "1|part A

part B|5|9" \
    "$(q "SELECT count(*), text_content, input_tokens, output_tokens FROM messages
	WHERE role = 'assistant'")"

# ======================================================================
# 3. Idempotence: a second read changes nothing; --full gives the same rows.
gold
rows "$DB" >"$TMP/rows-1"
q "SELECT path, lines, bad_lines, offset, rewinds FROM transcript_files ORDER BY path" >"$TMP/files-1"
zero=0
for f in "$SPOT_DIR/$SPOT.jsonl" "$CCV/$FE.jsonl" "$BASIC_DIR/$BASIC.jsonl" "$SUB_DIR/$SUB.jsonl"; do
	end "$f"
	if [ "$RC" -ne 0 ] || ! grep -q ' 0 new lines, 0 bytes, 0 bad' "$OUT"; then
		zero=1
		echo "# $f: rc $RC: $(sed -n 2p "$OUT")"
	fi
done
is "second read: exit 0 and 0 new lines for each file" 0 "$zero"
rows "$DB" >"$TMP/rows-2"
ok "second read: messages, tools and sessions (every column, updated_at too) unchanged" \
    cmp -s "$TMP/rows-1" "$TMP/rows-2"
full=0
for f in "$SPOT_DIR/$SPOT.jsonl" "$CCV/$FE.jsonl" "$BASIC_DIR/$BASIC.jsonl" "$SUB_DIR/$SUB.jsonl"; do
	end "$f" --full
	[ "$RC" -eq 0 ] && ! grep -q ' 0 new lines' "$OUT" || full=1
done
is "--full: exit 0, every line read again" 0 "$full"
rows "$DB" >"$TMP/rows-3"
ok "--full: messages, tools and sessions identical" cmp -s "$TMP/rows-1" "$TMP/rows-3"
q "SELECT path, lines, bad_lines, offset, rewinds FROM transcript_files ORDER BY path" >"$TMP/files-3"
ok "--full: transcript_files lines, offsets the same; not counted as a rewind" \
    cmp -s "$TMP/files-1" "$TMP/files-3"

# one_read DIR: the e2e basic transcript read whole into a fresh root, as
# the reference ($TMP/one, $ONE_UPDATED); then a fresh root and an empty
# copy at $P for the test to fill.
one_read() {
	W=$1
	mkdir -p "$W"
	SRC=$BASIC_DIR/$BASIC.jsonl
	P=$W/$BASIC.jsonl
	cp "$SRC" "$P"
	fresh
	end "$P"
	rows "$DB" updated_at >"$TMP/one"
	ONE_UPDATED=$(q "SELECT updated_at FROM sessions WHERE id = '$BASIC'")
	fresh
	: >"$P"
}

# ======================================================================
# 4. Incremental reads: the same rows as one read, whatever the cuts.
one_read "$TMP/inc"
# Cuts: inside the first line; between the two lines of msg_..02; mid-line;
# inside the 3-byte "—" at 16375; the end.
L6=$(head -n 6 "$SRC" | wc -c | tr -d ' ')
SIZE=$(wc -c <"$SRC" | tr -d ' ')
prev=0 bad=""
for off in 1 100 "$L6" 9000 16376 16377 20000 "$SIZE"; do
	tail -c +$((prev + 1)) "$SRC" | head -c $((off - prev)) >>"$P"
	prev=$off
	end "$P"
	got="$RC $(fstate "$P" 'lines, offset')"
	want="0 $(stop_at "$SRC" "$off")"
	[ "$got" = "$want" ] || bad="$bad [at $off: $got, want $want]"
	if [ "$off" = 100 ]; then
		is "incremental: a partial first line is not read (no rows, 0 lines)" "0 0 0" \
		    "$(fstate "$P" 'lines, offset') $(q 'SELECT count(*) FROM messages')"
	fi
	if [ "$off" = "$L6" ]; then
		is "incremental: cut between two lines of one response: its first part stored" \
		    "I will run echo.|101|0" \
		    "$(q "SELECT text_content, output_tokens, (SELECT count(*) FROM tools)
			FROM messages WHERE id = 'msg_mocka667ddac000002'")"
	fi
done
is "incremental: after each piece, exit 0, lines and offset stop at the last newline" "" "$bad"
is "incremental: its next line completed it (text unchanged, tool call added)" \
    "I will run echo.|toolu_mocka667ddac000001" \
    "$(q "SELECT text_content, (SELECT id FROM tools WHERE message_id = m.id)
	FROM messages m WHERE id = 'msg_mocka667ddac000002'")"
rows "$DB" updated_at >"$TMP/rows-inc"
ok "incremental (8 pieces, mid-line, mid-UTF-8): rows equal one read (but sessions.updated_at)" \
    cmp -s "$TMP/one" "$TMP/rows-inc"
golden "incremental" "$BASIC" 5015 515 10015 15015

# The real snapshots taken inside the hooks, copied over one path in turn.
fresh
: >"$P"
bad=""
for s in "$BASIC_DIR"/at-hook/*.jsonl; do
	cp "$s" "$P"
	end "$P"
	got="$RC $(fstate "$P" 'lines, rewinds')"
	want="0 $(wc -l <"$s" | tr -d ' ') 0"
	[ "$got" = "$want" ] || bad="$bad [$(basename "$s"): $got, want $want]"
done
is "at-hook snapshots: each read up to its end, no rewind" "" "$bad"
rows "$DB" updated_at >"$TMP/snap"
ok "at-hook snapshots: rows equal one read of the final file (but sessions.updated_at)" \
    cmp -s "$TMP/one" "$TMP/snap"
# Some reads get only lines without a timestamp (last-prompt, mode): the
# session's last activity is still the transcript's last time, not the read's.
is "at-hook snapshots: sessions.updated_at as after one read (the transcript's last time)" \
    "$ONE_UPDATED" "$(q "SELECT updated_at FROM sessions WHERE id = '$BASIC'")"
rm -rf "$W"

# A subagent file read in full while the main file still grows: the copies
# of the subagent's responses in the main file's later agent_progress lines
# (tool_use blocks only) must not replace the text its own file gave.
W=$TMP/incsub
mkdir -p "$W"
cp -R "$SPOT_DIR/$SPOT" "$W/"
head -n 50 "$SPOT_DIR/$SPOT.jsonl" >"$W/$SPOT.jsonl"
fresh
end "$W/$SPOT.jsonl"
is "growing main file + whole subagent file: a subagent response's text after the first read" \
    "I'll conduct a thorough exploration of the transcript rendering system. Let me read all the key files you've specified." \
    "$(q "SELECT text_content FROM messages WHERE id = 'msg_016xcKQRzQXv2gLKoiSyUZxc'")"
cp "$SPOT_DIR/$SPOT.jsonl" "$W/$SPOT.jsonl"
end "$W/$SPOT.jsonl"
is "growing main file + whole subagent file: the text is kept by the next read" \
    "I'll conduct a thorough exploration of the transcript rendering system. Let me read all the key files you've specified." \
    "$(q "SELECT text_content FROM messages WHERE id = 'msg_016xcKQRzQXv2gLKoiSyUZxc'")"
golden "growing main file + whole subagent file" "$SPOT" 233 28899 559475 12387553
sqlite3 "$GOLD" "SELECT * FROM messages WHERE session_id = '$SPOT' ORDER BY id;
    SELECT * FROM tools WHERE session_id = '$SPOT' ORDER BY id" >"$TMP/spot-one"
q "SELECT * FROM messages ORDER BY id; SELECT * FROM tools ORDER BY id" >"$TMP/spot-inc"
ok "growing main file + whole subagent file: messages and tools equal one read" \
    cmp -s "$TMP/spot-one" "$TMP/spot-inc"
rm -rf "$W"

# ======================================================================
# 5. A rewritten file is read again from the start; rows already stored stay.
W=$TMP/rw
mkdir -p "$W"
P=$W/$BASIC.jsonl
cp "$BASIC_DIR/$BASIC.jsonl" "$P"
INODE=$(ls -i "$P" | awk '{print $1}')
fresh
end "$P"
# Shorter, same inode: the file as it was at Stop, plus a new prompt.
{
	cat "$BASIC_DIR"/at-hook/*-Stop.jsonl
	SID=$BASIC prompt 11111111-aaaa-4bbb-8ccc-000000000001 "a prompt after the rewrite"
} >"$TMP/shorter"
cat "$TMP/shorter" >"$P"
end "$P"
is "shorter file, same inode: exit 0, read again, says so" "0 $INODE 1" \
    "$RC $(ls -i "$P" | awk '{print $1}') $(grep -c 'changed files read again' "$OUT")"
is "shorter file: rewinds 1, lines of the new content" "1 $(wc -l <"$TMP/shorter" | tr -d ' ') 0" \
    "$(fstate "$P" 'rewinds, lines, bad_lines')"
is "shorter file: the new prompt stored, the old rows kept" "1 8 5" \
    "$(q "SELECT count(*) FROM messages WHERE id = '11111111-aaaa-4bbb-8ccc-000000000001'") $(q "SELECT
	message_count, tool_call_count FROM sessions WHERE id = '$BASIC'" | tr '|' ' ')"
golden "shorter file: responses counted once" "$BASIC" 5015 515 10015 15015

# Replaced through mv (a new inode), the old content as its prefix.
{ cat "$BASIC_DIR/$BASIC.jsonl"; SID=$BASIC prompt 11111111-aaaa-4bbb-8ccc-000000000002 "one more"; } >"$P.new"
mv "$P.new" "$P"
end "$P"
is "new file by mv: exit 0, read again from the start" "0 2 31" "$RC $(fstate "$P" 'rewinds, lines')"
is "new file by mv: its new prompt stored, old rows kept, tokens unchanged" "1 9" \
    "$(q "SELECT count(*) FROM messages WHERE id = '11111111-aaaa-4bbb-8ccc-000000000002'") $(q "SELECT
	message_count FROM sessions WHERE id = '$BASIC'")"
golden "new file by mv" "$BASIC" 5015 515 10015 15015

# Same size, same inode, different last line: only the bytes tell.
fresh
{ prompt p-1 "first question"; answer msg_rw1 "first answer" 10 1; prompt p-2 "second question"; } >"$TMP/rw-a"
{ prompt p-1 "first question"; answer msg_rw1 "first answer" 10 1; prompt p-3 "changed prompt!"; } >"$TMP/rw-b"
P=$W/$SID.jsonl
cat "$TMP/rw-a" >"$P"
end "$P"
cat "$TMP/rw-b" >"$P"
end "$P"
is "same size, other bytes: sizes equal, read again (rewinds 1, 3 lines)" \
    "$(wc -c <"$TMP/rw-a" | tr -d ' ') 1 3" "$(wc -c <"$P" | tr -d ' ') $(fstate "$P" 'rewinds, lines')"
is "same size, other bytes: the new prompt stored, the old kept, the response once" \
    "p-1 p-2 p-3|10" \
    "$(q "SELECT group_concat(id, ' ') FROM (SELECT id FROM messages WHERE role = 'user' ORDER BY id)")|$(q "SELECT input_tokens FROM sessions")"
rm -rf "$W"

# ======================================================================
# 6. Bad transcripts.
W=$TMP/bad
mkdir -p "$W"

fresh
end "$W/no-such.jsonl"
is "missing file: exit 1, stderr names the path" "1 1" \
    "$RC $(grep -c "clankers: .*$W/no-such.jsonl: No such file or directory" "$ERR")"
is "missing file: nothing written" "0 0 0" \
    "$(count sessions) $(count transcript_files) $(count messages)"
is "missing file: error log line" "error transcript not read" \
    "$(lastlog '"\(.level) \(.message)"')"

mkdir "$W/dir.jsonl"
end "$W/dir.jsonl"
is "directory: exit 1, is a directory" "1 1" "$RC $(grep -c 'dir.jsonl: is a directory' "$ERR")"

mkfifo "$W/fifo.jsonl"
timeout 10 $WRAPPER "$CLANKERS" session-end --transcript "$W/fifo.jsonl" >"$TMP/out" 2>"$TMP/err"
RC=$?
is "FIFO: exit 1 at once (not 124, a timeout), not a regular file" "1 1" \
    "$RC $(grep -c 'fifo.jsonl: not a regular file' "$TMP/err")"
is "directory, FIFO: nothing written" "0 0" "$(count sessions) $(count transcript_files)"

: >"$W/empty.jsonl"
end "$W/empty.jsonl"
is "empty file: exit 0, 0 lines, no rows, no session made up" "0 1 0 0 0" \
    "$RC $(grep -c 'nothing recorded (0 lines read, 0 bad)' "$OUT") $(fstate "$W/empty.jsonl" lines) $(count messages) $(count sessions)"

fresh
cp /bin/ls "$W/binary.jsonl"
end "$W/binary.jsonl"
BL=$(fstate "$W/binary.jsonl" lines)
is "binary file: exit 0, every line it has is bad" "0 $BL" "$RC $(fstate "$W/binary.jsonl" bad_lines)"
is "binary file: bad lines in stdout, stderr, the log; no session made up" "1 1 warn $BL 0" \
    "$(grep -c " $BL bad" "$OUT") $(grep -c "$BL lines could not be read" "$ERR") $(lastlog '"\(.level) \(.bad_lines)"') $(count sessions)"
is "binary file: nothing bogus stored (no messages, no tools), at most 5 line warnings" "0 0 yes" \
    "$(count messages) $(count tools) $([ "$(log_lines | grep -c 'is not a JSON object')" -le 5 ] && echo yes)"
ok "binary file: log lines are JSON" sh -c 'cat "$1"/clankers-*.jsonl | jq -e . >/dev/null' - "$ROOT"

# Broken lines between good ones: cut JSON, two objects glued, a lone }.
fresh
{
	prompt p-1 "first prompt"
	answer msg_b1 "answer one" 10 1
	printf '{"type":"user","sessionId":"%s","uuid":"cut\n' "$SID"
	answer msg_b2 "answer two" 20 2
	printf '{"type":"assistant","a":1}{"type":"user","b":2}\n'
	prompt p-2 "second prompt"
	printf '}\n'
	answer msg_b3 "answer three" 30 3
} >"$W/broken.jsonl"
end "$W/broken.jsonl"
is "broken lines: exit 0, every good line stored" \
    "0 msg_b1 msg_b2 msg_b3 p-1 p-2" \
    "$RC $(q "SELECT group_concat(id, ' ') FROM (SELECT id FROM messages ORDER BY id)")"
is "broken lines: 3 bad in transcript_files and sessions, 8 lines" "3 3 8" \
    "$(fstate "$W/broken.jsonl" bad_lines) $(q 'SELECT bad_lines FROM sessions') $(fstate "$W/broken.jsonl" lines)"
is "broken lines: a warn log line for each, by line number" "3 5 7" \
    "$(log_lines | jq -r 'select(.level == "warn" and (.message | test("is not a JSON object")))
	| .message | capture("line (?<n>[0-9]+)").n' | paste -sd ' ' -)"
is "broken lines: stderr and the summary log line say 3" "1 warn 3" \
    "$(grep -c '3 lines could not be read' "$ERR") $(lastlog '"\(.level) \(.bad_lines)"')"
is "broken lines: totals from the good responses" "60 6" "$(q 'SELECT input_tokens, output_tokens FROM sessions' | tr '|' ' ')"

# Invalid UTF-8 in a prompt, a lone surrogate escape in assistant text.
fresh
{
	prompt p-u8 "badMARKbytes" | LC_ALL=C sed "s/MARK/$(printf '\377\376')/g"
	answer msg_sur "surMARKrogate" 1 1 | sed 's/MARK/\\ud83d/g'
	answer msg_after "after" 1 1
} >"$W/utf8.jsonl"
end "$W/utf8.jsonl"
is "invalid UTF-8 in a prompt: stored with U+FFFD, title too" \
    "0 bad$FFFD${FFFD}bytes bad$FFFD${FFFD}bytes" \
    "$RC $(q "SELECT text_content FROM messages WHERE id = 'p-u8'") $(q 'SELECT title FROM sessions')"
is "lone surrogate escape in assistant text: U+FFFD" "sur${FFFD}rogate" \
    "$(q "SELECT text_content FROM messages WHERE id = 'msg_sur'")"
is "invalid UTF-8: no bad lines, the next line stored" "0 1" \
    "$(fstate "$W/utf8.jsonl" bad_lines) $(q "SELECT count(*) FROM messages WHERE id = 'msg_after'")"

# A valid 5 MB line: a prompt of 5,000,000 bytes.
fresh
head -c 5000000 /dev/zero | tr '\0' a >"$W/5mb.txt"
{
	jq -nc --rawfile t "$W/5mb.txt" --arg s "$SID" --arg ts "$TS" \
	    '{type: "user", sessionId: $s, uuid: "p-5mb", timestamp: $ts, message: {role: "user", content: $t}}'
	answer msg_5mb "after the big one" 1 1
} >"$W/5mb.jsonl"
end "$W/5mb.jsonl"
is "5 MB line: exit 0, the prompt stored whole, the next line too" "0 1 1 0" \
    "$RC $(q "SELECT text_content = CAST(readfile('$W/5mb.txt') AS TEXT) FROM messages WHERE id = 'p-5mb'") $(q "SELECT count(*) FROM messages WHERE id = 'msg_5mb'") $(fstate "$W/5mb.jsonl" bad_lines)"
rm -f "$W/5mb.txt" "$W/5mb.jsonl"

# A line over 64 MiB (a prompt of 65 MiB): skipped and counted, not stored.
fresh
{
	prompt p-before "before the huge line"
	printf '{"type":"user","sessionId":"%s","uuid":"p-huge","timestamp":"%s","message":{"role":"user","content":"' "$SID" "$TS"
	head -c 68157440 /dev/zero | tr '\0' y
	printf '"}}\n'
	answer msg_huge_after "after the huge line" 1 1
} >"$W/huge.jsonl"
end "$W/huge.jsonl"
is "line over 64 MiB: exit 0, the lines around it stored" "0 2" \
    "$RC $(q "SELECT count(*) FROM messages WHERE id IN ('p-before', 'msg_huge_after')")"
is "line over 64 MiB: not stored, counted bad (lines 3, bad 1)" "0 3 1" \
    "$(q "SELECT count(*) FROM messages WHERE id = 'p-huge'") $(fstate "$W/huge.jsonl" 'lines, bad_lines')"
is "line over 64 MiB: a warn log line says so" 1 \
    "$(log_lines | jq -r 'select(.level == "warn") | .message' | grep -c 'longer than 64 MiB')"
rm -rf "$W"

# ======================================================================
# 7. A growing file: a writer appends lines while session-end runs again
# and again; one more read after it ends gives the one-read rows.
one_read "$TMP/grow"
# Under valgrind a read takes about a second: the writer slows down too.
nap=0.01
[ -z "$WRAPPER" ] || nap=0.3
(
	while IFS= read -r line; do
		printf '%s\n' "$line" >>"$P"
		sleep "$nap"
	done <"$SRC"
	: >"$W/done"
) &
writer=$!
reads=0 fails=0
while [ ! -e "$W/done" ]; do
	end "$P"
	reads=$((reads + 1))
	[ "$RC" -eq 0 ] || fails=$((fails + 1))
done
wait "$writer"
end "$P"
echo "# growing file: $reads reads while the writer ran"
is "growing file: every read exited 0, more than one read while it grew" "0 0 yes" \
    "$fails $RC $([ "$reads" -gt 1 ] && echo yes)"
rows "$DB" updated_at >"$TMP/grown"
ok "growing file: rows equal one read (but sessions.updated_at)" cmp -s "$TMP/one" "$TMP/grown"
is "growing file: 30 lines, no bad, no rewind" "30 0 0" "$(fstate "$P" 'lines, bad_lines, rewinds')"
rm -rf "$W"

# ======================================================================
# 8. Readers at once on one transcript: nothing counted twice.
sqlite3 "$GOLD" "SELECT * FROM messages WHERE session_id = '$SPOT' ORDER BY id;
    SELECT * FROM tools WHERE session_id = '$SPOT' ORDER BY id" >"$TMP/spot-one"
for k in 2 4; do
	fresh
	i=0
	while [ $i -lt $k ]; do
		i=$((i + 1))
		( $WRAPPER "$CLANKERS" session-end --transcript "$SPOT_DIR/$SPOT.jsonl" \
		    >"$TMP/par$i.out" 2>"$TMP/par$i.err"; echo $? >"$TMP/par$i.rc" ) &
	done
	wait
	rcs=$(cat "$TMP"/par*.rc | sort | uniq -c | tr -s ' ' | sed 's/^ //')
	is "$k at once: all exit 0" "$k 0" "$rcs"
	golden "$k at once" "$SPOT" 233 28899 559475 12387553
	is "$k at once: the lines were read once in all (1661)" 1661 \
	    "$(cat "$TMP"/par*.out | sed -n 's/.* \([0-9]*\) new lines.*/\1/p' | awk '{ n += $1 } END { print n }')"
	q "SELECT * FROM messages ORDER BY id; SELECT * FROM tools ORDER BY id" >"$TMP/spot-par"
	ok "$k at once: messages and tools equal one read" cmp -s "$TMP/spot-one" "$TMP/spot-par"
	rm -f "$TMP"/par*
done

# ======================================================================
# 9. session-end --session ID: the transcript the hooks recorded.
W=$TMP/sess
mkdir -p "$W"
P=$W/$BASIC.jsonl
STOP_JSON=$FIX/e2e/basic/1795537984455960558-Stop.json
jq -c --arg p "$P" '.transcript_path = $p' "$STOP_JSON" >"$W/stop.json"
cp "$BASIC_DIR"/at-hook/1795537984455960558-Stop.jsonl "$P"
fresh
hook Stop "$W/stop.json"
is "Stop hook: exit 0, the transcript as it was at Stop read" "0 stored $(wc -l <"$P" | tr -d ' ')" \
    "$RC $(lastlog '"\(.outcome) \(.transcript.lines)"')"
cp "$BASIC_DIR/$BASIC.jsonl" "$P"
run session-end --session "$BASIC"
is "--session alone: exit 0, reads the rest of the recorded transcript" \
    "0 $((30 - $(wc -l <"$BASIC_DIR"/at-hook/1795537984455960558-Stop.jsonl))) 30" \
    "$RC $(sed -n 's/.* \([0-9]*\) new lines.*/\1/p' "$OUT") $(fstate "$P" lines)"
golden "--session alone" "$BASIC" 5015 515 10015 15015
run session-end --session no-such-session
is "--session of an unknown session: exit 1, says so" "1 1" \
    "$RC $(grep -c 'no-such-session.*no transcript known' "$ERR")"
run session-end
is "no arguments: exit 64 with usage" "64 1" "$RC $(grep -c '^usage: clankers session-end' "$ERR")"
rm -rf "$W"

# ======================================================================
# 10. Hooks read the transcript: Stop with a real transcript, a missing one,
# and the whole e2e run replayed with the transcript as it was at each hook.
W=$TMP/hooks
mkdir -p "$W"
cp "$S38/tool_heavy.jsonl" "$W/heavy.jsonl"
jq -c --arg p "$W/heavy.jsonl" --arg s "$HEAVY" '.transcript_path = $p | .session_id = $s' \
    "$STOP_JSON" >"$W/stop.json"
fresh
hook Stop "$W/stop.json"
is "Stop hook: exit 0, stored, info, transcript read in its log line" "0 stored info 39 1" \
    "$RC $(lastlog '"\(.outcome) \(.level) \(.transcript.lines) \(.transcript.files)"')"
golden "Stop hook" "$HEAVY" 54 212 17696 88231
is "Stop hook: messages and tools rows" "4 1 6 1" "$(counts "$HEAVY")"

jq -c --arg p "$W/absent.jsonl" '.transcript_path = $p' "$STOP_JSON" >"$W/stop-missing.json"
fresh
hook Stop "$W/stop-missing.json"
is "Stop hook, transcript missing: exit 0, stored, info, transcript missing" \
    "0 stored info missing" "$RC $(lastlog '"\(.outcome) \(.level) \(.transcript)"')"
is "Stop hook, transcript missing: no messages, nothing on stderr" "0 0" \
    "$(count messages) $(wc -c <"$ERR" | tr -d ' ')"

# Replay: each hook's payload, with the transcript copied in place first
# when a snapshot was taken in that hook.
fresh
e2e_payloads basic "$W/e2e" "$W/payloads"
P=$(jq -r .transcript_path "$W/payloads/1795537984455960558-Stop.json")
mkdir -p "$(dirname "$P")"
fails=0
for f in "$W"/payloads/*.json; do
	name=$(basename "$f" .json)
	[ ! -e "$BASIC_DIR/at-hook/$name.jsonl" ] || cp "$BASIC_DIR/at-hook/$name.jsonl" "$P"
	ev=${name#*-}
	hook "$ev" "$f"
	[ "$RC" -eq 0 ] || fails=$((fails + 1))
done
is "e2e replay: every hook exit 0" 0 "$fails"
golden "e2e replay" "$BASIC" 5015 515 10015 15015
is "e2e replay: 5 responses, 5 tools rows (hooks and transcript meet)" "5 1 5 1" "$(counts "$BASIC")"
is "e2e replay: tools: status, message, input" \
    "toolu_mocka667ddac000001 ok msg_mocka667ddac000002 1
toolu_mocka667ddac000004 ok msg_mocka667ddac000006 1
toolu_mocka667ddac000005 error msg_mocka667ddac000006 1
toolu_mocka667ddac000008 error msg_mocka667ddac000009 1
toolu_mocka667ddac000011 error msg_mocka667ddac000012 1" \
    "$(q "SELECT id, status, message_id, tool_input IS NOT NULL FROM tools ORDER BY id" | tr '|' ' ')"
is "e2e replay: transcript read to its end, title 'run echo'" "30 0 run echo" \
    "$(fstate "$P" 'lines, rewinds') $(q "SELECT title FROM sessions WHERE id = '$BASIC'")"
is "e2e replay: hooks that read it logged a transcript object" "5" \
    "$(log_lines | jq -r 'select(.transcript | type == "object") | .event' | wc -l | tr -d ' ')"
rm -rf "$W"

# --- the session a transcript names is parsed, not found in the raw text ---
fresh
mkdir -p "$TMP/ids"
U='"type":"user","message":{"role":"user","content":"hello"},"uuid":"u-1","timestamp":"2026-01-01T00:00:00.000Z","cwd":"/tmp"'
printf '{"type":"progress","data":{"sessionId":"nested-1"},"sessionId":"top-1","timestamp":"2026-01-01T00:00:00.000Z"}\n{%s,"sessionId":"top-1"}\n' "$U" >"$TMP/ids/a.jsonl"
end "$TMP/ids/a.jsonl"
is "a sessionId nested in a line is not the transcript's" "0|top-1" "$RC|$(q 'select id from sessions')"
fresh
printf '{%s,"sessionId":"ab\\"cd"}\n' "$U" >"$TMP/ids/b.jsonl"
end "$TMP/ids/b.jsonl"
is "an id holding an escaped quote is read whole, unescaped" '0|ab"cd' "$RC|$(q 'select id from sessions')"
fresh
printf '{%s}\n' "$U" >"$TMP/ids/c-file.jsonl"
end "$TMP/ids/c-file.jsonl"
is "no sessionId: the file's name" "0|c-file" "$RC|$(q 'select id from sessions')"

# --- a transcript's rows belong to the session it names, whoever reads it first ---
OTHER=0ddba11-0000-4000-8000-000000000000
mkdir -p "$TMP/own"
cp "$FIX/transcripts/e2e/basic/$BASIC.jsonl" "$TMP/own/$BASIC.jsonl"
jq -c --arg s "0$OTHER" --arg p "$TMP/own/$BASIC.jsonl" '.session_id = $s | .transcript_path = $p' \
	"$FIX/claude/hooks/single/Stop.seeknal-2026-02.json" >"$TMP/own/stop.json"
owners() { q "select session_id, count(*) from messages group by 1 order by 1; select session_id from transcript_files"; }
fresh
hook Stop "$TMP/own/stop.json"
end "$TMP/own/$BASIC.jsonl"
first_hook=$(owners)
is "a hook of another session reads it first: the rows are the transcript's session's" \
	"0|$BASIC|7
$BASIC" "$RC|$first_hook"
is "... and a warn line says whose it is" 1 \
	"$(log_lines | jq -r 'select(.level == "warn" and .component == "transcript") | .message' | grep -c "is session $BASIC's, not 0$OTHER's")"
fresh
end "$TMP/own/$BASIC.jsonl"
hook Stop "$TMP/own/stop.json"
is "session-end reads it first, then that hook: the same owner" "$first_hook" "$(owners)"
fresh
run session-end --session "0$OTHER" --transcript "$TMP/own/$BASIC.jsonl"
is "--session of another session: the file's session still" "$first_hook" "$(owners)"
is "... and the summary is that session's" "session $BASIC" "$(head -1 "$OUT")"

finish
