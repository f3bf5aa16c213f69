#!/bin/sh
# clankers index, search and show on the recorded fixtures: the Claude Code
# transcripts of spotter (2.1.38 and 2.1.39, with subagents) read through
# session-end, and the OpenCode 1.18.33 e2e capture replayed through the
# hooks. Golden outputs of search (ranking, text and markers) and show;
# each filter; phrase and prefix queries; a rejected query; a term only in
# a tool's output, found once the call ends; a transcript edited and read
# again (the old word gone, the new one found once); a message OpenCode
# removed; ids by prefix (unique, ambiguous, unknown); stored escape
# sequences never reaching the output raw; the bad command lines.
. "$(dirname "$0")/lib.sh"

export NO_COLOR=1
GOLD=$FIX/search
ESC=$(printf '\033')
T38=$FIX/transcripts/spotter-2.1.38
T39=$FIX/transcripts/spotter-2.1.39/projects/-home-USER-projects-spotter-worktrees-spotter-dov
OCS=ses_df504482bffegkbJJ5pG0OgAw4

search() { run search "$@"; }
# golden FILE TITLE: $OUT against $GOLD/FILE (UPDATE_GOLDEN=1 writes it).
golden() {
	[ "${UPDATE_GOLDEN:-0}" = 1 ] && cp "$OUT" "$GOLD/$1"
	is "$2" "$(cat "$GOLD/$1")" "$(cat "$OUT")"
}
# search --json ARGS | jq -r EXPR; a failure prints its exit and stderr.
sj() {
	e=$1
	shift
	run search --json "$@"
	[ "$RC" = 0 ] || echo "exit $RC: $(cat "$ERR")"
	jq -r "$e" "$OUT"
}

