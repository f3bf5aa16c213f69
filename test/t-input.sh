#!/bin/sh
# test/t-input.sh: bad input to `clankers hook`. Each case runs the real
# binary in its own fresh data root and checks what a user would: exit
# status, stderr, rows in clankers.db, the JSONL log line.
. "$(dirname "$0")/lib.sh"

SINGLE=$FIX/claude/hooks/single
BASH_POST=$SINGLE/PostToolUse-Bash.seeknal-2026-02.json
EDIT_POST=$SINGLE/PostToolUse-Edit.quantstats-2025-07.json
PROMPT=$SINGLE/UserPromptSubmit.seeknal-2026-02.json
SID=8af8835b-aaca-4696-b914-9d26fae517a5
FFFD=$(printf '\357\277\275')

# Rows of TABLE, 0 when the database was never created.
count() {
	if [ -e "$DB" ]; then q "SELECT count(*) FROM $1"; else echo 0; fi
}

# FILTER applied to the data root's last log line (jq -r).
lastlog() { log_lines | tail -n 1 | jq -r "$1"; }

# Each log line is exactly one JSON object; there is at least one line.
logs_json() {
	log_lines | {
		lines=0
		while IFS= read -r line; do
			lines=$((lines + 1))
			printf '%s\n' "$line" |
			    jq -e -s 'length == 1 and (.[0] | type == "object")' \
			    >/dev/null 2>&1 || exit 1
		done
		[ "$lines" -gt 0 ]
	}
}

logs_utf8() { log_lines | iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1; }

# Splits the one-line JSON file $1 at the text MARK and writes
# <before>BYTES<after> to $3; BYTES is a printf format (octal escapes).
splice() {
	base=$(cat "$1")
	printf "%s$2%s" "${base%%MARK*}" "${base#*MARK}" >"$3"
}

# What every unusable payload gets: exit 1, one "clankers: " line on
# stderr, one error log line with outcome rejected, and nothing stored.
rejected() {
	is "$1: exit 1" 1 "$RC"
	is "$1: one stderr line" 1 "$(wc -l <"$ERR" | tr -d ' ')"
	is "$1: stderr starts with clankers:" "clankers: " "$(head -c 10 "$ERR")"
	is "$1: one log line" 1 "$(log_lines | wc -l | tr -d ' ')"
	is "$1: log level error" error "$(lastlog .level)"
	is "$1: log outcome rejected" rejected "$(lastlog .outcome)"
	is "$1: log error.message" true \
	    "$(lastlog '.error.message | type == "string" and length > 0')"
	is "$1: no sessions row" 0 "$(count sessions)"
	is "$1: no hook_events row" 0 "$(count hook_events)"
}

# For input whose fate is not fixed (stored or rejected): the exit status,
# log line and rows must agree with each other.
consistent() {
	case $RC in
	0)
		echo "# $1: stored"
		is "$1: log outcome stored" stored "$(lastlog .outcome)"
		is "$1: a sessions row" 1 "$(count sessions)"
		is "$1: a hook_events row" 1 "$(count hook_events)"
		;;
	*)
		echo "# $1: rejected"
		rejected "$1"
		;;
	esac
	ok "$1: log lines are JSON" logs_json
}

# --- unusable payloads: exit 1, logged, nothing stored --------------------

# Empty stdin.
fresh
: >"$TMP/empty.json"
hook PostToolUse "$TMP/empty.json"
rejected "empty stdin"

# Whitespace only.
fresh
printf ' \n\t \r\n  \n' >"$TMP/blank.json"
hook PostToolUse "$TMP/blank.json"
rejected "whitespace only"

# Malformed JSON: a valid payload cut short.
fresh
head -c 200 "$BASH_POST" >"$TMP/cut.json"
hook PostToolUse "$TMP/cut.json"
rejected "malformed JSON"

# A JSON array holding a valid payload.
fresh
jq -c '[.]' "$BASH_POST" >"$TMP/array.json"
hook PostToolUse "$TMP/array.json"
rejected "JSON array"

