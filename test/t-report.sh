#!/bin/sh
# clankers report: the real Claude Code 2.1.197 session (e2e capture "basic")
# replayed through the hooks with its transcript as it was at each hook, so
# that the database and the log are what a user has; then hand-made rows and
# log lines for what a replay cannot produce. The table output against a
# golden file; the --json shape and types; --csv; the exact usage figures by
# day, model, project and session; each filter and period form; each gap,
# produced and then found; the tables, log, tools, MCP, files and overhead
# sections on known figures; the bad command lines; a missing database, an
# empty one, a missing log folder, broken log lines; and that the report
# writes nothing.
. "$(dirname "$0")/lib.sh"

unset NO_COLOR
SID=a125bd5f-b2e1-42db-87ce-1ce0974290de
CR=$(printf '\r')
ESC=$(printf '\033')
GOLD=$FIX/report
# The session's folder: a path of a fixed length, so that the Files table,
# whose column width follows the paths, compares with the golden file.
W=$(mktemp -d /tmp/clankers-r.XXXXXX)
trap 'rm -rf "$TMP" "$W"' EXIT
T=$W/home/.claude/projects/-tmp-cc-e2e-out-basic-work/$SID.jsonl

# --json ARGS, then jq -r EXPR on it; a non-zero exit is printed, so that it
# fails the assertion.
jr() {
	e=$1
	shift
	run report --json "$@"
	[ "$RC" = 0 ] || echo "exit $RC: $(cat "$ERR")"
	jq -r "$e" "$OUT"
}
# The table output (no colour) of report ARGS in $OUT.
tbl() {
	NO_COLOR=1
	export NO_COLOR
	run report "$@"
	unset NO_COLOR
}
# The lines of $OUT from the one starting with $1 to the next blank line.
section() { awk -v h="$1" 'index($0, h) == 1 { p = 1 } p && /^$/ { exit } p' "$OUT"; }

# --- the replayed session: one template, copied for each case -------------
fresh
e2e_payloads basic "$W" "$TMP/basic"
mkdir -p "$(dirname "$T")"
for f in "$TMP"/basic/*.json; do
	name=${f##*/}
	snap=$FIX/transcripts/e2e/basic/at-hook/${name%.json}.jsonl
	[ -f "$snap" ] && sed "s#/tmp/cc-e2e/out-basic#$W#g" "$snap" >"$T"
	ev=${name#*-}
	hook "${ev%.json}" "$f"
done
TPL=$ROOT
is "replay: 28 hook events, 5 tool calls, 7 messages, the exact totals" \
	"28|5|7|5015|515|10015|15015|0.10805125" \
	"$(q "select (select count(*) from hook_events), (select count(*) from tools),
		(select count(*) from messages), input_tokens, output_tokens,
		cache_creation_input_tokens, cache_read_input_tokens, printf('%.8f', cost_usd)
		from sessions")"
# The day the hooks ran (the transcript's own times are 2026-11-24).
HDAY=$(q "select date(min(received_at) / 1000, 'unixepoch') from hook_events")

# The replay, then an event spooled for real: another process holds the
# write lock while a hook runs, so the hook spools its event.
fresh
cp -R "$TPL" "$ROOT"
hold_db "BEGIN IMMEDIATE;"
printf '{"session_id":"spool-0001","hook_event_name":"SessionStart","source":"startup"}\n' >"$TMP/spool.json"
budget=${CLANKERS_TIMEOUT_MS-}
export CLANKERS_TIMEOUT_MS=200
hook SessionStart "$TMP/spool.json"
if [ -n "$budget" ]; then CLANKERS_TIMEOUT_MS=$budget; else unset CLANKERS_TIMEOUT_MS; fi
printf 'ROLLBACK;\n' >&3
release_db
SPOOL_INV=$(log_lines | jq -r 'select(.outcome == "spooled") | .invocation')
is "spool: the hook spooled its event while the database was locked" "1|0" \
	"$(echo "$SPOOL_INV" | grep -c .)|$(q "select count(*) from hook_events where invocation = '$SPOOL_INV'")"
SPT=$ROOT
# The report leaves the last 5 seconds of the log out of its comparison with
# the database (a hook logs just after it commits): let them pass once, so
# that every case below compares the whole replay.
sleep 6

replayed() {
	fresh
	cp -R "$TPL" "$ROOT"
	LOG=$(ls "$ROOT"/clankers-*.jsonl | tail -n 1)
}
# The time of line N of the replay's log.
tm() { sed -n "${1}p" "$LOG" | jq -r .time; }
# hookline TIME LEVEL EVENT OUTCOME INVOCATION [ERROR]: a hook's log line as
# hook.c writes it, appended to the log.
hookline() {
	err=
	[ -z "${6:-}" ] || err="\"error\":{\"message\":\"$6\"},"
	printf '{"time":"%s","level":"%s","component":"hook","message":"%s %s","event":"%s","source":"claude-code","invocation":"%s","session_id":"%s","outcome":"%s",%s"duration_us":1000}\n' \
		"$1" "$2" "$3" "$4" "$3" "$5" "$SID" "$4" "$err" >>"$LOG"
}
# Drops the log lines that match an extended regex.
drop_lines() {
	for f in "$ROOT"/clankers-*.jsonl; do
		grep -E -v "$1" "$f" >"$f.tmp"
		mv "$f.tmp" "$f"
	done
}

# The table report with what changes from run to run made constant: the
# data root; the day and minutes of the hooks (not the transcript's); and
# the durations measured while it ran (Tools and clankers' own time: their
# figures are checked exactly on hand-made rows below).
norm() {
	sed -e "s#$ROOT#DATA#g" -e "s#$W#/tmp/clankers-r.XXXXXX#g" \
		-e "s#$HDAY [0-2][0-9]:[0-5][0-9]#YYYY-MM-DD hh:mm#g" -e "s#$HDAY#YYYY-MM-DD#g" "$OUT" |
	awk '/^Tools  |^clankers'\'' own time/ { t = 1; print; next }
		t && /^$/ { t = 0 }
		t { gsub(/ +/, " "); if ($0 !~ / ms/) sub(/( [0-9.,-]+)( [0-9.,-]+)( [0-9.,-]+)$/, " ~ ~ ~") }
		{ print }'
}

# --- golden: the table report of the replay --------------------------------
replayed
run report
is "table: exit 0, nothing on stderr" "0|" "$RC|$(cat "$ERR")"
norm >"$TMP/replay.txt"
if diff -u "$GOLD/replay.txt" "$TMP/replay.txt" >"$TMP/diff"; then
	pass "table: the replay's report as in test/fixtures/report/replay.txt"
else
	fail "table: the replay's report as in test/fixtures/report/replay.txt"
	sed 's/^/#   /' "$TMP/diff"
fi
ok "table: not a terminal and NO_COLOR unset: no escape code" eval '! grep -q "$ESC" "$OUT"'
tbl
ok "table: NO_COLOR: no escape code" eval '! grep -q "$ESC" "$OUT"'
if command -v script >/dev/null 2>&1 && script -qec true /dev/null >/dev/null 2>&1; then
	env -u NO_COLOR script -qec "$WRAPPER '$CLANKERS' report --section tables" /dev/null >"$TMP/tty" 2>&1
	ok "on a terminal: colour (working in green)" grep -q "${ESC}\[32mworking" "$TMP/tty"
	NO_COLOR=1 script -qec "$WRAPPER '$CLANKERS' report --section tables" /dev/null >"$TMP/tty" 2>&1
	ok "on a terminal with NO_COLOR=1: no escape code, the table is there" \
		eval '! grep -q "$ESC" "$TMP/tty" && grep -q "^sessions  *1 " "$TMP/tty"'
else
	pass "# SKIP on a terminal: no script(1)"
	pass "# SKIP on a terminal with NO_COLOR: no script(1)"
fi

# --- --json: the shape ------------------------------------------------------
run report --json
is "json: exit 0, nothing on stderr" "0|" "$RC|$(cat "$ERR")"
is "json: every top-level key, in order" \
	"shape generated_at database period filters tables gaps log usage tools mcp files overhead" \
	"$(jq -r 'keys_unsorted | join(" ")' "$OUT")"
is "json: shape 1, generated_at an ISO time, the database path, an open period, no filter" \
	"1|true|$DB|null|null|null|null|null" \
	"$(jq -r '[.shape, (.generated_at | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z$")),
		.database, .period.since, .period.until, .filters.source, .filters.project,
		.filters.session] | map(tostring) | join("|")' "$OUT")"
is "json: tables: name, rows, newest, status" \
	'{"name":"string","rows":"number","newest":"string","status":"string"}
{"name":"string","rows":"number","newest":"null","status":"string"}' \
	"$(jq -c '.tables | map(map_values(type)) | unique | sort_by(.newest) | reverse[]' "$OUT")"
is "json: gaps an array, empty" "array|0" "$(jq -r '"\(.gaps | type)|\(.gaps | length)"' "$OUT")"
is "json: log: its keys and their types" \
	'{"dir":"string","files":"number","lines":"number","unreadable_lines":"number","long_lines":"number","errors":"number","warnings":"number","first":"string","last":"string","messages":"array"}' \
	"$(jq -c '.log | map_values(type)' "$OUT")"
is "json: usage: by, rows, omitted_rows, total" \
	'{"by":"string","rows":"array","omitted_rows":"number","total":"object"}' \
	"$(jq -c '.usage | map_values(type)' "$OUT")"
