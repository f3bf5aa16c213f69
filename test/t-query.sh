#!/bin/sh
# clankers query: each format's exact output; the read-only guard (SQLite
# refuses every write, whatever it hides behind; nothing runs, no file is
# made, no row changes); errors that name the tables and columns there are;
# a missing database left missing; SQL from stdin; usage errors; a read
# while another process holds the write lock.
. "$(dirname "$0")/lib.sh"

SID=a125bd5f-b2e1-42db-87ce-1ce0974290de
CR=$(printf '\r')

fresh
run session-end --transcript "$FIX/transcripts/e2e/basic/$SID.jsonl"
is "a session read from its transcript" "0|7" "$RC|$(q 'select count(*) from messages')"
nlog=$(log_lines | wc -l | tr -d ' ')

# --- formats: a NULL, an integer, a real and text in each ---
S="SELECT role, count(*) AS n, sum(input_tokens) AS input, round(sum(cost_usd), 4) AS cost
   FROM messages GROUP BY role ORDER BY role"
run query --format table "$S"
is "table: aligned, numbers to the right, NULL empty" "0|role       n  input    cost
---------  -  -----  ------
assistant  5   5015  0.1081
user       2" "$RC|$(cat "$OUT")"
run query "$S"
is "not a terminal: tab-separated with a header" "0|role	n	input	cost
assistant	5	5015	0.1081
user	2		" "$RC|$(cat "$OUT")"
run query --format=csv "$S"
is "csv: header, CRLF, NULL empty" "0|role,n,input,cost$CR
assistant,5,5015,0.1081$CR
user,2,,$CR" "$RC|$(cat "$OUT")"
run query --format json "$S"
is "json: one array, an object per line" '0|[
{"role":"assistant","n":5,"input":5015,"cost":0.1081},
{"role":"user","n":2,"input":null,"cost":null}
]' "$RC|$(cat "$OUT")"
run query --format ndjson "$S"
is "ndjson: one object per line" '0|{"role":"assistant","n":5,"input":5015,"cost":0.1081}
{"role":"user","n":2,"input":null,"cost":null}' "$RC|$(cat "$OUT")"
run query --format json "SELECT 1 WHERE 0"
is "json of no rows: []" "0|[]" "$RC|$(cat "$OUT")"
run query --format ndjson "SELECT 1 WHERE 0"
is "ndjson of no rows: nothing" "0|" "$RC|$(cat "$OUT")"
run query --format table "SELECT 1 AS a WHERE 0"
is "table of no rows: the header" "0|a
-" "$RC|$(cat "$OUT")"

run query --format csv "SELECT 'a,b' AS x, 'say \"hi\"' AS y, 'two' || char(10) || 'lines' AS z,
	NULL AS n, '' AS e, 3 AS i"
printf 'x,y,z,n,e,i\r\n"a,b","say ""hi""","two\nlines",,"",3\r\n' >"$TMP/csv"
ok "csv: commas, quotes and line breaks quoted; NULL empty, '' quoted" cmp -s "$TMP/csv" "$OUT"
run query "SELECT 'a' || char(9) || 'b' || char(10) || 'c\\d' AS t, NULL AS n"
is "tab-separated: tab, newline and backslash escaped" 't	n
a\tb\nc\\d	' "$(cat "$OUT")"

run query --format json "SELECT 'héllo ✓ 日本 🤖' AS u, char(27) || '\"\\' || char(10) AS c,
	CAST(x'41ff42' AS TEXT) AS bad, x'00ff' AS blob"
is "json: unicode as is, control characters escaped, bad UTF-8 replaced, blob as hex" \
	'[
{"u":"héllo ✓ 日本 🤖","c":"\u001b\"\\\n","bad":"A�B","blob":"00ff"}
]' "$(cat "$OUT")"
is "json: jq reads it" true "$(jq '.[0].u == "héllo ✓ 日本 🤖"' "$OUT")"
run query --format json "SELECT 42 AS i, 9007199254740993 AS big, 0.1 + 0.2 AS r, 2.0 AS whole,
	NULL AS n, '7' AS s, 1e999 AS inf, 1 AS dup, 2 AS dup"