# A JSON string.
fresh
jq -c '.session_id' "$BASH_POST" >"$TMP/string.json"
hook PostToolUse "$TMP/string.json"
rejected "JSON string"

# No session_id.
fresh
jq -c 'del(.session_id)' "$BASH_POST" >"$TMP/nosid.json"
hook PostToolUse "$TMP/nosid.json"
rejected "missing session_id"

# session_id a number.
fresh
jq -c '.session_id = 12345' "$BASH_POST" >"$TMP/numsid.json"
hook PostToolUse "$TMP/numsid.json"
rejected "numeric session_id"

# session_id an empty string.
fresh
jq -c '.session_id = ""' "$BASH_POST" >"$TMP/emptysid.json"
hook PostToolUse "$TMP/emptysid.json"
rejected "empty session_id"

# No event argument and no hook_event_name: no name to store it under.
fresh
jq -c 'del(.hook_event_name)' "$BASH_POST" >"$TMP/noname.json"
run hook <"$TMP/noname.json"
is "no event anywhere: stdout empty" "" "$(cat "$OUT")"
rejected "no event anywhere"

# --- the event name from the payload ---------------------------------------

# No event argument: hook_event_name (PostToolUse) names the event.
fresh
run hook <"$BASH_POST"
is "event from payload: exit 0" 0 "$RC"
is "event from payload: stdout empty" "" "$(cat "$OUT")"
is "event from payload: hook_events.event" "PostToolUse|1" \
    "$(q 'SELECT event, known FROM hook_events')"
is "event from payload: tools row" "call_2d1f710e441b45ef8134c7bd|Bash|ok" \
    "$(q 'SELECT id, tool_name, status FROM tools')"
is "event from payload: log event" PostToolUse "$(lastlog .event)"

# --- wrong-typed optional fields: stored, with a warning -------------------

# tool_name a number, cwd an object, duration_ms a string.
fresh
jq -c '.tool_name = 42 | .cwd = {"dir": "/tmp"} | .duration_ms = "12"' \
    "$BASH_POST" >"$TMP/types.json"
hook PostToolUse "$TMP/types.json"
is "wrong types: exit 0" 0 "$RC"
is "wrong types: tools row, bad fields NULL" \
    "call_2d1f710e441b45ef8134c7bd|$SID||ok|1|" \
    "$(q 'SELECT id, session_id, tool_name, status, success,
	reported_duration_ms FROM tools')"
is "wrong types: tool_input kept" \
    "$(jq -r .tool_input.command "$BASH_POST")" \
    "$(q "SELECT json_extract(tool_input, '\$.command') FROM tools")"
is "wrong types: tool_output kept" \
    "$(jq -r .tool_response.stdout "$BASH_POST")" \
    "$(q "SELECT json_extract(tool_output, '\$.stdout') FROM tools")"
is "wrong types: session keeps the other fields" \
    "|bypassPermissions|$(jq -r .transcript_path "$BASH_POST")" \
    "$(q 'SELECT cwd, permission_mode, transcript_path FROM sessions')"
is "wrong types: log level warn" warn "$(lastlog .level)"
is "wrong types: log outcome stored" stored "$(lastlog .outcome)"
is "wrong types: bad_fields" "cwd,duration_ms,tool_name" \
    "$(lastlog '.bad_fields | sort | join(",")')"

# --- huge payloads ----------------------------------------------------------

# A ~20 MB tool_response string. Each 15-byte unit starts with a 2-byte
# "é", so the default 65536-byte cut falls inside a character.
awk 'BEGIN { for (i = 0; i < 1398102; i++) printf "\303\2510123456789abc" }' \
    >"$TMP/big.txt"
BIG=$(wc -c <"$TMP/big.txt" | tr -d ' ')
jq -c --rawfile big "$TMP/big.txt" '.tool_response = $big' "$BASH_POST" \
    >"$TMP/big.json"