is "json: usage rows: a day with priced responses, a day with tool calls only (nulls, not 0)" \
	'{"key":"string","sessions":"number","messages":"number","tool_calls":"number","input_tokens":"number","output_tokens":"number","cache_creation_input_tokens":"number","cache_read_input_tokens":"number","unpriced_responses":"number","known_cost_usd":"number","cost_usd":"number","last":"string"}
{"key":"string","sessions":"number","messages":"number","tool_calls":"number","input_tokens":"null","output_tokens":"null","cache_creation_input_tokens":"null","cache_read_input_tokens":"null","unpriced_responses":"number","known_cost_usd":"null","cost_usd":"null","last":"string"}' \
	"$(jq -c '.usage.rows[] | map_values(type)' "$OUT")"
is "json: usage total: the same fields but the key" \
	'{"sessions":"number","messages":"number","tool_calls":"number","input_tokens":"number","output_tokens":"number","cache_creation_input_tokens":"number","cache_read_input_tokens":"number","unpriced_responses":"number","known_cost_usd":"number","cost_usd":"number","last":"string"}' \
	"$(jq -c '.usage.total | map_values(type)' "$OUT")"
is "json: tools rows" \
	'{"tool":"string","calls":"number","failures":"number","running":"number","failure_rate":"number","p50_ms":"number","p95_ms":"number","max_ms":"number","denied":"number"}' \
	"$(jq -c '.tools | map(map_values(type)) | unique[]' "$OUT")"
is "json: mcp an empty array; files rows" \
	'array|0|{"path":"string","touches":"number","reads":"number","edits":"number"}' \
	"$(jq -r '"\(.mcp | type)|\(.mcp | length)|\(.files | map(map_values(type)) | unique[] | tojson)"' "$OUT")"
is "json: overhead rows" \
	'{"event":"string","runs":"number","p50_ms":"number","p95_ms":"number","max_ms":"number"}' \
	"$(jq -c '.overhead | map(map_values(type)) | unique[]' "$OUT")"
is "json: the session's rows of each table, as select count(*) says" \
	"$(for t in sessions messages tools session_errors compaction_events hook_events transcript_files; do
		echo "$t|$(q "select count(*) from $t")"; done)" \
	"$(jq -r '.tables[] | "\(.name)|\(.rows)"' "$OUT")"
is "json: status: empty for no row, working for the rest" \
	"sessions|working messages|working tools|working session_errors|empty compaction_events|working hook_events|working transcript_files|working" \
	"$(jq -r '[.tables[] | "\(.name)|\(.status)"] | join(" ")' "$OUT")"
is "json: the newest message is the transcript's last line" "2026-11-24T16:33:05.493Z" \
	"$(jq -r '.tables[] | select(.name == "messages") | .newest' "$OUT")"

# --- usage: the exact figures ----------------------------------------------
fig='[.sessions, .messages, .tool_calls, .input_tokens, .output_tokens,
	.cache_creation_input_tokens, .cache_read_input_tokens, .unpriced_responses,
	.known_cost_usd, .cost_usd] | map(tostring) | join("|")'
is "usage by day: the transcript's day and the hooks' day" \
	"2026-11-24|1|7|0|5015|515|10015|15015|0|0.10805125|0.10805125|2026-11-24T16:33:05.493Z
$HDAY|1|0|5|null|null|null|null|0|null|null" \
	"$(jr ".usage.rows[] | \"\(.key)|\($fig)\" + (if .key == \"2026-11-24\" then \"|\(.last)\" else \"\" end)")"
is "usage by day: total" "day|0|1|7|5|5015|515|10015|15015|0|0.10805125|0.10805125" \
	"$(jr "\"\(.usage.by)|\(.usage.omitted_rows)|\(.usage.total | $fig)\"")"
is "usage by model: assistant responses only, no tool calls" \
	"model|claude-opus-4-8|1|5|null|5015|515|10015|15015|0|0.10805125|0.10805125
total|1|5|null|5015|515|10015|15015|0|0.10805125|0.10805125" \
	"$(jr "(.usage.by + \"|\" + (.usage.rows[] | \"\(.key)|\($fig)\")), \"total|\(.usage.total | $fig)\"" --by model)"
is "usage by project: the folder's name" \
	"project|work|1|7|5|5015|515|10015|15015|0|0.10805125|0.10805125" \
	"$(jr ".usage.by + \"|\" + (.usage.rows[] | \"\(.key)|\($fig)\")" --by project)"
is "usage by session: the session's own columns" \
	"session|$SID|run echo|work|claude-opus-4-8|claude-code|ended|1|7|5|5015|515|10015|15015|0|0.10805125|0.10805125" \
	"$(jr ".usage.by + \"|\" + (.usage.rows[] | \"\(.key)|\(.title)|\(.project)|\(.models)|\(.source)|\(.status)|\($fig)\")" --by session)"
is "usage by session: started is the session's first time" "2026-11-24T16:33:01" \
	"$(jr '.usage.rows[0].started[0:19]' --by session)"

tbl --section usage
is "table by day: thousands separators and dollars" "Usage  by day
day         sessions  messages  tools  input  output  cache write  cache read   cost
2026-11-24         1         7      0  5,015     515       10,015      15,015  \$0.11
$HDAY         1         0      5      -       -            -           -      -
----------  --------  --------  -----  -----  ------  -----------  ----------  -----
total              1         7      5  5,015     515       10,015      15,015  \$0.11" \
	"$(section Usage)"
tbl --section usage --by model
is "table by model: no tools column" "Usage  by model
model            sessions  messages  input  output  cache write  cache read   cost
claude-opus-4-8         1         5  5,015     515       10,015      15,015  \$0.11
---------------  --------  --------  -----  ------  -----------  ----------  -----
total                   1         5  5,015     515       10,015      15,015  \$0.11" \
	"$(section Usage)"

# --- --csv ----------------------------------------------------------------
run report --csv
is "csv: usage by day: the header, the rows, CRLF" \
	"0|key,sessions,messages,tool_calls,input_tokens,output_tokens,cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,known_cost_usd,cost_usd,last$CR
2026-11-24,1,7,0,5015,515,10015,15015,0,0.10805125,0.10805125,2026-11-24T16:33:05.493Z$CR" \
	"$RC|$(sed -n 1,2p "$OUT")"
is "csv: a null is an empty cell" "$HDAY,1,0,5,,,,,0,,|${HDAY}T" \
	"$(sed -n 3p "$OUT" | cut -d, -f1-11)|$(sed -n 3p "$OUT" | cut -d, -f12 | cut -c1-11)"
is "csv: 3 lines, each ending in CRLF" "3|3" "$(wc -l <"$OUT" | tr -d ' ')|$(grep -c "$CR\$" "$OUT")"
q "update sessions set title = 'say \"hi\", then run'"
run report --csv --since 2000-01-01 --until 2000-01-02
is "csv of a period with no rows: the header alone" \
	"0|key,sessions,messages,tool_calls,input_tokens,output_tokens,cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,known_cost_usd,cost_usd,last$CR" \
	"$RC|$(cat "$OUT")"
run report --csv --by session
is "csv: a title with a comma and quotes is quoted, its quotes doubled" \
	"0|key,sessions,messages,tool_calls,input_tokens,output_tokens,cache_creation_input_tokens,cache_read_input_tokens,unpriced_responses,known_cost_usd,cost_usd,last,title,project,models,source,status,started$CR
$SID,1,7,5,5015,515,10015,15015,0,0.10805125,0.10805125,\"say \"\"hi\"\", then run\",work,claude-opus-4-8,claude-code,ended,2026-11-24T16:33:01.573Z$CR" \
	"$RC|$(sed "s/,[0-9T:.Z-]*,\"say/,\"say/" "$OUT")"
run report --csv --section tools
is "csv --section tools: that section" "0|tool,calls,failures,running,failure_rate
Bash,2,1,0,0.5
Read,2,1,0,0.5
Write,1,1,0,1" "$RC|$(tr -d '\r' <"$OUT" | cut -d, -f1-5)"
run report --csv --section tools,usage
is "csv with two sections: a usage error, nothing on stdout" \
	"64|clankers: report: --csv prints one section: name it with --section|" \
	"$RC|$(cat "$ERR")|$(cat "$OUT")"

# --- --section -------------------------------------------------------------
is "--section usage,tools: only those keys" "shape generated_at database period filters usage tools" \
	"$(jr 'keys_unsorted | join(" ")' --section usage,tools)"
tbl --section tools,usage
is "--section in a table: those headings, in the report's order" "Usage|Tools" \
	"$(grep -E '^(Tables|Gaps|Errors and warnings|Usage|Tools|MCP servers|Files most touched|clankers'"'"' own time)' "$OUT" |
		cut -d' ' -f1 | paste -s -d'|' -)"

# --- --limit ----------------------------------------------------------------
is "--limit 1 by day: one row, the other still in the total" "2026-11-24|1|7|5" \
	"$(jr '"\(.usage.rows | map(.key) | join(","))|\(.usage.omitted_rows)|\(.usage.total.messages)|\(.usage.total.tool_calls)"' --limit 1)"
tbl --section usage --limit 1
is "--limit 1 in a table: the rows left out are said" "1 more row in the total (--limit 0 shows them)" \
	"$(tail -n 1 "$OUT")"
# 21 more sessions, one prompt each: by session, 20 rows unless --limit.
q "with recursive n(i) as (select 1 union all select i + 1 from n where i < 21)
	insert into sessions (id, source, title, created_at, updated_at)
	select printf('extra-%02d', i), 'claude-code', 'extra', 1795537000000 + i, 1795537000000 + i from n;
	with recursive n(i) as (select 1 union all select i + 1 from n where i < 21)
	insert into messages (id, session_id, role, source, created_at)
	select printf('extra-msg-%02d', i), printf('extra-%02d', i), 'user', 'claude-code', 1795537000000 + i from n"