is "json: integers exact, reals round-trip and stay reals, infinity null, keys unique" \
	'[
{"i":42,"big":9007199254740993,"r":0.30000000000000004,"whole":2.0,"n":null,"s":"7","inf":null,"dup":1,"dup:2":2}
]' "$(cat "$OUT")"
is "json: types" "number number number null string" \
	"$(jq -r '.[0] | [(.i, .r, .whole, .n, .s) | type] | join(" ")' "$OUT")"

run query --format table "SELECT printf('%.*c', 100, 'x') AS long, 'a' || char(10) || 'b' AS nl"
is "table: a long cell cut at 60 columns, a line break escaped" \
	"$(printf '%059d' 0 | tr 0 x)…  a\\nb" "$(sed -n 3p "$OUT")"
run query --format json "SELECT printf('%.*c', 100, 'x') AS long"
is "json: never cut" 100 "$(jq -r '.[0].long | length' "$OUT")"
run query --format table "PRAGMA table_info(sessions)"
is "PRAGMA table_info is allowed" "0|id" "$RC|$(sed -n 3p "$OUT" | awk '{print $2}')"

# --- the read-only guard ---
dump() { sqlite3 "$DB" .dump; q 'PRAGMA user_version; PRAGMA journal_mode'; }
dump >"$TMP/before"
refused() {
	run query "$2"
	is "refused: $1" "1|clankers: query: statement ${3:-1} ${4:-writes} (refused)|" \
		"$RC|$(sed 's/ (refused).*/ (refused)/' "$ERR")|$(cat "$OUT")"
}
refused INSERT "INSERT INTO sessions (id, source, created_at, updated_at) VALUES ('x', 'y', 1, 1)"
refused "INSERT ... SELECT" "INSERT INTO sessions (id, source, created_at, updated_at)
	SELECT id || 'x', source, 1, 1 FROM sessions"
refused REPLACE "REPLACE INTO sessions (id, source, created_at, updated_at) VALUES ('x', 'y', 1, 1)"
refused UPDATE "UPDATE tools SET tool_name = 'x'"
refused DELETE "DELETE FROM tools"
refused "a DELETE behind a CTE" "WITH x AS (SELECT 1) DELETE FROM tools"
refused DROP "DROP TABLE tools"
refused "CREATE TABLE" "CREATE TABLE x (a)"
refused "CREATE TEMP TABLE" "CREATE TEMP TABLE x (a)"
refused ATTACH "ATTACH '$TMP/attached.db' AS a" 1 "attaches a database"
ok "ATTACH made no file" test ! -e "$TMP/attached.db"
refused DETACH "DETACH main" 1 "detaches a database"
refused "PRAGMA user_version=5" "PRAGMA user_version=5"
refused "PRAGMA journal_mode=delete" "PRAGMA journal_mode=delete"
refused "PRAGMA query_only=0" "PRAGMA query_only=0" 1 "changes query_only"
refused VACUUM "VACUUM"
refused "VACUUM INTO" "VACUUM INTO '$TMP/copy.db'"
ok "VACUUM INTO made no file" test ! -e "$TMP/copy.db"
refused REINDEX "REINDEX"
refused ANALYZE "ANALYZE"
refused "a write after a SELECT: nothing runs, nothing printed" "SELECT 1; DELETE FROM tools" 2
is "the refusal quotes the statement" "clankers: query: statement 2 writes (refused): DELETE FROM tools" "$(cat "$ERR")"
run query "SELECT load_extension('$TMP/nosuch')"
is "load_extension fails" "1|clankers: query: not authorized|" "$RC|$(cat "$ERR")|$(cat "$OUT")"
dump >"$TMP/after"
ok "no row, version or journal mode changed" cmp -s "$TMP/before" "$TMP/after"
is "query wrote no log line" "$nlog" "$(log_lines | wc -l | tr -d ' ')"

