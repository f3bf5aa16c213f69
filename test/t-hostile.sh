#!/bin/sh
# test/t-hostile.sh: runs every case of test/hostile/catalogue (what each
# kind and outcome mean is written there) and checks its outcome, then what
# holds for every case whatever its outcome.
. "$(dirname "$0")/lib.sh"

CAT=$TOP/test/hostile/catalogue
SINGLE=$FIX/claude/hooks/single
PROMPT=$SINGLE/UserPromptSubmit.seeknal-2026-02.json
POST=$SINGLE/PostToolUse-Bash.seeknal-2026-02.json
TRANSCRIPT=$FIX/transcripts/spotter-2.1.38/short.jsonl
OCEVENT=$FIX/opencode/lazyagents-events.jsonl
ESC=$(printf '\033')
# What no terminal may get raw: C0 but tab and newline, DEL, C1 (UTF-8
# C2 80..9F) and the bidi overrides and isolates (E2 80 AA..AE, E2 81 A6..A9).
RAW=$(printf '[\001-\010\013-\037\177]|\302[\200-\237]|\342\200[\252-\256]|\342\201[\246-\251]')

# Heavy inputs under valgrind only make the run long: their classes are
# the same at a smaller size.
if [ -n "$WRAPPER" ]; then BIG=1; else BIG=0; fi
mb() { if [ $BIG = 1 ]; then echo 1; else echo "$1"; fi; }

# --- inputs: each gen_NAME writes $IN ---------------------------------------
prompt_with() { jq -c "$1" "$PROMPT" >"$IN"; }
post_with() { jq -c "$1" "$POST" >"$IN"; }
oc_assistant() {
	grep -h '"message.updated"' "$OCEVENT" | grep -m1 '"tokens"' | jq -c "$1" >"$IN"
}
lines_of() { cat "$TRANSCRIPT" >"$IN"; }

gen_empty() { : >"$IN"; }
gen_blank() { printf '  \n\t\n  ' >"$IN"; }
gen_cut() { head -c 200 "$POST" >"$IN"; }
gen_array() { { printf '['; cat "$POST"; printf ']'; } >"$IN"; }
gen_string() { printf '"PostToolUse"' >"$IN"; }
gen_number() { printf '42' >"$IN"; }
gen_null() { printf 'null' >"$IN"; }
gen_no_session() { post_with 'del(.session_id)'; }
gen_session_number() { post_with '.session_id = 7'; }
gen_session_empty() { post_with '.session_id = ""'; }
gen_random_bytes() { head -c $(($(mb 3) * 1048576)) /dev/urandom >"$IN"; }
gen_nan() { sed 's/}$/,"duration_ms":NaN}/' "$POST" >"$IN"; }
gen_deep_array() { awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; }' >"$IN"; }
gen_deep_field() {
	base=$(sed 's/}$//' "$POST") awk 'BEGIN { printf "%s,\"x\":", ENVIRON["base"];
	    for (i = 0; i < 5000; i++) printf "{\"a\":"; printf "1";
	    for (i = 0; i < 5000; i++) printf "}"; print "}" }' >"$IN"
}
gen_bom() { { printf '\357\273\277'; cat "$PROMPT"; } >"$IN"; }
gen_nul_escape() { prompt_with '.prompt = "a\u0000b"'; }
gen_lone_surrogate() { sed 's/CREATE team/CREATE \\ud800 team/' "$PROMPT" >"$IN"; }
gen_invalid_utf8() {
	base=$(cat "$PROMPT")
	printf '%s\377\376 team%s' "${base%% team*}" "${base#* team}" >"$IN"
}
gen_nul_tail() { { cat "$POST"; printf '\000garbage'; } >"$IN"; }
gen_two_objects() { { cat "$POST"; printf ' '; cat "$POST"; } >"$IN"; }
gen_dup_keys() { sed 's/"prompt"/"prompt":"first","prompt"/' "$PROMPT" >"$IN"; }
gen_quote_session() { prompt_with '.session_id = "a\"b"'; }
gen_traversal_session() { prompt_with '.session_id = "../../etc/passwd"'; }
gen_long_session() { prompt_with '.session_id = ("x" * 100000)'; }
gen_osc52_session() { prompt_with '.session_id = "s\u001b]52;c;aGVsbG8=\u0007"'; }
gen_osc52_prompt() { prompt_with '.prompt = "p \u001b]52;c;aGVsbG8=\u0007 \u001b[2J"'; }
gen_bidi_prompt() { prompt_with '.prompt = "abc \u202e gnp.exe"'; }
gen_c1_prompt() { prompt_with '.prompt = "c1 \u009b31m red"'; }
gen_huge_number() { sed 's/}$/,"duration_ms":1e400}/' "$POST" >"$IN"; }
gen_negative_duration() { post_with '.duration_ms = -5'; }
gen_big_integer() { sed 's/}$/,"duration_ms":18446744073709551616}/' "$POST" >"$IN"; }
gen_tool_input_string() { post_with '.tool_input = "ls"'; }
gen_tool_input_null() { post_with '.tool_input = null | .tool_response = [1, 2]'; }
gen_huge_response() {
	units=$(($(mb 20) * 1048576 / 16))
	post_with ".tool_response = {stdout: (\"0123456789abcde\n\" * $units)}"
}
gen_many_keys() {
	base=$(sed 's/}$//' "$POST") awk 'BEGIN { printf "%s,\"tool_input\":{", ENVIRON["base"];
	    for (i = 0; i < 100000; i++) printf "%s\"k%d\":%d", (i ? "," : ""), i, i;
	    print "}}" }' >"$IN"
}
gen_unknown_event() { prompt_with '.hook_event_name = "NoSuchEvent"'; }
gen_slash_event() { prompt_with 'del(.hook_event_name)'; }
gen_event_mismatch() { post_with '.hook_event_name = "Stop"'; }
gen_cwd_newline() { prompt_with '.cwd = "/tmp/a\nb\u001b[31m"'; }
gen_control_tool() {
	post_with '.tool_name = "Ba\u001bsh\u0007" | .tool_input.command = "echo \u009b31m \u001b]0;title\u0007"'
}