is "by session: 20 rows by default, newest first, all 22 in the total" "20|2|22|28|$SID|extra-21|extra-03" \
	"$(jr '"\(.usage.rows | length)|\(.usage.omitted_rows)|\(.usage.total.sessions)|\(.usage.total.messages)|\(.usage.rows[0].key)|\(.usage.rows[1].key)|\(.usage.rows[19].key)"' --by session)"
is "by session --limit 0: all" "22|0" "$(jr '"\(.usage.rows | length)|\(.usage.omitted_rows)"' --by session --limit 0)"
is "by session --limit 5" "5|17|22" \
	"$(jr '"\(.usage.rows | length)|\(.usage.omitted_rows)|\(.usage.total.sessions)"' --by session --limit=5)"
tbl --section usage --by session --limit 2
is "by session in a table: the id's first 8 characters, the title, the last time" \
	"Usage  by session
session   title               last              messages  tools  input  output  cache write  cache read   cost
a125bd5f  say \"hi\", then run  $HDAY hh:mm         7      5  5,015     515       10,015      15,015  \$0.11
extra-21  extra               2026-11-24 16:16         1      0      -       -            -           -      -
--------  ------------------  ----------------  --------  -----  -----  ------  -----------  ----------  -----
total                                                 28      5  5,015     515       10,015      15,015  \$0.11
20 more rows in the total (--limit 0 shows them)" \
	"$(section Usage | sed "s/$HDAY [0-9][0-9]:[0-9][0-9]/$HDAY hh:mm/")"
for v in x -1 1.5 ''; do
	run report --limit "$v"
	is "--limit '$v': a usage error" "64|clankers: report: --limit takes a number (0: all rows), not '$v'" \
		"$RC|$(cat "$ERR")"
done

# --- cells: a line break or tab in a title, a long title, a long path --------
replayed
q "update sessions set title = 'first line' || char(10) || 'then' || char(9) || 'more ' || printf('%.60c', 'x');
	update tools set file_path = '/a/long/path/' || printf('%.60c', 'z') || '/end.txt' where tool_name = 'Write'"
tbl --by session --section usage,files
is "table: a title's line break and tab escaped (as query shows them), cut at 48 columns" \
	'first line\nthen\tmore xxxxxxxxxxxxxxxxxxxxxxxx…' \
	"$(awk '/^a125bd5f/' "$OUT" | cut -c11- | sed 's/  .*//')"
is "table: a long path keeps its end, 48 columns in all" "…$(printf '%039d' 0 | tr 0 z)/end.txt" \
	"$(awk '/end\.txt/ { print $1 }' "$OUT")"
run report --csv --section files
is "csv: never cut" "/a/long/path/$(printf '%060d' 0 | tr 0 z)/end.txt,1,0,1$CR" "$(grep end.txt "$OUT")"

# --- --session, --source, --project ---------------------------------------
replayed
tot='.usage.total | "\(.sessions)|\(.messages)|\(.tool_calls)|\(.input_tokens)|\(.cost_usd)"'
ALL="1|7|5|5015|0.10805125"
NONE="0|0|0|null|null"
is "--session with a unique prefix: the session, named in full" "$SID|$ALL" \
	"$(jr "\"\(.filters.session)|\($tot)\"" --session a125)"
tbl --session a125b --section usage
is "--session in a table: the full id in the first line" "clankers report  all time  session $SID" \
	"$(head -n 1 "$OUT")"
# A second session whose id starts the same (its SessionStart through the hook).
printf '{"session_id":"a125ffff-0000-4000-8000-000000000000","transcript_path":"%s/none.jsonl","cwd":"%s/other","hook_event_name":"SessionStart","source":"startup"}\n' \
	"$W" "$W" >"$TMP/other.json"
hook SessionStart "$TMP/other.json"
run report --session a125
is "--session with an ambiguous prefix: exit 1, the candidates listed" \
	"1|clankers: report: 'a125' names several sessions:
  $SID
  a125ffff-0000-4000-8000-000000000000|" "$RC|$(cat "$ERR")|$(cat "$OUT")"
run report --session zzz
is "--session with an unknown id: exit 1" "1|clankers: report: no session 'zzz'|" "$RC|$(cat "$ERR")|$(cat "$OUT")"
is "--session a125f: the other one, its one log line" "a125ffff-0000-4000-8000-000000000000|1|1" \
	"$(jr '"\(.filters.session)|\(.log.lines)|\(.overhead[0].runs)"' --session a125f)"
# A session whose id is the first's followed by more: the full id is exact.
q "insert into sessions (id, source, created_at, updated_at) values ('$SID-fork', 'claude-code', 1, 1)"
is "--session with a full id that also starts another: that one" "$SID|$ALL" \
	"$(jr "\"\(.filters.session)|\($tot)\"" --session "$SID")"
q "delete from sessions where id = '$SID-fork'"

is "--source claude-code: the session" "claude-code|$ALL" "$(jr "\"\(.filters.source)|\($tot)\"" --source claude-code)"
is "--source opencode: nothing" "opencode|$NONE|0" \
	"$(jr "\"\(.filters.source)|\($tot)|\(.usage.rows | length)\"" --source opencode)"
tbl --source opencode --section usage
is "--source opencode in a table: the filter said, no usage" "clankers report  all time  source opencode

Usage  by day
No messages or tool calls in this period." "$(sed 2,3d "$OUT")"
is "--project by name" "work|$ALL" "$(jr "\"\(.filters.project)|\($tot)\"" --project work)"
is "--project by its folder" "$ALL" "$(jr "$tot" --project "$W/work")"
is "--project by a folder above it" "$ALL" "$(jr "$tot" --project "$W")"
is "--project by its folder with a trailing slash" "$ALL" "$(jr "$tot" --project "$W/work/")"
is "--project by a folder that only starts the same: nothing" "$NONE" "$(jr "$tot" --project "$W/wor")"
is "--project of another name: nothing" "$NONE" "$(jr "$tot" --project elsewhere)"
# The tools sections under each filter (the tool pass's own thread looks the
# sessions up): one call in the other session, in the project "other".
q "insert into tools (id, session_id, source, tool_name, status, created_at)
	values ('toolu_other', 'a125ffff-0000-4000-8000-000000000000', 'claude-code', 'OtherTool', 'ok', 1)"
tools='[.tools[] | "\(.tool) \(.calls)"] | join(",")'
is "tools by filter: all, --project work, --project other, --session a125f, --source opencode" \
	"6|5|OtherTool 1|OtherTool 1|" \
	"$(jr '[.tools[].calls] | add' --section tools)|$(jr '[.tools[].calls] | add' --section tools --project work)|$(jr "$tools" --section tools --project other)|$(jr "$tools" --section tools,files --session a125f)|$(jr "$tools" --section tools --source opencode)"
q "delete from tools where id = 'toolu_other'"
tbl --project work --section usage
is "--project in a table: the filter said" "clankers report  all time  project work" "$(head -n 1 "$OUT")"
# A filter that leaves the session out must not make its logged events look
# unsaved: their rows are in hook_events.
is "--project elsewhere: no gap invented from the other sessions' log lines" "" \
	"$(jr '.gaps[] | "\(.kind) \(.what) \(.count)"' --project elsewhere)"
is "--source opencode: no gap invented from the other sessions' log lines" "" \
	"$(jr '.gaps[] | "\(.kind) \(.what) \(.count)"' --source opencode)"

# --- --since / --until ------------------------------------------------------
tok='.usage.total | "\(.messages)|\(.tool_calls)|\(.input_tokens)"'
is "--since 2026-11-25: the hooks' day only" "2026-11-25T00:00:00.000Z|null|0|5|null" \
	"$(jr "\"\(.period.since)|\(.period.until)|\($tok)\"" --since 2026-11-25)"
is "--until 2026-11-24 takes in that whole day" "null|2026-11-25T00:00:00.000Z|7|0|5015" \
	"$(jr "\"\(.period.since)|\(.period.until)|\($tok)\"" --until 2026-11-24)"
is "--until 20261124: the same" "2026-11-25T00:00:00.000Z|7|0|5015" \
	"$(jr "\"\(.period.until)|\($tok)\"" --until 20261124)"
is "--since 20261125: the same as 2026-11-25" "2026-11-25T00:00:00.000Z|0|5|null" \
	"$(jr "\"\(.period.since)|\($tok)\"" --since 20261125)"
is "--since 2026-11-24T16:33:03: the last three responses and the last prompt" \
	"2026-11-24T16:33:03.000Z|4|5|3012" "$(jr "\"\(.period.since)|\($tok)\"" --since 2026-11-24T16:33:03)"
is "--since '2026-11-24 16:33:03': a space for the T" "4|5|3012" "$(jr "$tok" --since '2026-11-24 16:33:03')"
is "--until 2026-11-24T16:33:03Z: the first prompt and two responses" \
	"2026-11-24T16:33:03.000Z|3|0|2003" "$(jr "\"\(.period.until)|\($tok)\"" --until 2026-11-24T16:33:03Z)"
is "--since 2026-11-24T16:33 --until 2026-11-24T16:34: the messages, no tool call" \
	"2026-11-24T16:33:00.000Z|2026-11-24T16:34:00.000Z|7|0|5015" \
	"$(jr "\"\(.period.since)|\(.period.until)|\($tok)\"" --since 2026-11-24T16:33 --until=2026-11-24T16:34)"
tbl --since 2026-11-24T16:33 --until 2026-11-24T16:34 --section usage
is "a period in a table: its bounds in the first line" \
	"clankers report  2026-11-24 16:33 .. 2026-11-24 16:34 UTC" "$(head -n 1 "$OUT")"