# --- errors ---
run query "SELECT * FROM nosuch"
is "unknown table: the tables and views there are" "1|clankers: query: no such table: nosuch
clankers: query: tables: client_usage, compaction_events, hook_events, messages, model_switches, search_rows, search_state, search_text, session_errors, sessions, tools, transcript_files, usage_days
clankers: query: views: background_agents, session_models" "$RC|$(cat "$ERR")"
run query "SELECT nosuch FROM tools"
is "unknown column: the columns of the table named" "1|clankers: query: no such column: nosuch
clankers: query: columns of tools: id, session_id, message_id, source, agent_id, tool_name, tool_input, tool_output, tool_output_bytes, tool_output_truncated, file_path, status, success, error_message, not_run, is_interrupt, started_at, ended_at, reported_duration_ms, duration_ms, created_at, permission, launched_agent_id" \
	"$RC|$(cat "$ERR")"
run query "SELECT nosuch"
is "unknown column, no table named: every table's columns" "1|16" "$RC|$(wc -l <"$ERR" | tr -d ' ')"
run query "SELEC 1"
is "syntax error" '1|clankers: query: near "SELEC": syntax error' "$RC|$(cat "$ERR")"
run query "SELECT 1; SELECT 2"
is "two statements with rows" "1|clankers: query: statements 1 and 2 both return rows: give one at a time|" \
	"$RC|$(cat "$ERR")|$(cat "$OUT")"
run --db "$TMP/none/x.db" query "SELECT 1"
is "missing database: exit 1, not created" "1|clankers: query: no database at '$TMP/none/x.db' (nothing recorded yet?)|absent" \
	"$RC|$(cat "$ERR")|$([ -e "$TMP/none/x.db" ] && echo created || echo absent)"

# --- stdin, statements around the one with rows, usage ---
printf -- '-- the tools\nPRAGMA cache_size = 100;\nSELECT count(*) AS n FROM tools;\n' >"$TMP/sql"
run query --format csv - <"$TMP/sql"
is "SQL '-' is read from stdin; a PRAGMA before the SELECT runs" "0|n$CR
5$CR" "$RC|$(cat "$OUT")"
run query --format=ndjson -- "SELECT 1 AS one"
is "-- ends the options" '0|{"one":1}' "$RC|$(cat "$OUT")"
run query "SELECT 1 AS one" --format json
is "options after the SQL" '0|[
{"one":1}
]' "$RC|$(cat "$OUT")"
run query
is "no SQL: 64" 64 "$RC"
run query "   -- a comment only"
is "no statement: 64" 64 "$RC"
run query --nosuch "SELECT 1"
is "unknown option: 64" 64 "$RC"
run query --format xml "SELECT 1"
is "unknown format: 64" "64|clankers: query: unknown format 'xml': table, tsv, csv, json or ndjson" "$RC|$(cat "$ERR")"
run query "SELECT 1" "SELECT 2"
is "two SQL arguments: 64" 64 "$RC"
run query --format
is "--format without a value: 64" 64 "$RC"

# --- a read while another process holds the write lock (WAL) ---
hold_db "BEGIN IMMEDIATE;
DELETE FROM tools;"
case $(sqlite3 "$DB" 'BEGIN IMMEDIATE;' 2>&1) in
*locked*) pass "another process holds the write lock" ;;
*) fail "another process holds the write lock ($(cat "$HELD_OUT"))" ;;
esac
run query "SELECT count(*) FROM tools"
is "a read while another process writes: the committed rows" "0|count(*)
5|" "$RC|$(cat "$OUT")|$(cat "$ERR")"
printf 'ROLLBACK;\n' >&3
release_db
is "lock holder rolled back" "0|" "$HELD_RC|$(cat "$HELD_OUT")"