fresh
hook PostToolUse "$TMP/big.json"
is "huge output: exit 0" 0 "$RC"
is "huge output: truncated, real size" "1|$BIG" \
    "$(q 'SELECT tool_output_truncated, tool_output_bytes FROM tools')"
is "huge output: kept 65535..65536 bytes" 1 \
    "$(q 'SELECT length(CAST(tool_output AS BLOB)) BETWEEN 65535 AND 65536
	FROM tools')"
is "huge output: kept text is a prefix of the output" 1 \
    "$(q "SELECT CAST(tool_output AS BLOB) = substr(readfile('$TMP/big.txt'),
	1, length(CAST(tool_output AS BLOB))) FROM tools")"
ok "huge output: kept text is valid UTF-8" \
    sh -c 'sqlite3 "$1" "SELECT tool_output FROM tools" |
	iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1' - "$DB"
is "huge output: log outcome stored" stored "$(lastlog .outcome)"
is "huge output: log line stays small" 1 \
    "$([ "$(log_lines | wc -c)" -lt 1000000 ] && echo 1)"

# The same with CLANKERS_OUTPUT_LIMIT=1000.
fresh
export CLANKERS_OUTPUT_LIMIT=1000
hook PostToolUse "$TMP/big.json"
unset CLANKERS_OUTPUT_LIMIT
is "output limit 1000: exit 0" 0 "$RC"
is "output limit 1000: truncated, real size" "1|$BIG" \
    "$(q 'SELECT tool_output_truncated, tool_output_bytes FROM tools')"
is "output limit 1000: kept 1..1000 bytes" 1 \
    "$(q 'SELECT length(CAST(tool_output AS BLOB)) BETWEEN 1 AND 1000
	FROM tools')"

# An Edit whose tool_input carries a 2.8 MB old_string: input kept whole.
fresh
awk 'BEGIN { for (i = 0; i < 100000; i++)
	printf "line %06d of the old text\n", i }' >"$TMP/old.txt"
jq -c --rawfile old "$TMP/old.txt" '.tool_input.old_string = $old' \
    "$EDIT_POST" >"$TMP/edit.json"
hook PostToolUse "$TMP/edit.json"
is "huge input: exit 0" 0 "$RC"
is "huge input: old_string whole" 1 \
    "$(q "SELECT json_extract(tool_input, '\$.old_string') =
	CAST(readfile('$TMP/old.txt') AS TEXT) FROM tools")"
is "huge input: rest of tool_input and file_path" \
    "Edit|numpy>=1.21.0|$(jq -r .tool_input.file_path "$EDIT_POST")" \
    "$(q "SELECT tool_name, json_extract(tool_input, '\$.new_string'),
	file_path FROM tools")"

# --- invalid UTF-8 ----------------------------------------------------------

# Bytes FF FE inside the prompt: each becomes U+FFFD in the title.
fresh
jq -c '.prompt = "badMARKbytes"' "$PROMPT" >"$TMP/u8base.json"
splice "$TMP/u8base.json" '\377\376' "$TMP/u8.json"
hook UserPromptSubmit "$TMP/u8.json"
is "invalid UTF-8 prompt: exit 0" 0 "$RC"
is "invalid UTF-8 prompt: title has U+FFFD" "bad$FFFD${FFFD}bytes" \
    "$(q 'SELECT title FROM sessions')"
is "invalid UTF-8 prompt: log outcome stored" stored "$(lastlog .outcome)"
is "invalid UTF-8 prompt: log notes it" true "$(lastlog .invalid_utf8)"
ok "invalid UTF-8 prompt: log lines are JSON" logs_json
ok "invalid UTF-8 prompt: log is valid UTF-8" logs_utf8