tbl --since 2026-11-25 --section usage
is "--since only: .. now" "clankers report  2026-11-25 00:00 .. now UTC" "$(head -n 1 "$OUT")"
tbl --until 2026-11-24 --section usage
is "--until only: start .." "clankers report  start .. 2026-11-25 00:00 UTC" "$(head -n 1 "$OUT")"
is "--until 2026-11-24T16:33: the bound is not in the period" "0|0|null" \
	"$(jr "$tok" --until 2026-11-24T16:33)"
is "a period before everything: no usage row, no tool, no log line" "0|0|0|0|0|0" \
	"$(jr '"\(.usage.rows | length)|\(.usage.total.messages)|\(.usage.total.tool_calls)|\(.tools | length)|\(.log.lines)|\(.overhead | length)"' --until 2026-11-23)"
tbl --since 2026-11-23 --until 2026-11-23
is "a period before everything in a table" "Usage  by day
No messages or tool calls in this period.
Tools  durations from each call's start to its end, else the client's own
No tool calls in this period.
clankers' own time per hook  from the log's duration_us
No hook invocations in the logs of this period." \
	"$(section Usage; section Tools; section "clankers' own")"
# The same rows whatever form the bounds take (a whole day or a minute).
for by in day model project session; do
	is "by $by: --since 2026-11-24 and --since 2026-11-23T23:59 give the same usage" \
		"$(jr '.usage | tojson' --by $by --since 2026-11-24)" \
		"$(jr '.usage | tojson' --by $by --since 2026-11-23T23:59)"
done

# usage_days, which the whole-day report reads, stays the sum of the rows
# through what the hooks and the reader do to them: a row moved earlier (a
# Post stored before its Pre), a message moved to another model and day,
# rows deleted, and times before 1970.
days_vs_rows() {
	q "select session_id, day, model, messages, responses, input_tokens, output_tokens,
	    cache_creation_input_tokens, cache_read_input_tokens, priced_responses,
	    unpriced_responses, round(known_cost_usd, 9), tool_calls, last_at
	  from usage_days where messages > 0 or tool_calls > 0 order by 1, 2, 3" >"$TMP/days"
	q "with r as (
	    select session_id, created_at / 86400000 as day,
	      coalesce(model, '') as model, 1 as m, role = 'assistant' as a, input_tokens as i,
	      output_tokens as o, cache_creation_input_tokens as cw, cache_read_input_tokens as cr,
	      cost_usd is not null as p, role = 'assistant' and cost_usd is null as u,
	      coalesce(cost_usd, 0) as c, 0 as t, created_at from messages where created_at is not null
	    union all select session_id, created_at / 86400000, '',
	      0, 0, null, null, null, null, 0, 0, 0, 1, created_at from tools)
	  select session_id, day, model, sum(m), sum(a), sum(i), sum(o), sum(cw), sum(cr), sum(p),
	    sum(u), round(total(c), 9), sum(t), max(created_at) from r group by 1, 2, 3 order by 1, 2, 3" >"$TMP/rows"
	diff "$TMP/rows" "$TMP/days"
}
fresh
cp -R "$TPL" "$ROOT"
ok "usage_days equals the rows after a replay" days_vs_rows
q "update tools set created_at = created_at - 1000 where id = (select max(id) from tools);
   update messages set created_at = created_at - 86400000, model = 'claude-haiku-4-5'
     where id = (select max(id) from messages where role = 'assistant');
   delete from messages where id = (select min(id) from messages where role = 'user');
   delete from tools where id = (select min(id) from tools);
   insert into tools (id, session_id, source, tool_name, status, created_at)
     select 'old1', id, source, 'Bash', 'ok', -5 from sessions;
   insert into tools (id, session_id, source, tool_name, status, created_at)
     select 'old2', id, source, 'Bash', 'ok', -86400001 from sessions;"
ok "... and after rows moved earlier, to another model and day, deleted, before 1970" days_vs_rows
for by in day model project session; do
	is "... and both ways of reading usage still agree, by $by" \
		"$(jr '.usage | tojson' --by $by --until 2099-12-31)" \
		"$(jr '.usage | tojson' --by $by --until 2099-12-31T23:59)"
done

for v in yesterday 2026-13-01 2026-11-31x 2026-02-30 2026-11-24T25:00 2026-11-24T-1:-5 2026-11-24T10:00Q 7y -7d 12:00 ''; do
	run report --since "$v"
	is "--since '$v': a usage error that says the forms" \
		"64|clankers: report: --since '$v' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM, or an age: 30m, 12h, 7d, 2w)|" \
		"$RC|$(cat "$ERR")|$(cat "$OUT")"
done
run report --until 2026-11-24T16:61
is "--until with a bad minute: a usage error" \
	"64|clankers: report: --until '2026-11-24T16:61' is not a date (YYYY-MM-DD, YYYY-MM-DDTHH:MM, or an age: 30m, 12h, 7d, 2w)" \
	"$RC|$(cat "$ERR")"
run report --since 2026-11-25 --until 2026-11-24
is "--since after --until: a usage error" \
	"64|clankers: report: the period is empty: --since is not before --until" "$RC|$(cat "$ERR")"
run report --since
is "--since with no value: a usage error" "64|clankers: report: --since needs a value" "$RC|$(cat "$ERR")"
run report --by week
is "--by week: a usage error" "64|clankers: report: --by takes day, model, project or session, not 'week'" \
	"$RC|$(cat "$ERR")"
run report --frobnicate
is "an unknown option: a usage error that points to the help" "64|clankers: report: unknown option '--frobnicate'; see 'clankers help report'" \
	"$RC|$(cat "$ERR")"
run report --json --csv
is "--json and --csv together: a usage error" "64|clankers: report: --json and --csv: one output at a time" "$RC|$(cat "$ERR")"
run report --section tools,bogus
is "--section with a bad name: a usage error naming the sections" \
	"64|clankers: report: no section 'bogus' (sections: tables, gaps, log, usage, tools, mcp, files, overhead)|" \
	"$RC|$(cat "$ERR")|$(cat "$OUT")"
run report --section ,
is "--section with no name: a usage error that says so" "64|yes" \
	"$RC|$(grep -q 'section' "$ERR" && echo yes || echo "no message: '$(cat "$ERR")'")"

# --- gaps: each produced, then found ---------------------------------------
replayed
run report --json
is "gaps: none on the clean replay" "0|[]" "$RC|$(jq -c .gaps "$OUT")"
tbl --section gaps
is "gaps: none in a table" "Gaps
No gaps: no session misses a field, every response has a price, and every
hook invocation of the logs' period is both saved and logged." "$(section Gaps)"
# A session that only ever sent a bare SessionStart: no title, model,
# project path or transcript.
printf '{"session_id":"bare-0001","hook_event_name":"SessionStart","source":"startup"}\n' >"$TMP/bare.json"
hook SessionStart "$TMP/bare.json"
# An OpenCode session with nothing known yet.
q "insert into sessions (id, source, created_at, updated_at) values ('oc-0001', 'opencode', 1795537990000, 1795537990000)"
# A response of a model with no price.
FOO_AT=$(q "select strftime('%s', '2026-11-24 16:40:00') * 1000")
q "insert into messages (id, session_id, role, model, source, input_tokens, output_tokens, cost_usd, created_at)
	values ('msg_foo', '$SID', 'assistant', 'foo-1', 'claude-code', 10, 20, NULL, $FOO_AT)"
# A tool call whose PostToolUse never came, then the session ended again.
sed 's/toolu_mocka667ddac000001/toolu_left_running/' "$TMP"/basic/1795537982201604331-PreToolUse.json >"$TMP/pre.json"
hook PreToolUse "$TMP/pre.json"
hook SessionEnd "$TMP"/basic/1795537986165109738-SessionEnd.json
# Not logged: the Stop hook's log line is gone. Not saved: the PostCompact
# hook's row is gone; a hook logged one event lost and one spooled.
STOP_INV=$(q "select invocation from hook_events where event = 'Stop'")
COMPACT_INV=$(q "select invocation from hook_events where event = 'PostCompact'")
drop_lines '"event":"Stop"'
q "delete from hook_events where event = 'PostCompact'"
hookline "$(tm 10)" error PreToolUse lost 0123456789abcdef0123456789abcdef "database is locked; spool: Permission denied"
hookline "$(tm 12)" warn PostToolUse spooled fedcba9876543210fedcba9876543210 "database is locked"
run report --json
# The sessions' gaps by field, then by source (the order of the first report).
is "gaps: each one, by kind, what, count and items" \
	"not_saved|claude-code model|1|bare-0001
not_saved|opencode model|1|oc-0001
not_saved|claude-code project_path|1|bare-0001
not_saved|opencode project_path|1|oc-0001
not_saved|claude-code title|1|bare-0001
not_saved|opencode title|1|oc-0001
not_saved|claude-code tokens|1|bare-0001
not_saved|opencode tokens|1|oc-0001
not_saved|price|1|foo-1
running|tool|1|toolu_left_running (Bash)
not_logged|hook_event|1|$STOP_INV Stop $SID
not_saved|lost|1|0123456789abcdef0123456789abcdef PreToolUse
not_saved|spooled|1|fedcba9876543210fedcba9876543210 PostToolUse
not_saved|hook_event|1|$COMPACT_INV PostCompact" \
	"$(jq -r '.gaps[] | "\(.kind)|\(.what)|\(.count)|\(.items | join(","))"' "$OUT")"
is "gaps: each has a detail" "14" "$(jq '[.gaps[] | select(.detail | type == "string" and length > 10)] | length' "$OUT")"
tbl --section gaps
is "gaps in a table: a line each, and its items" "Gaps
Not saved        1  claude-code model: sessions with no model
                    bare-0001