# --- the history: three Claude Code sessions and one OpenCode session -----
fresh
mkdir -p "$TMP/t"
cp "$T38/short.jsonl" "$T38/tool_heavy.jsonl" "$T38/subagent.jsonl" "$TMP/t/"
cp -r "$T39"/* "$TMP/t/"
for f in "$TMP"/t/*.jsonl; do
	run session-end --transcript "$f"
	[ "$RC" = 0 ] || fail "session-end $f: $(cat "$ERR")"
done
oc_forwarded "$FIX/opencode/e2e-events.jsonl" >"$TMP/oc.jsonl"
send "$TMP/oc.jsonl"
is "the history: 5 sessions, 2 sources" "claude-code|4
opencode|1" "$(q "SELECT source, count(*) FROM sessions GROUP BY 1")"

run index
ok "index: exit 0, one line of counts" [ "$RC" = 0 ]
is "index: every session compared, every row with text added" \
    "indexed 5 sessions: $(q "SELECT (SELECT count(*) FROM messages WHERE text_content <> '')
      + (SELECT count(*) FROM tools) + (SELECT count(*) FROM session_errors)
      + (SELECT count(*) FROM sessions WHERE title IS NOT NULL)") rows added, 0 changed, 0 removed" \
    "$(sed 's/, [0-9]* MB of text, in [0-9]* ms$//' "$OUT")"
is "index: one entry per source row" "0" \
    "$(q "SELECT count(*) FROM (SELECT kind, src FROM search_rows GROUP BY 1, 2 HAVING count(*) > 1)")"
is "index: the FTS table holds exactly the rows of search_rows" \
    "$(q "SELECT count(*) FROM search_rows")" "$(q "SELECT count(*) FROM search_text")"
run index
is "index again: nothing touched, nothing done" "indexed 0 sessions: 0 rows added, 0 changed, 0 removed" \
    "$(sed 's/, [0-9]* MB of text, in [0-9]* ms$//' "$OUT")"
TPL=$ROOT

# --- search: golden outputs ------------------------------------------------
search ash --limit 5
golden ash.txt "golden: 'ash', best 5 by bm25: session, time, what, project, title, [marked] snippet"
search '"hello from tool"' OR mock
golden phrase-or.txt "golden: a phrase OR a word, over both agents"
is "ranking: scores in order, best first" \
    "$(sj '.[].score' ash --limit 0 | sort -gr)" "$(sj '.[].score' ash --limit 0)"
is "ranking: --limit 0 gives every match, --limit N the first N of them" \
    "$(sj '.[].id' ash --limit 0 | head -3)" "$(sj '.[].id' ash --limit 3)"
is "ranking: every result matches (its snippet has the word)" "" \
    "$(sj '.[] | select(.snippet | test("ash"; "i") | not) | .id' ash --limit 0)"

# --- each filter -------------------------------------------------------------
is "--in prompts: only prompts" "prompt" "$(sj '[.[].kind] | unique | join(",")' the --in prompts --limit 0)"
is "--in tools,errors: only tool calls (and errors)" "tool" \
    "$(sj '[.[].kind] | unique | join(",")' the --in tools,errors --limit 0)"
is "--in messages: responses" "response" "$(sj '[.[].kind] | unique | join(",")' the --in messages --limit 0)"
is "--in titles: the session titles" "title" "$(sj '[.[].kind] | unique | join(",")' work --in titles --limit 0)"
is "--source opencode: only OpenCode's" "opencode|$OCS" \
    "$(sj '[.[] | .source + "|" + .session_id] | unique | join(",")' echo --source opencode --limit 0)"
is "--source claude-code: none of OpenCode's" "claude-code" \
    "$(sj '[.[].source] | unique | join(",")' echo --source claude-code --limit 0)"
is "--project spotter-dov: only that project's" "spotter-dov" \
    "$(sj '[.[].project] | unique | join(",")' the --project spotter-dov --limit 0)"
is "--session PREFIX: only that session" "4d5611e5-241a-462a-8d15-5122611a9569" \
    "$(sj '[.[].session_id] | unique | join(",")' the --session 4d56 --limit 0)"
N_ALL=$(sj 'length' the --limit 0)
N_OLD=$(sj 'length' the --limit 0 --until 2026-02-11)
N_NEW=$(sj 'length' the --limit 0 --since 2026-02-11)
ok "--since and --until split the matches ($N_OLD before 2026-02-11, $N_NEW after)" \
    [ "$N_OLD" -gt 0 ] && [ "$N_NEW" -gt 0 ]
is "--since and --until: the two halves make the whole (rows without a time in neither)" \
    "$N_ALL" "$(( N_OLD + N_NEW + $(sj '[.[] | select(.time == null)] | length' the --limit 0) ))"
is "--until 2026-02-11: nothing newer" "" \
    "$(sj '.[] | select(.time >= "2026-02-11") | .time' the --limit 0 --until 2026-02-11)"
search --ndjson ash --limit 2
cp "$OUT" "$TMP/nd"
is "--ndjson: one object per line, the same as --json" \
    "$(sj '.[] | .id' ash --limit 2)" "$(jq -r .id "$TMP/nd")"

# --- phrase, prefix, column, FTS5 syntax -----------------------------------
is "phrase: \"hello from tool\" (tokens in a row) is found" "1" \
    "$(sj '[.[] | select(.kind == "response")] | length' '"hello from tool"' --limit 0)"
is "phrase: the same words in another order are not" "0" "$(sj length '"tool from hello"')"
ok "prefix: dialy* finds dialyzer, dialyxir" [ "$(sj length 'dialy*' --limit 0)" -gt "$(sj length dialyzer --limit 0)" ]
is "column filter: tool: Glob only matches the Glob calls" "Glob" \
    "$(sj '[.[].tool] | unique | join(",")' 'tool: Glob' --limit 0)"
is "NOT: ash NOT dialyzer has no dialyzer" "" \
    "$(sj '.[] | select(.snippet | test("dialyzer"; "i")) | .id' 'ash NOT dialyzer' --limit 0)"
search store.c mix.exs
ok "a query of plain words FTS5 rejects (mix.exs) is taken word by word" [ "$RC" = 0 ]
is "it finds the file by its name" "0" "$(sj '[.[] | select(.snippet | contains("mix.exs") | not)] | length' mix.exs --limit 0)"

# --- a rejected query and bad command lines ------------------------------------
search 'foo AND'
is "rejected query: exit 64, one line, not SQLite's message" \
    "64|1|clankers: search: FTS5 cannot read the query 'foo AND': words, \"a phrase\", prefix*, AND, OR, NOT, (groups), NEAR(a b), column: (text tool input output error file)" \
    "$RC|$(wc -l <"$ERR" | tr -d ' ')|$(cat "$ERR")"
# A colon in text (TypeError:, localhost:8080, std::vector) that FTS5
# would read as a column it has not: the words are taken as text.
search 'nosuchcolumn: foo'
is "a colon that names no column: text, exit 0" "0" "$RC"
same "a word with a colon after it finds what the word finds" \
    "$(sj length --limit 0 ash)" "$(sj length --limit 0 'ash:')"
search '"unclosed'
is "an unclosed phrase: exit 64" "64" "$RC"
search
is "no query: exit 64" "64|clankers: search: no query; see 'clankers help search'" "$RC|$(cat "$ERR")"
search ash --in nothing
is "--in with a kind that is not: exit 64" "64" "$RC"
search ash --limit x
is "--limit x: exit 64" "64" "$RC"
search ash --since yesterday
is "--since that is not a date: exit 64" "64" "$RC"
search ash --json --ndjson
is "--json with --ndjson: exit 64" "64" "$RC"
search ash --session 4
is "--session of several sessions: exit 1, the candidates listed" "1|2" \
    "$RC|$(grep -c '^  4' "$ERR")"
search ash --session zzz
is "--session unknown: exit 1" "1|clankers: search: no session 'zzz'" "$RC|$(cat "$ERR")"
search -- -rf
is "a query after --: may start with -" "0" "$RC"
search zzzznothing
is "no match: says so, exit 0" "0|No match." "$RC|$(cat "$OUT")"
rm -rf "$TMP/none"
CLANKERS_DATA_PATH=$TMP/none run search ash
is "no database: exit 1, said, nothing made" "1|no" "$RC|$([ -e "$TMP/none/clankers.db" ] && echo yes || echo no)"

# --- a term only in a tool's output, once the call ends ---------------------
PRE=$FIX/claude/hooks/single/PreToolUse-Bash.seeknal-2026-02.json
POST=$FIX/claude/hooks/single/PostToolUse-Bash.seeknal-2026-02.json
jq -c '.tool_use_id = "toolu_search1" | .tool_input.command = "make check"' "$PRE" >"$TMP/pre.json"
jq -c '.tool_use_id = "toolu_search1" | .tool_input.command = "make check"
    | .tool_response.stdout = "all good: quuxoutputword seen"' "$POST" >"$TMP/post.json"
hook PreToolUse "$TMP/pre.json"
search quuxoutputword
is "before the call ends: its output is not there to find" "No match." "$(cat "$OUT")"
is "but its input is, as soon as it starts" "toolu_search1|running" \
    "$(sj '.[] | .id + "|" + .status' '"make check"')"
hook PostToolUse "$TMP/post.json"
is "after it ends: the output word finds the call, once" "toolu_search1|tool|Bash|ok" \
    "$(sj '.[] | .id + "|" + .kind + "|" + .tool + "|" + .status' quuxoutputword)"
is "output: column filter finds it, input: does not" "1|0" \
    "$(sj length 'output: quuxoutputword')|$(sj length 'input: quuxoutputword')"
is "the call is one entry, replaced, not two" "1" \
    "$(q "SELECT count(*) FROM search_rows r JOIN tools t ON t.rowid = r.src AND r.kind = 3 WHERE t.id = 'toolu_search1'")"

# --- a transcript edited and read again ----------------------------------------
S=55604662-cf2a-4331-851a-ec234028f8ca
N1=$(sj length structure --session "$S" --limit 0)
sed 's/structure/zanzibarword/g' "$TMP/t/short.jsonl" >"$TMP/edited" && cat "$TMP/edited" >"$TMP/t/short.jsonl"
run session-end --full --transcript "$TMP/t/short.jsonl"
is "the edited transcript is read again" "0" "$RC"
is "the old word: gone from the session's results" "0" "$(sj length structure --session "$S" --limit 0)"
is "the new word: found as often as the old one was, not twice as often" "$N1" \
    "$(sj length zanzibarword --session "$S" --limit 0)"
ok "(the old word was there to find: $N1 times)" [ "$N1" -gt 0 ]
is "no row of the session is indexed twice" "0" \
    "$(q "SELECT count(*) FROM (SELECT kind, src FROM search_rows GROUP BY 1, 2 HAVING count(*) > 1)")"

# --- a message OpenCode removed ------------------------------------------------
is "OpenCode's final answer is found" "1" "$(sj length MOCK-FINAL-ANSWER --source opencode)"
M=$(q "SELECT id FROM messages WHERE text_content LIKE '%MOCK-FINAL-ANSWER%'")
jq -nc --arg s "$OCS" --arg m "$M" '{type: "message.removed", directory: "/tmp/oc-e2e/out/work",
    properties: {sessionID: $s, messageID: $m}}' >"$TMP/removed.jsonl"
send "$TMP/removed.jsonl"
is "after message.removed: not found any more" "0" "$(sj length MOCK-FINAL-ANSWER --source opencode)"
is "and its entry is gone from the index" "0" \
    "$(q "SELECT count(*) FROM search_text WHERE search_text MATCH '\"final answer\"'")"

# --- index --full ---------------------------------------------------------------
BEFORE=$(q "SELECT count(*) FROM search_rows")
run index --full
is "index --full: builds the same entries again" "0|$BEFORE" "$RC|$(q "SELECT count(*) FROM search_rows")"
run index --fast
is "index with an unknown option: exit 64" "64" "$RC"

# --- show -----------------------------------------------------------------------
run show "$S" --no-pager
golden show-short.txt "golden: show of the short session (piped: plain text, the totals at the end)"
run show "${S%%-*}"
is "show by a unique prefix: the same" "$(cat "$GOLD/show-short.txt")" "$(cat "$OUT")"
run show 4
is "show of an ambiguous prefix: exit 1, the candidates listed" "1|clankers: show: '4' names several sessions:|2" \
    "$RC|$(head -1 "$ERR")|$(grep -c '^  4' "$ERR")"
run show 00000000
is "show of an unknown id: exit 1, said" "1|clankers: show: no session '00000000'" "$RC|$(cat "$ERR")"
run show
is "show of nothing: exit 64" "64" "$RC"
run show a b
is "show of two: exit 64" "64" "$RC"
run show "$S" --verbose
is "show with an unknown option: exit 64" "64" "$RC"
run show 4d56 --json
is "show --json: session, items in order, totals" \
    "4d5611e5-241a-462a-8d15-5122611a9569|true|$(q "SELECT count(*) FROM tools WHERE session_id LIKE '4d56%'")" \
    "$(jq -r '[.session.id, ([.items[].time | select(. != null)] | . == sort), .totals.tool_calls] | map(tostring) | join("|")' "$OUT")"
is "show --json: subagent turns marked with their agent" "a2898e3,acompact-e1f845" \
    "$(jq -r '[.items[] | .subagent | select(. != null and . != "sidechain")] | unique | join(",")' "$OUT")"
run show 4d56
LINES=$(grep -c '' "$OUT")
run show 4d56 --tools
ok "show --tools: outputs whole (longer: $LINES lines without, $(grep -c '' "$OUT") with)" \
    [ "$(grep -c '' "$OUT")" -gt "$LINES" ]
run show "$OCS"
golden show-opencode.txt "golden: show of the OpenCode session"

# --- on a terminal (script(1) gives one): the pager, colour, marked terms -----
if command -v script >/dev/null 2>&1; then
	rm -f "$TMP/paged" "$TMP/less"
	env -u NO_COLOR -u LESS PAGER="echo \"\$LESS\" >$TMP/less; cat >$TMP/paged" \
	    script -qec "$CLANKERS show $S" /dev/null >"$TMP/tty" 2>&1
	is "show on a terminal: through \$PAGER, with LESS=FRX, the whole text" \
	    "FRX|$(grep -c '' "$GOLD/show-short.txt")" "$(cat "$TMP/less")|$(grep -c '' "$TMP/paged")"
	ok "show on a terminal: in colour (a bold heading)" grep -q "$ESC\[1m\[" "$TMP/paged"
	rm -f "$TMP/paged"
	env -u NO_COLOR PAGER="cat >$TMP/paged" script -qec "$CLANKERS show --no-pager $S" \
	    /dev/null >"$TMP/tty" 2>&1
	is "show --no-pager on a terminal: no pager, straight out" "no|yes" \
	    "$([ -e "$TMP/paged" ] && echo yes || echo no)|$(grep -q ' prompts, ' "$TMP/tty" && echo yes || echo no)"
	PAGER="no-such-pager-here -R" script -qec "$CLANKERS show $S; echo rc=\$?" \
	    /dev/null >"$TMP/tty" 2>&1
	is "show with a pager that is not there: said, the session written out, exit 0" "yes|yes|yes" \
	    "$(grep -q "pager 'no-such-pager-here -R' not found" "$TMP/tty" && echo yes || echo no)|$(grep -q ' prompts, ' "$TMP/tty" && echo yes || echo no)|$(grep -q 'rc=0' "$TMP/tty" && echo yes || echo no)"
	NO_COLOR=1 script -qec "$CLANKERS show --no-pager $S" /dev/null >"$TMP/tty" 2>&1
	ok "show with NO_COLOR on a terminal: no colour" [ "$(grep -c "$ESC" "$TMP/tty")" = 0 ]
	env -u NO_COLOR script -qec "$CLANKERS search ash --limit 1" /dev/null >"$TMP/tty" 2>&1
	ok "search on a terminal: the terms in bold red, no [ ] markers" \
	    grep -q "$ESC\[1;31mash$ESC\[0m" "$TMP/tty"
else
	echo "# no script(1): the terminal cases (pager, colour) are not run"
fi

# --- a quiet database; a session gone ---------------------------------------------
run index
B1=$(q "SELECT built_at FROM search_state")
search ash
is "a search with nothing new writes nothing (the state stays)" "$B1" "$(q "SELECT built_at FROM search_state")"
OTHERS=$(sj "map(select(.session_id != \"$OCS\")) | length" --limit 0 echo)
is "echo: the OpenCode session's match ranks before others (what the next check needs)" 0 "$(sj "map(.session_id) | index(\"$OCS\")" --limit 0 echo)"
q "PRAGMA foreign_keys = ON; DELETE FROM sessions WHERE id = '$OCS'"
is "a session deleted by hand: never in the results" "0" "$(sj length mock)"
same "a session deleted by hand: the other sessions' matches all still shown" \
    "$([ "${OTHERS:-0}" -gt 0 ] && echo "$OTHERS")" "$(sj length --limit 0 echo)"
run index --full
is "index --full takes its entries out" "0|0" \
    "$RC|$(q "SELECT count(*) FROM search_rows WHERE session_id = '$OCS'")"

# --- escape sequences in stored text ------------------------------------------
ROOT=$TMP/esc
cp -r "$TPL" "$ROOT"
DB=$ROOT/clankers.db
export CLANKERS_DATA_PATH=$ROOT
UPS=$FIX/claude/hooks/single/UserPromptSubmit.seeknal-2026-02.json
jq -c '.session_id = "evil0000-0000" | .prompt = "escapeword \u001b]52;c;ZXZpbA==\u0007 then \u001b[2J\u001b[31mred \u009b31m and \u202e reversed"' \
    "$UPS" >"$TMP/evil.json"
hook UserPromptSubmit "$TMP/evil.json"
search escapeword
is "search: the stored ESC, BEL, C1 and bidi controls escaped, never raw" \
    "evil0000  prompt  \\x1b]52;c;ZXZpbA==\\x07 then \\x1b[2J\\x1b[31mred \\u009b31m and \\u202e reversed" \
    "$(sed -n '2s/^ *//p' "$OUT" | sed 's/^\[escapeword\] /X/' | sed 's/^X//' | sed 's/^/evil0000  prompt  /')"
ok "search: no ESC byte at all in the output" [ "$(grep -c "$ESC" "$OUT")" = 0 ]
run show evil
ok "show: no ESC byte, the control shown as \\x1b" [ "$(grep -c "$ESC" "$OUT")" = 0 ] && grep -q '\\x1b\]52' "$OUT"
is "search --json: the text exact (JSON escapes), no markers" "true|false" \
    "$(sj '.[0].snippet | [contains("\u001b]52"), contains("[escapeword]")] | map(tostring) | join("|")' escapeword)"

finish