# --- reads SQLite calls writes ---
run query --format csv "PRAGMA journal_mode"
is "PRAGMA journal_mode (a read) is allowed" "0|journal_mode$CR
wal$CR" "$RC|$(cat "$OUT")"
run query --format csv "PRAGMA main.journal_mode"
is "... and with the schema named" "0|wal" "$RC|$(sed -n 2p "$OUT" | tr -d '\r')"
refused "PRAGMA wal_checkpoint (it checkpoints)" "PRAGMA wal_checkpoint"
refused "PRAGMA main.journal_mode = memory" "PRAGMA main.journal_mode = memory"
is "... the journal mode still wal" wal "$(q 'PRAGMA journal_mode')"

# --- --timeout ---
FOREVER="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
run query --timeout 0.3 "$FOREVER"
is "--timeout: a query that never ends is stopped, exit 1, nothing printed" \
	"1|clankers: query: stopped by --timeout after 0.3 s; what was printed is not the whole result|" \
	"$RC|$(cat "$ERR")|$(cat "$OUT")"
run query --timeout=0.3 --format ndjson "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c"
is "... stopped while rows stream: exit 1, the rows before it printed" "1|1|{\"x\":1}" \
	"$RC|$(grep -c 'stopped by --timeout' "$ERR")|$(head -1 "$OUT")"
run query --timeout 30 --format csv "SELECT count(*) AS n FROM tools"
is "... a query within its time: as without" "0|n$CR
5$CR" "$RC|$(cat "$OUT")"
for t in 0 -1 abc 1e99 ""; do
	run query --timeout "$t" "SELECT 1"
	is "--timeout '$t': 64" "64|1" "$RC|$(grep -c "timeout needs a number of seconds above 0" "$ERR")"
done
run query "SELECT 1" --timeout
is "--timeout without a value: 64" "64|clankers: query: --timeout needs a number of seconds" "$RC|$(head -1 "$ERR")"

# --- the table is printed in batches: memory bounded by a batch ---
ROWS="WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 2500)
	SELECT x, CASE WHEN x > 1000 THEN printf('%.*c', 5 + x / 500, 'y') END AS s FROM c"
run query --format table "$ROWS"
is "table of 2,500 rows: header, rule and every row" "0|2502|   x  s|----  -|   1|2500  yyyyyyyyyy" \
	"$RC|$(wc -l <"$OUT" | tr -d ' ')|$(sed -n 1p "$OUT")|$(sed -n 2p "$OUT")|$(sed -n 3p "$OUT")|$(tail -1 "$OUT")"
is "... a column widens from one batch to the next, never narrows" "1000|1001  yyyyyyy|2001  yyyyyyyyy" \
	"$(sed -n 1002p "$OUT")|$(sed -n 1003p "$OUT")|$(sed -n 2003p "$OUT")"
if [ -n "$WRAPPER" ]; then
	echo "# skip: peak memory of query under valgrind (valgrind's own memory, not ours)"
else
	fresh
	run session-end --transcript "$FIX/transcripts/e2e/basic/$SID.jsonl"
	sqlite3 "$DB" "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c LIMIT 40000)
		INSERT INTO tools (id, session_id, source, tool_name, tool_input, tool_output, status, created_at)
		SELECT 'toolu_m' || x, '$SID', 'claude', 'Bash', '{\"command\":\"ls ' || x || '\"}',
		       printf('%.*c', 300, 'o'), 'ok', 1700000000000 + x FROM c"
	peak query --format table "SELECT * FROM tools LIMIT 1"
	one=$PEAK
	peak query --format table "SELECT * FROM tools"
	is "table of 40,000 tool rows: exit 0, peak memory within 16 MiB of one row's (it held every row: 250 MB)" \
		"0|yes" "$RC|$([ $((PEAK - one)) -lt 16384 ] && echo yes || echo "no: $one KiB, then $PEAK KiB")"
fi

finish