Not saved        1  opencode model: sessions with no model
                    oc-0001
Not saved        1  claude-code project_path: sessions with no project path
                    bare-0001
Not saved        1  opencode project_path: sessions with no project path
                    oc-0001
Not saved        1  claude-code title: sessions with no title
                    bare-0001
Not saved        1  opencode title: sessions with no title
                    oc-0001
Not saved        1  claude-code tokens: sessions with no token totals (transcript not read)
                    bare-0001
Not saved        1  opencode tokens: sessions with no token totals (transcript not read)
                    oc-0001
Not saved        1  price: responses of a model with no price: their cost is unknown
                    foo-1
Running          1  tool: tool calls still running 10 minutes after their session moved on
                    toolu_left_running (Bash)
Not logged       1  hook_event: hook invocations stored in the database with no log line
                    $STOP_INV Stop a125bd5f-b2e1-42db-87ce-1ce0974…
Not saved        1  lost: hook invocations logged as lost: neither stored nor spooled
                    0123456789abcdef0123456789abcdef PreToolUse
Not saved        1  spooled: hook invocations spooled and not yet taken into the database (the next hook that can write takes them in)
                    fedcba9876543210fedcba9876543210 PostToolUse
Not saved        1  hook_event: hook invocations logged as stored with no row in hook_events
                    $COMPACT_INV PostCompact" "$(section Gaps)"
is "gaps --session: only that session's" "not_saved price|running tool|not_logged hook_event|not_saved lost|not_saved spooled|not_saved hook_event" \
	"$(jr '[.gaps[] | "\(.kind) \(.what)"] | join("|")' --session "$SID")"
is "gaps --source opencode: its sessions' fields" "opencode model|opencode project_path|opencode title|opencode tokens" \
	"$(jr '[.gaps[] | select(.kind != "not_saved" or (.what | test("^(opencode|claude-code) "))) | .what] | join("|")' --source opencode)"

run report --csv --section gaps
is "gaps in csv: a row each, the items space-separated" "0|kind,what,detail,count,items$CR
not_saved,claude-code model,sessions with no model,1,bare-0001$CR" "$RC|$(sed -n 1,2p "$OUT")"

# A model with no price: its cost is unknown, never $0.
is "no price: by model, foo-1's cost is null, the total's too, the priced part known" \
	"claude-opus-4-8|5|0|0.10805125|0.10805125
foo-1|1|1|null|null
total|6|1|0.10805125|null" \
	"$(jr '(.usage.rows[], (.usage.total | .key = "total")) | "\(.key)|\(.messages)|\(.unpriced_responses)|\(.known_cost_usd)|\(.cost_usd)"' --by model)"
tbl --section usage --by model
is "no price in a table: unknown, and +? on the total, with a note" "Usage  by model
model            sessions  messages  input  output  cache write  cache read     cost
claude-opus-4-8         1         5  5,015     515       10,015      15,015    \$0.11
foo-1                   1         1     10      20            -           -  unknown
---------------  --------  --------  -----  ------  -----------  ----------  -------
total                   1         6  5,025     535       10,015      15,015  \$0.11+?
+? and unknown: some responses have a model with no price (see Gaps); the cost shown is that of the priced ones" \
	"$(section Usage)"
is "no price: by day and by session, the cost is null, never 0" "2026-11-24|null|0.10805125|1
$SID|null|0.10805125|1" \
	"$(jr '.usage.rows[0] | "\(.key)|\(.cost_usd)|\(.known_cost_usd)|\(.unpriced_responses)"' --by day;
	   jr '.usage.rows[] | select(.key == "'"$SID"'") | "\(.key)|\(.cost_usd)|\(.known_cost_usd)|\(.unpriced_responses)"' --by session)"
tbl --section usage --by day
is "no price by day in a table: the priced part and +?" "2026-11-24|\$0.11+?" \
	"$(awk '$1 == "2026-11-24" { print $1 "|" $NF }' "$OUT")"
ok "no price: no \$0.00 anywhere in the report" eval 'tbl; ! grep -q "\$0\.00" "$OUT"'

# --- tables: status --------------------------------------------------------
replayed
# A payload that is not JSON: the hook logs an error line (component hook).
printf 'not json\n' >"$TMP/bad.json"
hook Stop "$TMP/bad.json"
is "tables: an error line of the hook: its tables are errors, the transcript's are not" \
	"sessions|errors messages|working tools|errors session_errors|empty compaction_events|errors hook_events|errors transcript_files|working" \
	"$(jr '[.tables[] | "\(.name)|\(.status)"] | join(" ")' --section tables)"
tbl --section tables
is "tables in a table: the status column" "errors|working|errors|empty|errors|errors|working" \
	"$(awk 'NR > 6 { print $NF }' "$OUT" | paste -s -d'|' -)"
# A transcript that cannot be read: session-end logs an error line.
run session-end --session "$SID" --transcript "$TMP/nosuch.jsonl"
is "tables: a transcript error line: messages and transcript_files are errors" \
	"messages|errors transcript_files|errors" \
	"$(jr '[.tables[] | select(.name | test("messages|transcript")) | "\(.name)|\(.status)"] | join(" ")' --section tables)"
is "tables: a period with no error line: working again" \
	"sessions|working messages|working tools|working session_errors|empty compaction_events|working hook_events|working transcript_files|working" \
	"$(jr '[.tables[] | "\(.name)|\(.status)"] | join(" ")' --section tables --until "$(tm 28 | cut -c1-16)")"

# --- log: warn and error lines, counted by message, newest first ----------
replayed
hookline "$(tm 12)" warn PostToolUse spooled fedcba9876543210fedcba9876543210 "database is locked"
hook Stop "$TMP/bad.json"
hook Stop "$TMP/bad.json"
sleep 0.01  # a later millisecond for the next line
run session-end --session "$SID" --transcript "$TMP/nosuch.jsonl"
run report --json --section log
is "log: lines, errors, warnings, no unreadable line" "1|32|3|1|0" \
	"$(jq -r '.log | "\(.files)|\(.lines)|\(.errors)|\(.warnings)|\(.unreadable_lines)"' "$OUT")"
is "log: first and last are the first and last lines' times" "$(tm 1)|$(sed -n '$p' "$LOG" | jq -r .time)" \
	"$(jq -r '.log | "\(.first)|\(.last)"' "$OUT")"
is "log: by message, newest first, with the error text and the count" \
	"error|session-end|transcript not read|1|$(sed -n '$p' "$LOG" | jq -r .time)
error|hook|Stop rejected|malformed JSON|2|$(sed -n '31p' "$LOG" | jq -r .time)
warn|hook|PostToolUse spooled|database is locked|1|$(tm 12)" \
	"$(jq -r '.log.messages[] | [.level, .component, .message, .error, .count, .last] | map(select(. != null) | tostring) | join("|")' "$OUT" |
		sed 's/^\(error|session-end|transcript not read\)|[^|]*|/\1|/')"
is "log: the session-end error says why" "true" \
	"$(jq '.log.messages[0].error | test("nosuch.jsonl")' "$OUT")"
tbl --section log
is "log in a table: the counts, a row per message" \
	"Errors and warnings  3 errors, 1 warning in 32 lines of 1 log file
count  level  last              component    message
    1  error  D hh:mm  session-end  transcript not read: X
    2  error  D hh:mm  hook         Stop rejected: malformed JSON
    1  warn   D hh:mm  hook         PostToolUse spooled: database is locked" \
	"$(section Errors | sed -E 's/[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}/D hh:mm/; s/(transcript not read: ).*/\1X/')"
is "log --since after the spooled line: only the newer messages" "session-end|hook" \
	"$(jr '[.log.messages[].component] | join("|")' --section log --since "$(tm 12 | jq -Rr 'sub("\\.[0-9]+Z$"; "Z") | fromdate + 1 | todate')")"
is "log --session: that session's lines only (a payload that is not JSON names none)" \
	"$(grep -c "\"session_id\":\"$SID\"" "$LOG")|$(grep "\"session_id\":\"$SID\"" "$LOG" | grep -c '"level":"error"')" \
	"$(jr '"\(.log.lines)|\(.log.errors)"' --section log --session a125)"

# --- log: memory bounded, whatever a line holds ----------------------------
replayed
n0=$(wc -l <"$LOG" | tr -d ' ')
{
	printf '{"time":"%s","level":"warn","component":"hook","message":"' "$(tm 2)"
	head -c 41943040 /dev/zero | tr '\0' x
	printf '"}\n'
	printf '{"time":"%s","level":"warn","component":"hook","message":"' "$(tm 3)"
	head -c 1048576 /dev/zero | tr '\0' y
	printf '"}\n'
} >>"$LOG"
hookline "$(tm 12)" warn PostToolUse spooled fedcba9876543210fedcba9876543210 "database is locked"
run report --json --section log
is "a 40 MB log line: skipped unread and counted; the lines around it read" "0|$((n0 + 2))|1|2" \
	"$RC|$(jq -r '.log | "\(.lines)|\(.long_lines)|\(.warnings)"' "$OUT")"
is "a 1 MB message: counted, its text kept to 4 KiB" "4096|true" \
	"$(jq -r '.log.messages[] | select(.message | startswith("yyy")) | "\(.message | utf8bytelength)|\(.message | endswith("…"))"' "$OUT")"
tbl --section log
ok "in a table: the report says the line was skipped" grep -q "^1 log line over 4 MiB skipped, not read$" "$OUT"
if [ -n "$WRAPPER" ]; then
	echo "# skip: peak memory of report under valgrind (valgrind's own memory, not ours)"