# stop: the transcript is $IN.t (made by the case), the payload $IN.
stop_payload() {
	jq -c --arg p "$1" '.hook_event_name = "Stop" | .transcript_path = $p' "$POST" >"$IN"
}
gen_stop_dev_zero() { stop_payload /dev/zero; }
gen_stop_fifo() { mkfifo "$IN.t"; stop_payload "$IN.t"; }
gen_stop_directory() { mkdir "$IN.t"; stop_payload "$IN.t"; }
gen_stop_missing() { stop_payload "$IN.t"; }
gen_stop_link_dev() { ln -s /dev/zero "$IN.t"; stop_payload "$IN.t"; }
gen_stop_relative() { stop_payload "projects/x/s.jsonl"; }
gen_stop_good() { cp "$TRANSCRIPT" "$IN.t"; stop_payload "$IN.t"; }

gen_oc_empty() { : >"$IN"; }
gen_oc_no_type() { oc_assistant 'del(.type)'; }
gen_oc_type_number() { oc_assistant '.type = 3'; }
gen_oc_unknown_type() { oc_assistant '.type = "session.teleported"'; }
gen_oc_no_session() { oc_assistant 'del(.properties.sessionID, .properties.info.sessionID)'; }
gen_oc_info_string() { oc_assistant '.properties.info = "msg"'; }
gen_oc_negative_tokens() { oc_assistant '.properties.info.tokens.input = -100 | .properties.info.tokens.output = -1'; }
gen_oc_cost_string() { oc_assistant '.properties.info.cost = "0.5"'; }
gen_oc_huge_part() {
	units=$(($(mb 10) * 1048576 / 16))
	grep -h '"message.part.updated"' "$OCEVENT" | grep -m1 '"type":"text"' |
	    jq -c ".properties.part.text = (\"0123456789abcde\n\" * $units)" >"$IN"
}
gen_oc_osc52_title() {
	grep -h '"session.updated"' "$FIX"/opencode/*-events.jsonl | head -n 1 |
	    jq -c '(.event // .) | .properties.info.title = "t \u001b]52;c;aGVsbG8=\u0007 \u009b"' >"$IN"
}
gen_oc_deep() { awk 'BEGIN { for (i = 0; i < 100000; i++) printf "{\"a\":"; }' >"$IN"; }

gen_t_good() { lines_of; }
gen_t_empty() { : >"$IN"; }
gen_t_newlines() { printf '\n\n\n' >"$IN"; }
gen_t_binary() { head -c 1048576 /dev/urandom >"$IN"; }
gen_t_broken_line() { { head -n 4 "$TRANSCRIPT"; echo '{"type":"assistant","message":{'; tail -n +5 "$TRANSCRIPT"; } >"$IN"; }
gen_t_invalid_utf8() {
	{ head -n 3 "$TRANSCRIPT"; printf '{"type":"system","content":"\377\376"}\n'; tail -n +4 "$TRANSCRIPT"; } >"$IN"
}
gen_t_nul_bytes() { { head -n 3 "$TRANSCRIPT"; printf '\000\000\n'; tail -n +4 "$TRANSCRIPT"; } >"$IN"; }
gen_t_no_final_newline() { { head -n 4 "$TRANSCRIPT"; sed -n 5p "$TRANSCRIPT" | tr -d '\n'; } >"$IN"; }
gen_t_crlf() { sed 's/$/\r/' "$TRANSCRIPT" >"$IN"; }
gen_t_huge_line() {
	{ head -n 3 "$TRANSCRIPT"
	  awk -v n=$(($(mb 9) * 1048576)) 'BEGIN { printf "{\"type\":\"system\",\"content\":\""; 
	      for (i = 0; i < n; i += 64) printf "%64s", ""; print "\"}" }'
	  tail -n +4 "$TRANSCRIPT"; } >"$IN"
}
gen_t_repeated() { sed 'p' "$TRANSCRIPT" >"$IN"; }
usage_with() {
	jq -c "if .type == \"assistant\" then $1 else . end" "$TRANSCRIPT" >"$IN"
}
gen_t_negative_tokens() { usage_with '.message.usage.output_tokens = -13'; }
gen_t_string_tokens() { usage_with '.message.usage.output_tokens = "13"'; }
gen_t_huge_tokens() { usage_with '.message.usage.output_tokens = 9223372036854775807'; }
gen_t_quote_session() { jq -c 'if .sessionId then .sessionId = "q\"s" else . end' "$TRANSCRIPT" >"$IN"; }
gen_t_osc52_title() {
	jq -c 'if .type == "user" and (.message.content | type) == "string"
	    then .message.content = "t \u001b]52;c;aGVsbG8=\u0007 \u009b31m \u202e" else . end' \
	    "$TRANSCRIPT" >"$IN"
}
gen_t_subagent_loop() {
	lines_of
	sid=$(jq -r 'select(.sessionId) | .sessionId' "$TRANSCRIPT" | head -n 1)
	mkdir -p "$(dirname "$IN")/$sid/subagents"
	mv "$IN" "$(dirname "$IN")/$sid.jsonl"
	IN=$(dirname "$IN")/$sid.jsonl
	ln -s .. "$(dirname "$IN")/$sid/subagents/agent-loop.jsonl"
	ln -s / "$(dirname "$IN")/$sid/subagents/root"
	ln -s /dev/zero "$(dirname "$IN")/$sid/subagents/agent-zero.jsonl"
}
gen_t_directory() { rm -rf "$IN"; mkdir "$IN"; }
gen_t_fifo() { rm -f "$IN"; mkfifo "$IN"; }
gen_t_dev_zero() { IN=/dev/zero; }
gen_t_missing() { rm -f "$IN"; }

# --- the checks -------------------------------------------------------------
count() { if [ -e "$DB" ]; then q "SELECT count(*) FROM $1"; else echo 0; fi; }
lastlog() { log_lines | tail -n 1 | jq -r "$1"; }
raw_free() { ! LC_ALL=C grep -Eq "$RAW" "$1"; }
logs_json() {
	log_lines | while IFS= read -r line; do
		printf '%s\n' "$line" | jq -e 'type == "object"' >/dev/null 2>&1 || exit 1
	done
}

outcome() { # NAME OUTCOME
	case $2 in
	stored|warned)
		is "$1: exit 0" 0 "$RC"
		is "$1: one hook_events row" 1 "$(count hook_events)"
		is "$1: log outcome stored" stored "$(lastlog .outcome)"
		if [ "$2" = warned ]; then
			is "$1: the log line is a warning" warn "$(lastlog .level)"
		fi
		;;
	rejected)
		is "$1: exit 1" 1 "$RC"
		is "$1: one stderr line from clankers" "1 clankers: " \
		    "$(wc -l <"$ERR" | tr -d ' ') $(head -c 10 "$ERR")"
		is "$1: nothing stored" 0 "$(count hook_events)"
		is "$1: log outcome rejected" rejected "$(lastlog .outcome)"
		;;
	read=*)
		is "$1: exit 0" 0 "$RC"
		is "$1: message rows" "${2#read=}" "$(count messages)"
		;;
	refused)
		is "$1: exit 1" 1 "$RC"
		is "$1: one stderr line from clankers" "1 clankers: " \
		    "$(wc -l <"$ERR" | tr -d ' ') $(head -c 10 "$ERR")"
		is "$1: no rows" 0 "$(count messages)"
		;;
	*) fail "$1: unknown outcome $2" ;;
	esac
}

always() { # NAME HOOK?
	case $RC in
	124|137) fail "$1: hung (timeout)" ;;
	97|98|99) fail "$1: sanitizer or valgrind report: $(head -c 400 "$ERR")" ;;
	2) fail "$1: exit 2 would steer the agent" ;;
	esac
	if [ "${2:-}" = hook ] && [ -s "$OUT" ]; then
		fail "$1: the hook printed on stdout"
	fi
	ok "$1: log lines are JSON" logs_json
	if [ -e "$DB" ]; then
		is "$1: integrity_check" ok "$(q 'PRAGMA integrity_check')"
	fi
	ok "$1: nothing raw on stderr" raw_free "$ERR"
	ok "$1: nothing raw on stdout" raw_free "$OUT"
	# Under valgrind the sanitizer runs have checked the report already.
	if [ -e "$DB" ] && [ -z "$WRAPPER" ]; then
		timeout 30 "$CLANKERS" report --by session >"$TMP/rep" 2>&1
		ok "$1: report --by session shows nothing raw" raw_free "$TMP/rep"
	fi
}

grep -v '^#' "$CAT" | while read -r name kind want what; do
	fresh
	IN=${ROOT%/data}/in-$name
	fn=gen_$(printf '%s' "$name" | tr '-' '_')
	if [ -e "$TOP/test/hostile/$name" ]; then
		cp "$TOP/test/hostile/$name" "$IN"
	elif command -v "$fn" >/dev/null 2>&1; then
		"$fn"
	else
		fail "$name: no input (test/hostile/$name or $fn)"
		continue
	fi
	echo "# $name: $what"
	OUT=$TMP/out ERR=$TMP/err
	case $kind in
	claude:*)
		timeout 60 $WRAPPER "$CLANKERS" hook "${kind#claude:}" <"$IN" >"$OUT" 2>"$ERR"
		RC=$?; always "$name" hook ;;
	opencode)
		timeout 60 $WRAPPER "$CLANKERS" hook opencode <"$IN" >"$OUT" 2>"$ERR"
		RC=$?; always "$name" hook ;;
	stop)
		timeout 60 $WRAPPER "$CLANKERS" hook Stop <"$IN" >"$OUT" 2>"$ERR"
		RC=$?; always "$name" hook ;;
	transcript)
		timeout 60 $WRAPPER "$CLANKERS" session-end --transcript "$IN" >"$OUT" 2>"$ERR"
		RC=$?; always "$name" ;;
	*) fail "$name: unknown kind $kind"; continue ;;
	esac
	outcome "$name" "$want"
	echo "$n $passed $failed" >"$TMP/tally"
	echo "$name" >>"$TMP/ran"
done
# The loop ran in a subshell: its tally is the file's.
read -r n passed failed <"$TMP/tally"
total=$(grep -vc '^#' "$CAT")
# A loop that died part way must not pass for the cases it never ran.
is "every case of the catalogue ran" "$total" "$(grep -c '' "$TMP/ran" 2>/dev/null || echo 0)"
finish