# Overlong, encoded-surrogate and truncated sequences in tool output.
fresh
jq -c '.tool_response.stdout = "aMARK"' "$BASH_POST" >"$TMP/u8base.json"
splice "$TMP/u8base.json" '\300\257 \355\240\200 \342\202' "$TMP/u8.json"
hook PostToolUse "$TMP/u8.json"
is "invalid UTF-8 output: exit 0" 0 "$RC"
is "invalid UTF-8 output: stored with U+FFFD" 1 \
    "$(q "SELECT instr(json_extract(tool_output, '\$.stdout'),
	'a' || char(65533)) = 1 FROM tools")"
ok "invalid UTF-8 output: stored text is valid UTF-8" \
    sh -c 'sqlite3 "$1" "SELECT tool_output FROM tools" |
	iconv -f UTF-8 -t UTF-8 >/dev/null 2>&1' - "$DB"
ok "invalid UTF-8 output: log lines are JSON" logs_json

# Invalid bytes in a payload that is rejected, with a 2-byte character
# across the 256-byte head the log keeps (bytes 255-256 once FF is
# U+FFFD): the log line stays valid.
fresh
{ printf '{"session_id":"\377%0237d' 0; printf '\303\251\377\376'; } \
    >"$TMP/u8bad.json"
hook PostToolUse "$TMP/u8bad.json"
rejected "invalid UTF-8, malformed"
ok "invalid UTF-8, malformed: log lines are JSON" logs_json
ok "invalid UTF-8, malformed: log is valid UTF-8" logs_utf8

# --- UTF-16 surrogate escapes -----------------------------------------------

# A proper pair, a lone low surrogate, and a lone high one at the end.
fresh
printf '%s' '{"session_id":"surr-1","prompt":"ok \ud83d\ude00 x\ude00y abc\ud83d"}' \
    >"$TMP/surr.json"
hook UserPromptSubmit "$TMP/surr.json"
is "surrogates: exit 0" 0 "$RC"
is "surrogates: emoji kept, lone ones U+FFFD" \
    "$(printf 'ok \360\237\230\200 x\357\277\275y abc\357\277\275')" \
    "$(q "SELECT title FROM sessions WHERE id = 'surr-1'")"
is "surrogates: log outcome stored" stored "$(lastlog .outcome)"

# An escaped backslash then "ud83d" is text, not an escape.
fresh
printf '%s' '{"session_id":"surr-2","prompt":"abc\\ud83d"}' >"$TMP/surr2.json"
hook UserPromptSubmit "$TMP/surr2.json"
is "escaped backslash: exit 0" 0 "$RC"
is "escaped backslash: literal text" 'abc\ud83d' \
    "$(q "SELECT title FROM sessions WHERE id = 'surr-2'")"

# --- NUL bytes ----------------------------------------------------------------

# A raw NUL byte inside a string: stored, the NUL as U+FFFD, the text
# after it kept.
fresh
jq -c '.prompt = "abcMARKdef"' "$PROMPT" >"$TMP/nulbase.json"
splice "$TMP/nulbase.json" '\000' "$TMP/nul1.json"
hook UserPromptSubmit "$TMP/nul1.json"
consistent "NUL in a string"
is "NUL in a string: exit 0" 0 "$RC"
is "NUL in a string: title" "abc${FFFD}def" "$(q 'SELECT title FROM sessions')"

# A raw NUL byte between tokens: not JSON.
fresh
jq -c '.' "$PROMPT" | sed 's/,"prompt"/,MARK"prompt"/' >"$TMP/nulbase.json"
splice "$TMP/nulbase.json" '\000' "$TMP/nul2.json"
hook UserPromptSubmit "$TMP/nul2.json"
consistent "NUL between tokens"

# A raw NUL byte after the object (a writer's C string terminator).
fresh
{ cat "$PROMPT"; printf '\000'; } >"$TMP/nul3.json"
hook UserPromptSubmit "$TMP/nul3.json"
consistent "NUL after the object"