else
	peak report --section log
	with=$PEAK
	drop_lines xxxxxxxxxx
	peak report --section log
	is "peak memory with the 40 MB line within 16 MiB of that without it (it held the line: 250 MB)" \
		"0|yes" "$RC|$([ $((with - PEAK)) -lt 16384 ] && echo yes || echo "no: $PEAK KiB, then $with KiB")"
fi

# --- tools, MCP and files on known durations -------------------------------
# An empty database: the schema of a real one (made by a hook), every row gone.
fresh
printf '{"session_id":"seed","hook_event_name":"SessionStart","source":"startup"}\n' >"$TMP/seed.json"
hook SessionStart "$TMP/seed.json"
for t in $(q "select name from sqlite_master where type = 'table' and name not like 'sqlite%'"); do
	q "delete from $t"
done
rm -f "$ROOT"/clankers-*.jsonl
EMPTY=$ROOT
emptied() {
	fresh
	cp -R "$EMPTY" "$ROOT"
}
T0=1767225600000  # 2026-01-01T00:00:00Z

emptied
q "insert into sessions (id, source, title, project_path, project_name, model, status, created_at, updated_at)
	values ('s-tools', 'claude-code', 'tools', '/p/tools', 'tools', 'claude-opus-4-8', 'active', $T0, $T0);
	-- 100 calls of 1 to 100 ms in a shuffled order (the client's own
	-- figure), every tenth failed
	with recursive n(i) as (select 1 union all select i + 1 from n where i < 100)
	insert into tools (id, session_id, source, tool_name, status, reported_duration_ms, created_at)
	select 'grep-' || i, 's-tools', 'claude-code', 'Grep', case when i % 10 = 0 then 'error' else 'ok' end,
		i * 37 % 100 + 1, $T0 + i from n;
	-- 10, 20 and 30 ms from PreToolUse to PostToolUse, which beat the client's figure
	insert into tools (id, session_id, source, tool_name, status, started_at, ended_at, reported_duration_ms, created_at) values
		('glob-1', 's-tools', 'claude-code', 'Glob', 'ok', $T0 + 1000, $T0 + 1010, 999, $T0 + 1000),
		('glob-2', 's-tools', 'claude-code', 'Glob', 'ok', $T0 + 2000, $T0 + 2030, 999, $T0 + 2000),
		('glob-3', 's-tools', 'claude-code', 'Glob', 'ok', $T0 + 3000, $T0 + 3020, 999, $T0 + 3000);
	insert into tools (id, session_id, source, tool_name, status, started_at, created_at) values
		('task-1', 's-tools', 'claude-code', 'Task', 'running', $T0 + 4000, $T0 + 4000);
	insert into tools (id, session_id, source, tool_name, status, reported_duration_ms, created_at) values
		('mcp-1', 's-tools', 'claude-code', 'mcp__github__get_issue', 'ok', 5, $T0 + 5000),
		('mcp-2', 's-tools', 'claude-code', 'mcp__github__list', 'error', 15, $T0 + 5001),
		('mcp-3', 's-tools', 'claude-code', 'mcp__linear__search', 'ok', 7, $T0 + 5002)"
run report --json --section tools,mcp
is "tools: calls, failures, running, rate and nearest-rank percentiles" \
	"Grep|100|10|0|0.1|50|95|100
Glob|3|0|0|0|20|30|30
Task|1|0|1|0|null|null|null
mcp__github__get_issue|1|0|0|0|5|5|5
mcp__github__list|1|1|0|1|15|15|15
mcp__linear__search|1|0|0|0|7|7|7" \
	"$(jq -r '.tools[] | [.tool, .calls, .failures, .running, .failure_rate, .p50_ms, .p95_ms, .max_ms] | map(tostring) | join("|")' "$OUT")"
is "mcp: by server" "github|2|1|0|0.5|5|15|15
linear|1|0|0|0|7|7|7" \
	"$(jq -r '.mcp[] | [.server, .calls, .failures, .running, .failure_rate, .p50_ms, .p95_ms, .max_ms] | map(tostring) | join("|")' "$OUT")"
q "insert into tools (id, session_id, source, tool_name, status, started_at, ended_at,
		reported_duration_ms, created_at) values
	('clock-1', 's-tools', 'claude-code', NULL, 'ok', $T0 + 6000, $T0 + 5990, 999, $T0 + 6000)"
run report --json --section tools
is "a tool with no name, its PostToolUse stamped before its PreToolUse: (unknown), 0 ms" \
	"(unknown)|1|0|0|0" \
	"$(jq -r '.tools[] | select(.tool == "(unknown)") | [.tool, .calls, .p50_ms, .p95_ms, .max_ms] | map(tostring) | join("|")' "$OUT")"
q "update tools set tool_name = 'Far', started_at = -9000000000000000000,
	ended_at = 9000000000000000000 where id = 'clock-1'"
run report --json --section tools
is "a call from -9e18 to 9e18 ms: the largest duration there is, no overflow" "0|Far|true" \
	"$RC|$(jq -r '.tools[] | select(.tool == "Far") | "\(.tool)|\(.max_ms >= 9.2e18)"' "$OUT")"
q "delete from tools where id = 'clock-1'"
tbl --section tools,mcp
is "tools and mcp in a table" "Tools  durations from each call's start to its end, else the client's own
tool                    calls  failed  failed %  p50 ms  p95 ms  max ms
Grep                      100      10     10.0%      50      95     100
Glob                        3       0      0.0%      20      30      30
Task                        1       0      0.0%       -       -       -
mcp__github__get_issue      1       0      0.0%       5       5       5
mcp__github__list           1       1    100.0%      15      15      15
mcp__linear__search         1       0      0.0%       7       7       7

MCP servers
MCP server  calls  failed  failed %  p50 ms  p95 ms  max ms
github          2       1     50.0%       5      15      15
linear          1       0      0.0%       7       7       7" "$(sed 1,3d "$OUT" | sed 1d)"
is "tools --since: only the calls of the period" "Glob|3 Task|1 mcp__github__get_issue|1 mcp__github__list|1 mcp__linear__search|1" \
	"$(jr '[.tools[] | "\(.tool)|\(.calls)"] | join(" ")' --section tools --since 2026-01-01T00:00:01)"

emptied
q "insert into sessions (id, source, title, project_path, project_name, created_at, updated_at)
	values ('s-files', 'claude-code', 'files', '/p', 'p', $T0, $T0);
	insert into tools (id, session_id, source, tool_name, status, file_path, created_at) values
		('f1', 's-files', 'claude-code', 'Read', 'ok', '/p/a.c', $T0 + 1),
		('f2', 's-files', 'claude-code', 'Read', 'ok', '/p/a.c', $T0 + 2),
		('f3', 's-files', 'claude-code', 'Edit', 'ok', '/p/a.c', $T0 + 3),
		('f4', 's-files', 'claude-code', 'Edit', 'error', '/p/a.c', $T0 + 4),
		('f5', 's-files', 'claude-code', 'Grep', 'ok', '/p/a.c', $T0 + 5),
		('f6', 's-files', 'claude-code', 'Write', 'ok', '/p/b.c', $T0 + 6),
		('f7', 's-files', 'claude-code', 'MultiEdit', 'ok', '/p/b.c', $T0 + 7),
		('f8', 's-files', 'claude-code', 'NotebookEdit', 'ok', '/p/c.ipynb', $T0 + 8),
		('f9', 's-files', 'claude-code', 'Bash', 'ok', NULL, $T0 + 9);
	with recursive n(i) as (select 1 union all select i + 1 from n where i < 9)
	insert into tools (id, session_id, source, tool_name, status, file_path, created_at)
	select 'g' || i, 's-files', 'claude-code', 'Read', 'ok', '/p/d' || i || '.c', $T0 + 10 + i from n"
is "files: the ten most touched, reads and edits" "/p/a.c|5|3|2
/p/b.c|2|0|2
/p/c.ipynb|1|0|1
/p/d1.c|1|1|0
/p/d2.c|1|1|0
/p/d3.c|1|1|0
/p/d4.c|1|1|0
/p/d5.c|1|1|0
/p/d6.c|1|1|0
/p/d7.c|1|1|0" "$(jr '.files[] | "\(.path)|\(.touches)|\(.reads)|\(.edits)"' --section files)"
tbl --section files
is "files in a table" "Files most touched
path        touches  reads  edits
/p/a.c            5      3      2
/p/b.c            2      0      2
/p/c.ipynb        1      0      1
/p/d1.c           1      1      0
/p/d2.c           1      1      0
/p/d3.c           1      1      0
/p/d4.c           1      1      0
/p/d5.c           1      1      0
/p/d6.c           1      1      0
/p/d7.c           1      1      0" "$(section Files)"

# --- overhead: clankers' own time, from the log's duration_us --------------
emptied
LOG=$ROOT/clankers-2026-01-01.jsonl
i=1
while [ $i -le 100 ]; do  # Stop: 1 to 100 ms, shuffled
	printf '{"time":"2026-01-01T00:%02d:%02d.000Z","level":"info","component":"hook","message":"Stop stored","event":"Stop","source":"claude-code","invocation":"%032x","session_id":"s-o","outcome":"stored","duration_us":%d}\n' \
		$((i / 60)) $((i % 60)) $i $(((i * 37 % 100 + 1) * 1000))
	i=$((i + 1))
done >"$LOG"
for d in 1500 2500 10000; do  # PreToolUse: 1.5, 2.5 and 10 ms
	i=$((i + 1))
	printf '{"time":"2026-01-01T00:05:%02d.000Z","level":"info","component":"hook","message":"PreToolUse stored","event":"PreToolUse","source":"claude-code","invocation":"%032x","session_id":"s-o","outcome":"stored","duration_us":%d}\n' \
		$((i % 60)) $i $d
done >>"$LOG"
# Not a hook invocation: not in the overhead.
printf '{"time":"2026-01-01T00:06:00.000Z","level":"info","component":"session-end","message":"transcript read","duration_us":999999999}\n' >>"$LOG"
run report --json --section overhead
is "overhead: --section overhead makes only that section" "shape generated_at database period filters overhead" \
	"$(jq -r 'keys_unsorted | join(" ")' "$OUT")"
is "overhead: runs, p50, p95 and max by event, most runs first, then all" "Stop|100|50|95|100
PreToolUse|3|2.5|10|10
(all)|103|49|95|100" \
	"$(jq -r '.overhead[] | [.event, .runs, .p50_ms, .p95_ms, .max_ms] | map(tostring) | join("|")' "$OUT")"
tbl --section overhead
is "overhead in a table: ms to a tenth" "clankers' own time per hook  from the log's duration_us
event       runs  p50 ms  p95 ms  max ms
Stop         100    50.0    95.0   100.0
PreToolUse     3     2.5    10.0    10.0
(all)        103    49.0    95.0   100.0" "$(section "clankers' own")"
is "overhead --since: the period's lines" "PreToolUse|3 (all)|3" \
	"$(jr '[.overhead[] | "\(.event)|\(.runs)"] | join(" ")' --section overhead --since 2026-01-01T00:05)"
cp "$LOG" "$LOG.bak"
is "log files: only clankers-YYYY-MM-DD.jsonl, and only those of the period" "1|104
0|0" "$(jr '"\(.log.files)|\(.log.lines)"' --section log; jr '"\(.log.files)|\(.log.lines)"' --section log --since 2026-01-02)"
replayed
is "overhead on the replay: runs per event are its log lines" \
	"$(log_lines | jq -r 'select(.component == "hook") | .event' | sort | uniq -c | awk '{ print $2 "|" $1 }'; echo "(all)|28")" \
	"$(jr '.overhead[] | "\(.event)|\(.runs)"' --section overhead | sort -t'|' -k1,1 | grep -v '^(all)'; echo "(all)|$(jr '.overhead[] | select(.event == "(all)") | .runs' --section overhead)")"

# --- a real spooled event: Not saved until a hook takes it in -------------------
fresh
cp -R "$SPT" "$ROOT"
is "spooled: Not saved, until the next hook takes it in" "not_saved|spooled|1|$SPOOL_INV SessionStart" \
	"$(jr '.gaps[] | "\(.kind)|\(.what)|\(.count)|\(.items | join(","))"' --section gaps)"
is "spooled: its warn line in the log" "warn|SessionStart spooled|1" \
	"$(jr '.log.messages[] | "\(.level)|\(.message)|\(.count)"' --section log)"
hook SessionStart "$TMP/bare.json"
is "spooled, then taken in by the next hook: no gap" "1|" \
	"$(q "select spooled from hook_events where invocation = '$SPOOL_INV'")|$(jr '.gaps[] | select(.kind != "not_saved" or (.what | test(" ") | not)) | .what' --section gaps)"

# --- a transcript line that cannot be read ---------------------------------------
replayed
echo '{"type":"assistant","message":' >>"$T"
run session-end --session "$SID"
is "unreadable transcript line: read and counted" "0|1" "$RC|$(q "select bad_lines from transcript_files")"
is "unreadable transcript line: a gap of the session" \
	"not_saved|claude-code transcript_lines|sessions with transcript lines that could not be read|1|$SID" \
	"$(jr '.gaps[] | "\(.kind)|\(.what)|\(.detail)|\(.count)|\(.items | join(","))"' --section gaps)"
# Both lines come from one process, often within one millisecond: their
# order is the clock's, so they are compared sorted (order: the test above).
is "unreadable transcript line: the reader's warn lines in the log" \
	"warn|session-end|transcript read|1
warn|transcript|$T: line 31 is not a JSON object: skipped|1" \
	"$(jr '.log.messages[] | "\(.level)|\(.component)|\(.message)|\(.count)"' --section log | LC_ALL=C sort)"
run session-end --session "$SID" --full
is "unreadable transcript line, the file read again in full: a gap of the session" \
	"not_saved|claude-code transcript_lines|1|$SID" \
	"$(jr '.gaps[] | "\(.kind)|\(.what)|\(.count)|\(.items | join(","))"' --section gaps)"
# The transcript as it was, for the cases below.
sed "s#/tmp/cc-e2e/out-basic#$W#g" "$FIX/transcripts/e2e/basic/at-hook/1795537986165109738-SessionEnd.jsonl" >"$T"

# --- more gaps than a table shows; running in a session that moved on -------
emptied
q "with recursive n(i) as (select 1 union all select i + 1 from n where i < 12)
	insert into sessions (id, source, title, project_path, model, input_tokens, output_tokens, created_at, updated_at)
	select printf('untitled-%02d', i), 'claude-code', NULL, '/p', 'm', 1, 1, $T0 + i, $T0 + i from n"
run report --json --section gaps
is "gaps: all 12 counted, the 10 newest listed" "claude-code title|12|10|untitled-12|untitled-03" \
	"$(jq -r '.gaps[] | "\(.what)|\(.count)|\(.items | length)|\(.items[0])|\(.items[9])"' "$OUT")"
tbl --section gaps
is "gaps in a table: 3 items and how many more" "Gaps
Not saved       12  claude-code title: sessions with no title
                    untitled-12
                    untitled-11
                    untitled-10
                    and 9 more (--json lists 10)" "$(section Gaps)"

emptied
q "insert into sessions (id, source, title, project_path, model, input_tokens, output_tokens, status, created_at, updated_at) values
		('s-run', 'claude-code', 't', '/p', 'm', 1, 1, 'active', $T0, $T0 + 660000),
		('s-end', 'claude-code', 't', '/p', 'm', 1, 1, 'ended', $T0, $T0 + 6000);
	insert into tools (id, session_id, source, tool_name, status, started_at, created_at) values
		('r1', 's-run', 'claude-code', 'Bash', 'running', $T0, $T0),
		('r2', 's-run', 'claude-code', 'Bash', 'running', $T0 + 120000, $T0 + 120000),
		('r3', 's-end', 'claude-code', 'Read', 'running', $T0 + 5000, $T0 + 5000)"
is "running: in an ended session, or 10 minutes behind its session; not 9" "running|tool|2|r3 (Read),r1 (Bash)" \
	"$(jr '.gaps[] | "\(.kind)|\(.what)|\(.count)|\(.items | join(","))"' --section gaps)"

# --- dollars and thousands ----------------------------------------------------
emptied
q "insert into sessions (id, source, title, created_at, updated_at) values ('s-cost', 'claude-code', 'c', $T0, $T0);
	insert into messages (id, session_id, role, model, source, input_tokens, output_tokens, cost_usd, created_at) values
		('c1', 's-cost', 'assistant', 'm-small', 'claude-code', 1234567, 1, 0.004, $T0 + 1),
		('c2', 's-cost', 'assistant', 'm-big', 'claude-code', 1000, 1, 1234.567, $T0 + 2),
		('c3', 's-cost', 'assistant', 'm-round', 'claude-code', 10, 1, 0.999, $T0 + 3)"
tbl --section usage --by model
is "dollars: under a cent, thousands, rounding up to a dollar" "Usage  by model
model    sessions  messages      input  output  cache write  cache read       cost
m-small         1         1  1,234,567       1            -           -     <\$0.01
m-big           1         1      1,000       1            -           -  \$1,234.57
m-round         1         1         10       1            -           -      \$1.00
-------  --------  --------  ---------  ------  -----------  ----------  ---------
total           1         3  1,235,577       3            -           -  \$1,235.57" "$(section Usage)"
is "a session with no project: (none) by project" "(none)|3" \
	"$(jr '.usage.rows[] | "\(.key)|\(.messages)"' --section usage --by project)"

# --- more log messages than a table shows -------------------------------------
replayed
i=1
while [ $i -le 22 ]; do
	printf '{"time":"%s","level":"warn","component":"price","message":"warning %02d"}\n' "$(tm $i)" $i >>"$LOG"
	i=$((i + 1))
done
is "log: every message in json, newest first" "22|warning 22|warning 01" \
	"$(jr '"\(.log.messages | length)|\(.log.messages[0].message)|\(.log.messages[21].message)"' --section log)"
tbl --section log
is "log in a table: 20 messages and how many more" "20|warning 03|and 2 more messages (--json lists them all)" \
	"$(section Errors | awk 'NR > 2 && / warn /' | wc -l | tr -d ' ')|$(section Errors | sed -n 22p | sed 's/.*  //')|$(tail -n 1 "$OUT")"

# --- ages: 30m, 12h, 7d, 2w back from now ------------------------------------
emptied
NOW=$(($(date +%s) * 1000))
M=60000 H=3600000 D=86400000
q "insert into sessions (id, source, title, created_at, updated_at)
	values ('s-ages', 'claude-code', 'ages', $((NOW - 30 * D)), $NOW);
	insert into messages (id, session_id, role, source, input_tokens, created_at) values
		('a1', 's-ages', 'user', 'claude-code', 1, $((NOW - 20 * M))),
		('a2', 's-ages', 'user', 'claude-code', 10, $((NOW - 11 * H))),
		('a3', 's-ages', 'user', 'claude-code', 100, $((NOW - 6 * D))),
		('a4', 's-ages', 'user', 'claude-code', 1000, $((NOW - 13 * D))),
		('a5', 's-ages', 'user', 'claude-code', 10000, $((NOW - 30 * D)))"
for a in 30m:1 12h:11 7d:111 2w:1111; do
	is "--since ${a%:*}: the rows of the last ${a%:*}" "${a#*:}" "$(jr .usage.total.input_tokens --since "${a%:*}")"