# An escaped NUL ("\u0000", what JSON.stringify writes for a NUL character)
# in tool output: the text after it must not be lost.
fresh
jq -c '.tool_response = "abc\u0000def"' "$BASH_POST" >"$TMP/nul4.json"
hook PostToolUse "$TMP/nul4.json"
consistent "escaped NUL in output"
is "escaped NUL in output: text after the NUL kept" 1 \
    "$(q "SELECT instr(tool_output, 'def') > 0 FROM tools")"
is "escaped NUL in output: tool_output_bytes counts all of it" 1 \
    "$(q 'SELECT tool_output_bytes >= 7 FROM tools')"

# --- an event name clankers does not know -------------------------------------

fresh
hook SomethingNew "$BASH_POST"
is "unknown event: exit 0" 0 "$RC"
is "unknown event: session row" "$SID|SomethingNew" \
    "$(q 'SELECT id, last_event FROM sessions')"
is "unknown event: hook_events.known = 0" "SomethingNew|0|$SID" \
    "$(q 'SELECT event, known, session_id FROM hook_events')"
is "unknown event: log outcome stored" stored "$(lastlog .outcome)"
is "unknown event: log carries the raw payload" "object|$SID|Bash" \
    "$(lastlog '[(.payload | type), .payload.session_id, .payload.tool_name]
	| join("|")')"

# A huge unknown event: its first bytes in the log, not a 300 KB line.
fresh
jq -c '.blob = ("y" * 300000)' "$BASH_POST" >"$TMP/big-unknown.json"
hook SomethingBigger "$TMP/big-unknown.json"
is "huge unknown event: stored, log keeps at most 64 KiB and the size" \
    "0|1|true|true" \
    "$RC|$(q 'SELECT count(*) FROM hook_events WHERE known = 0')|$(lastlog '[(.payload_head | utf8bytelength | . <= 65536 and . > 65532), .payload_bytes > 300000] | map(tostring) | join("|")')"

# --- command-line errors ----------------------------------------------------

fresh
run
is "no command: exit 64" 64 "$RC"
ok "no command: usage on stderr" test -s "$ERR"
run nosuchcommand
is "unknown command: exit 64" 64 "$RC"
is "unknown command: stderr" "clankers: " "$(head -c 10 "$ERR")"
run --bogus
is "unknown option: exit 64" 64 "$RC"
is "unknown option: stderr" "clankers: " "$(head -c 10 "$ERR")"

# Two event arguments: hook mode, so 1, not 64 nor 2.
fresh
run hook a b <"$BASH_POST"
is "hook a b: exit 1" 1 "$RC"
is "hook a b: stdout empty" "" "$(cat "$OUT")"
is "hook a b: stderr" "clankers: " "$(head -c 10 "$ERR")"
is "hook a b: no sessions row" 0 "$(count sessions)"

# A good payload with one field nested deeper than cJSON goes (1,000): the
# error names the depth, not "malformed JSON"; the log keeps the head.
fresh
base=$(sed 's/}$//' "$BASH_POST") awk 'BEGIN { printf "%s,\"x\":", ENVIRON["base"];
    for (i = 0; i < 1200; i++) printf "["; for (i = 0; i < 1200; i++) printf "]";
    print "}" }' >"$TMP/deep.json"
hook PostToolUse "$TMP/deep.json"
rejected "nested 1,200 deep"
is "nested 1,200 deep: the error says so" \
    "clankers: hook PostToolUse: JSON nested deeper than 1000 levels: event not recorded" \
    "$(cat "$ERR")"
is "nested 1,200 deep: the log keeps the payload's head" true \
    "$(lastlog '.payload_head | startswith("{")')"

# --- every case --------------------------------------------------------------

ok "every log line of every case is one JSON object" sh -c '
	for f in "$1"/case*/data/clankers-*.jsonl; do
		while IFS= read -r line; do
			printf "%s\n" "$line" | jq -e -s "length == 1" >/dev/null 2>&1 ||
			    exit 1
		done <"$f"
	done' - "$TMP"

finish