done
is "--until 7d: the rows before" "11000" "$(jr .usage.total.input_tokens --until 7d)"
is "--since 2w --until 12h" "1100" "$(jr .usage.total.input_tokens --since 2w --until 12h)"
is "--since 0m: nothing" "null" "$(jr .usage.total.input_tokens --since 0m)"

# --- many sessions: every group, against SQL --------------------------------
# 3,000 sessions with long ids (the session map's keys fill several of its
# blocks and the map grows many times), each with messages on two days and
# a tool call: by session and by project a session is in one group; by day
# and by model it is in several, and counted once in each. All time reads
# usage_days; a period that is not whole days reads the rows themselves.
emptied
D=86400000 T0=$(q "select strftime('%s', '2026-11-01') * 1000")
q "WITH RECURSIVE n(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM n WHERE v < 3000)
	INSERT INTO sessions (id, source, project_name, created_at, updated_at)
	  SELECT printf('many-%04d-%s', v, hex(zeroblob(20))), 'claude-code', 'p' || (v % 7),
	    $T0 + v, $T0 + v FROM n;
	INSERT INTO messages (id, session_id, role, model, source, input_tokens, cost_usd, created_at)
	  SELECT 'm1-' || rowid, id, 'assistant', CASE WHEN rowid % 3 THEN 'a' ELSE 'b' END,
	    'claude-code', rowid, 0.5, created_at FROM sessions;
	INSERT INTO messages (id, session_id, role, model, source, input_tokens, cost_usd, created_at)
	  SELECT 'm2-' || rowid, id, 'assistant', 'a', 'claude-code', 2 * rowid, 0.25,
	    created_at + (rowid % 4) * $D FROM sessions;
	INSERT INTO tools (id, session_id, source, tool_name, status, created_at)
	  SELECT 't-' || rowid, id, 'claude-code', 'Bash', 'ok', created_at + $D FROM sessions"
by_sql() {  # KEY [WHERE]: key|sessions|messages|input_tokens per group, by SQL
	q "SELECT $1 AS k, count(DISTINCT x.session_id), sum(n), sum(i) FROM (
	    SELECT session_id, 1 AS n, input_tokens AS i, created_at AS t, model FROM messages
	    UNION ALL SELECT session_id, 0, NULL, created_at, NULL FROM tools) x
	  JOIN sessions s ON s.id = x.session_id WHERE ${2:-true} GROUP BY k ORDER BY k" | sed 's/|$/|null/'
}
by_report() {
	jr '.usage.rows[] | "\(.key)|\(.sessions)|\(.messages)|\(.input_tokens)"' --section usage --limit 0 "$@" |
		LC_ALL=C sort
}
for period in "" "--until 2099-12-31T23:59"; do
	is "3,000 sessions by session${period:+ $period}: each its own row, as SQL counts it" \
		"$(by_sql s.id | LC_ALL=C sort)" "$(by_report --by session $period)"
	is "3,000 sessions by project${period:+ $period}: as SQL counts it" \
		"$(by_sql s.project_name | LC_ALL=C sort)" "$(by_report --by project $period)"
	is "3,000 sessions by day${period:+ $period}: each session once a day, as SQL counts it" \
		"$(by_sql "date(x.t / 1000, 'unixepoch')" | LC_ALL=C sort)" "$(by_report --by day $period)"
	is "3,000 sessions by model${period:+ $period}: each session once a model, as SQL counts it" \
		"$(by_sql x.model "x.model IS NOT NULL" | LC_ALL=C sort)" "$(by_report --by model $period)"
	is "3,000 sessions of one project by session${period:+ $period}: as SQL counts them" \
		"$(by_sql s.id "s.project_name = 'p3'" | LC_ALL=C sort)" \
		"$(by_report --by session --project p3 $period)"
done
is "3,000 sessions: the total counts each session once" "3000|6000|3000" \
	"$(jr '"\(.usage.total.sessions)|\(.usage.total.messages)|\(.usage.total.tool_calls)"' --section usage --by session)"

# --- robustness -------------------------------------------------------------
fresh
run report
is "no database: exit 1, the path, and what to do" \
	"1|clankers: report: no database at '$DB' (nothing recorded yet: are the hooks installed? see 'clankers doctor')|" \
	"$RC|$(cat "$ERR")|$(cat "$OUT")"
ok "no database: none made" test ! -e "$DB"
run report --json
is "no database with --json: exit 1, nothing on stdout" "1|" "$RC|$(cat "$OUT")"

emptied
tbl
is "an empty database: exit 0, nothing on stderr" "0|" "$RC|$(cat "$ERR")"
sed "s#$ROOT#DATA#g" "$OUT" >"$TMP/empty.txt"
if diff -u "$GOLD/empty.txt" "$TMP/empty.txt" >"$TMP/diff"; then
	pass "an empty database: the report as in test/fixtures/report/empty.txt"
else
	fail "an empty database: the report as in test/fixtures/report/empty.txt"
	sed 's/^/#   /' "$TMP/diff"
fi
run report --json
is "an empty database in json: empty tables, no gap, no usage, no tool, no overhead" \
	"empty,empty,empty,empty,empty,empty,empty|0|0|0|0|null|null|0|0|0|0" \
	"$(jq -r '[(.tables | map(.status) | join(",")), (.gaps | length), .log.files, .usage.total.sessions,
		.usage.total.messages, .usage.total.input_tokens, .usage.total.cost_usd, (.usage.rows | length),
		(.tools | length), (.files | length), (.overhead | length)] | map(tostring) | join("|")' "$OUT")"

replayed
export CLANKERS_LOG_PATH="$ROOT/nologs"
run report --json
unset CLANKERS_LOG_PATH
is "a missing log folder: exit 0, no log line, the database sections still there" \
	"0|$ROOT/nologs|0|0|0|[]|7|5" \
	"$RC|$(jq -r '[.log.dir, .log.files, .log.lines, .log.unreadable_lines, (.overhead | tojson),
		.usage.total.messages, .usage.total.tool_calls] | map(tostring) | join("|")' "$OUT")"
ok "a missing log folder: still missing" test ! -e "$ROOT/nologs"

half=$(sed -n 3p "$LOG" | cut -c1-60)
{
	echo 'not json'
	echo '{"time":"yesterday","level":"info","component":"hook"}'
	echo '{"level":"error","component":"hook","message":"no time"}'
	echo "$half"
	echo
} >>"$LOG"
run report --json
is "broken log lines: counted as unreadable, the rest read" "0||4|28|0|28" \
	"$RC|$(cat "$ERR")|$(jq -r '[.log.unreadable_lines, .log.lines, .log.errors,
		(.overhead[] | select(.event == "(all)") | .runs)] | map(tostring) | join("|")' "$OUT")"

# --- the tool rows on a thread, at the same snapshot ------------------------
# The report reads the tool rows on a second connection while it reads the
# rest on the first; both read transactions begin while nothing can commit.
# With hooks writing all the while, each report exits 0 and its count of
# tool rows and its tool calls agree. (The window the lock closes is well
# under a millisecond: without the lock, about one report in a hundred
# disagreed here, so this run alone does not prove the lock is there.)
fresh
P=$FIX/claude/hooks/single/PostToolUse-Bash.seeknal-2026-02.json
hook PostToolUse "$P"
(
	i=0
	while [ ! -e "$TMP/stop" ] && [ -d "$TMP" ]; do  # stops with the test, even cut short
		sed "s/call_2d1f710e441b45ef8134c7bd/toolu_race_$i/" "$P" | "$CLANKERS" hook PostToolUse
		i=$((i + 1))
	done
) &
WRITER=$!
agree=0 rows=
for _ in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; do
	run report --json --section tables,tools
	[ "$RC" = 0 ] && jq -e '[.tables[] | select(.name == "tools") | .rows][0] ==
		([.tools[].calls] | add)' "$OUT" >/dev/null && agree=$((agree + 1))
	rows="$rows $(jq '.tables[] | select(.name == "tools") | .rows' "$OUT")"
done
touch "$TMP/stop"
wait "$WRITER"
first=$(echo $rows | cut -d' ' -f1) last=$(echo $rows | awk '{ print $NF }')
is "25 reports while hooks write: each exits 0, its tool rows and tool calls agree" "25|yes" \
	"$agree|$([ "$last" -gt "$first" ] && echo yes || echo "no writes: $rows")"

# With another process holding the write lock, the report reads all on one
# connection, and says the same.
replayed
run report --json
jq 'del(.generated_at)' "$OUT" >"$TMP/free.json"
hold_db "BEGIN IMMEDIATE;"
run report --json
printf 'ROLLBACK;\n' >&3
release_db
is "a writer holds the lock: exit 0, the same report as without it" "0|$(cat "$TMP/free.json")" \
	"$RC|$(jq 'del(.generated_at)' "$OUT")"

# --- the report writes nothing ----------------------------------------------
replayed
mtime() { stat -c %y "$1" 2>/dev/null || stat -f %Fm "$1"; }
state() {
	cksum "$DB" "$ROOT"/clankers-*.jsonl
	mtime "$DB"
	ls "$ROOT"/clankers-*.jsonl
}
state >"$TMP/before"
for args in "" "--json" "--csv" "--by session --json" "--by model" "--by project --csv" \
	"--session a125" "--since 2026-11-24 --section gaps,log" "--section nosuch" "--session zzz"; do
	# shellcheck disable=SC2086
	run report $args
done
state >"$TMP/after"
is "after ten reports: the database's bytes and time, the logs, no new log file" \
	"$(cat "$TMP/before")" "$(cat "$TMP/after")"
finish
