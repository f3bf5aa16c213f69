#!/bin/sh
# test/t-e2e.sh: the real Claude Code 2.1.332 (test/claude.sh installs it with
# npm) against a loopback mock of the Messages API (test/e2e/mock_anthropic.py),
# with the hooks `clankers install claude` writes into an isolated HOME.
# Four cases: the scripted basic session (a Bash call that succeeds, two
# Reads of which one fails, a Bash call that fails, a Write the permissions
# deny, a final answer) and then a resumed /compact; a session whose subagent
# runs its own Bash in the background; a session whose API calls fail (the
# mock answers 400); and the basic session again, twice at once in one
# project, with the mock's stream slowed. The 2.1.197 captures stay as
# replays (t-replay.sh), the 2.1.332 ones too (t-claude-2132.sh). The rows are checked against the
# mock's own log of what it sent (ids, tool calls, usage numbers) and against
# the client's account of every hook it ran (its stream-json hook events and
# its debug file): each exited 0, printed nothing, and left one log line.
# Without python3, npm or the client, the file says why and counts nothing.
. "$(dirname "$0")/lib.sh"
. "$TOP/test/e2e/session.sh"
unset CLANKERS_PRICES

MOCK_PIDS=
trap 'for p in $MOCK_PIDS; do kill "$p" 2>/dev/null; done; rm -rf "$TMP"' EXIT

command -v python3 >/dev/null 2>&1 || skip "python3 not found: it runs the mock API"
if ! CLAUDE=$(sh "$TOP/test/claude.sh" 2>"$TMP/claude.err"); then
	skip "Claude Code not available: $(tr '\n' ' ' <"$TMP/claude.err" | sed 's/ *$//')"
fi
VERSION=$("$CLAUDE" --version </dev/null | cut -d' ' -f1)
# What `clankers install claude` must write: this binary, its folder resolved.
SELF=$(cd "$(dirname "$CLANKERS")" && pwd -P)/clankers
# Under valgrind a claude run takes minutes, each hook a second or two
# (well within the 10 s install gives them).
[ -z "$WRAPPER" ] || E2E_TIMEOUT=600

# --- helpers ---

# new_case: a fresh data root and HOME, a project, settings that allow Bash
# and Read (no hooks), then `clankers install claude` as a user runs it.
new_case() {
	fresh
	C=${ROOT%/data}
	e2e_project "$C/work"
	e2e_settings
	run install claude
	if [ -n "$WRAPPER" ]; then
		# The hooks under valgrind too: the command install wrote (checked
		# by the caller from the backup) becomes a script that runs it
		# under $WRAPPER, its arguments unchanged.
		cp "$HOME/.claude/settings.json" "$C/installed.json"
		mkdir -p "$C/vg"
		printf '#!/bin/sh\nexec %s "%s" "$@"\n' "$WRAPPER" "$SELF" >"$C/vg/clankers"
		chmod +x "$C/vg/clankers"
		jq --arg self "$SELF" --arg w "$C/vg/clankers" \
			'(.hooks[][].hooks[] | select(.command == $self)).command = $w' \
			"$C/installed.json" >"$HOME/.claude/settings.json"
	else
		cp "$HOME/.claude/settings.json" "$C/installed.json"
	fi
}

# c_run TAG CLAUDE-ARGS...: claude -p in the case's project, its stream-json
# (with the hook events) in $C/TAG.out, its debug log in $C/TAG.debug.
c_run() {
	tag=$1
	shift
	claude_run "$C/$tag" "$@" --output-format stream-json --verbose \
		--include-hook-events --debug-file "$C/$tag.debug"
}

# result TAG JQ: a field of the run's result line.
# With a background agent the run has one result per turn: the last counts.
result() { jq -rs "map(select(.type == \"result\")) | last | $2" "$C/$1.out"; }

# Every hook the client ran, one line each, from its own account: the
# hook_response events of the stream ("Event exit stdout-bytes stderr-bytes")
# and, for the hooks run outside the stream (InstructionsLoaded, PreCompact,
# PostCompact, SessionEnd, ...), the debug file's "Event:matcher [command]
# completed with status N" ("Event N - -").
client_hooks() {
	cat "$C"/*.out | jq -r 'select(.type == "system" and .subtype == "hook_response")
		| "\(.hook_event) \(.exit_code) \(.stdout | length) \(.stderr | length)"'
	cat "$C"/*.debug | sed -n 's/^[^ ]* \[DEBUG\] \([A-Za-z]*\):[^ ]* \[.*\] completed with status \([0-9-]*\)$/\1 \2 - -/p'
}
# Per event, how many runs: "Event N" lines.
by_event() { cut -d' ' -f1 | sort | uniq -c | awk '{ print $2, $1 }'; }


# check_hooks NAME [EVENT]: what the client saw of our hooks, and the log
# they left. EVENT: a hook the client runs as it shuts down (StopFailure),
# which it may stop before it is done: a run of it that did not exit 0 is
# left out, and said.
check_hooks() {
	client_hooks >"$C/hooks"
	runs=$(cat "$C"/*.debug | grep -c 'Hook output does not start with {')
	same "$1: the client's two accounts of its hook runs agree (stream + completions = outputs parsed)" \
		"$([ "$runs" -gt 0 ] && echo "$runs")" "$(grep -c '' "$C/hooks")"
	if [ -n "${2:-}" ] && grep -q "^$2 [^0]" "$C/hooks"; then
		echo "# $1: the client stopped its $2 hook at shutdown: $(grep "^$2 [^0]" "$C/hooks" | tr '\n' ' ')"
		grep -v "^$2 [^0]" "$C/hooks" >"$C/hooks.kept"
		mv "$C/hooks.kept" "$C/hooks"
	fi
	is "$1: every hook run exited 0 (never 2); those the stream reports printed nothing on stdout or stderr" "" \
		"$(grep -v -E '^[A-Za-z]+ 0 (0 0|- -)$' "$C/hooks")"
	same "$1: one log line per hook run, by event" "$(by_event <"$C/hooks")" \
		"$(log_lines | jq -r .event | by_event)"
	is "$1: no warn or error line in the log" "" "$(log_lines | jq -c 'select(.level != "info")')"
	same "$1: each log line's invocation is one hook_events row" "$(log_lines | jq -r .invocation | sort)" \
		"$(q 'select invocation from hook_events order by invocation')"
	is "$1: no hook error or blocking message in the client's output, stderr or transcripts" "" \
		"$({ cat "$C"/*.out "$C"/*.err; find "$HOME/.claude/projects" -name '*.jsonl' -exec cat {} +; } |
			grep -i -o -E 'hook (error|blocking)|blocking error|non-blocking|hook_(non_)?blocking[a-z_]*' | sort -u)"
}

# The mock's log, reduced: one line per response it sent whole.
responses() { jq -c 'select(has("response"))' "$C/mock.jsonl"; }
# usage_of JQ: "input output cache-write cache-read" summed over the
# responses matching JQ; nothing when none does.
usage_of() {
	responses | jq -s -r "map(select($1) | .usage) | select(length > 0)
		| \"\(map(.input_tokens) | add) \(map(.output_tokens) | add) \(map(.cache_creation_input_tokens) | add) \(map(.cache_read_input_tokens) | add)\""
}
# cost_of JQ: what prices.tsv gives for those responses, each at its model's
# price (USD per million: input, output, 5-minute cache write, cache read;
# the mock writes no 1-hour cache and no request is above a threshold).
cost_of() {
	responses | jq -r "select($1) | \"\(.model) \(.usage.input_tokens) \(.usage.output_tokens) \(.usage.cache_creation_input_tokens) \(.usage.cache_read_input_tokens)\"" |
		awk -v prices="$TOP/prices.tsv" 'BEGIN { FS = "\t"
			while ((getline l <prices) > 0) { if (l ~ /^#/) continue; split(l, f, "\t")
			    pin[f[1]] = f[2]; pout[f[1]] = f[3]; pw[f[1]] = f[4]; pr[f[1]] = f[6] } FS = " " }
		    { if (!($1 in pin)) { print "no price for " $1; exit 1 }
		      c += ($2 * pin[$1] + $3 * pout[$1] + $4 * pw[$1] + $5 * pr[$1]) / 1e6 }
		    END { if (NR) printf "%.10f\n", c }'
}
totals() {
	q "select input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens from sessions where id = '$1'" | tr '|' ' '
}
# near A B: A within 1e-9 (relative) of B.
near() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
	    if (m < 1e-6) m = 1e-6; exit !(d <= 1e-9 * m) }'
}
cost_is() {
	if [ -n "$2" ] && [ -n "$3" ] && near "$3" "$2"; then
		pass "$1"
	else
		fail "$1"
		echo "#   expected \$$2, got \$$3"
	fi
}
# Each response's id and usage, from the mock and from the rows.
mock_rows() {
	responses | jq -r "select($1) | \"\(.response)|\(.usage.input_tokens)|\(.usage.output_tokens)|\(.usage.cache_creation_input_tokens)|\(.usage.cache_read_input_tokens)\"" | sort
}
db_rows() {
	q "select id, input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens
	   from messages where role = 'assistant' and session_id = '$1' order by id"
}
# Each tool call (id, name, input, the response that made it), sorted keys.
mock_tools() {
	responses | jq -c -S "select($1) | .response as \$m | .tool_uses[] | {id, name, input, message: \$m}" | sort
}
db_tools() {
	q "select json_object('id', id, 'name', tool_name, 'input', json(tool_input), 'message', message_id)
	   from tools where session_id = '$1'" | jq -c -S . | sort
}

# The rows of session $1, without what differs from run to run (ids, times,
# durations) and with the project's path as PROJ: one JSON object a line,
# sorted. Times are checked to be there, not compared.
dump() {
	sqlite3 -json "$DB" "
	select 'session' as t, title, title_source, project_path, project_name, model, models,
	    status, permission_mode, start_source, end_reason, client_version, input_tokens,
	    output_tokens, cache_creation_input_tokens, cache_read_input_tokens, prompt_tokens,
	    completion_tokens, printf('%.8f', cost_usd) as cost, message_count, tool_call_count,
	    responses, unpriced_responses, bad_lines, last_event, ended_at >= created_at as ended
	  from sessions where id = '$1';
	select 'message' as t, role, text_content, model, input_tokens, output_tokens,
	    cache_creation_input_tokens, cache_read_input_tokens, printf('%.8f', cost_usd) as cost,
	    is_sidechain, agent_id is null as main, created_at is not null as timed
	  from messages where session_id = '$1';
	select 'tool' as t, tool_name, tool_input, tool_output, file_path, status, success,
	    error_message, message_id is not null as linked, duration_ms >= 0 as timed
	  from tools where session_id = '$1';
	select 'hook' as t, event, count(*) as n from hook_events where session_id = '$1' group by event;
	select 'compaction' as t, phase, trigger, summary from compaction_events where session_id = '$1';
	select 'transcript' as t, bad_lines, offset = size as whole from transcript_files where session_id = '$1';
	" | jq -c -S '.[]' | sed "s#$E2E_PROJ#PROJ#g" | sort
}

# report_gaps NAME: `clankers report` over the case ($DB, the logs in $ROOT)
# shows no *Not saved*, no *Not logged* and no running gap, in its JSON and
# in the table a user reads. Called at the end of each case.
report_gaps() {
	run --data-root "$ROOT" report --json --section gaps
	is "$1: report --json: exit 0 and no gap" "0|[]" \
		"$RC|$(jq -c '[.gaps[] | {kind, what, count, items}]' "$OUT" 2>&1)"
	run --data-root "$ROOT" report --section gaps
	ok "$1: report: the table says No gaps" grep -q '^No gaps:' "$OUT"
}

# The basic session's expectations, for the case run alone and the two
# slowed runs: its tools in the script's order (the mock numbers its ids).
basic_tools() {
	q "select tool_name, status, success, case when status = 'ok' then
	    coalesce(json_extract(tool_output, '\$.stdout'), json_extract(tool_output, '\$.file.content'))
	    else error_message end from tools where session_id = '$1' order by id"
}
BASIC_TOOLS="Bash|ok|1|hello-from-tool
Read|ok|1|hello file contents

Read|error|0|File does not exist. Note: your current working directory is PROJ.
Bash|error|0|Exit code 3
failing
Write|error|0|Claude requested permissions to write to PROJ/written.txt, but you haven't granted it yet."

# ===== basic: tool ok, tool error, missing file, denied Write; then /compact =====
new_case
is "install: exit 0, 30 events registered in the settings the client reads" \
	"0|clankers: registered 30 events in '$HOME/.claude/settings.json' (30 added); backup in '$HOME/.claude/settings.json.clankers-backup'" \
	"$RC|$(cat "$OUT")"
is "install: every hook runs this binary by its absolute path (exec form, args hook EVENT); the permissions kept" \
	"30|[\"Bash\",\"Read\"]" \
	"$(jq --arg self "$SELF" '[.hooks | to_entries[] | select(.value == [{hooks: [{type: "command",
		command: $self, args: ["hook", .key], timeout: 10}]}])] | length' "$C/installed.json")|$(jq -c .permissions.allow "$C/installed.json")"
if ! mock_start "$C" basic; then
	fail "basic: the mock API did not start: $(head -c 300 "$C/mock.stderr")"
	finish
	exit
fi
c_run run1 -p "run echo"
SID=$(result run1 .session_id)
c_run run2 -p /compact --resume "$SID"
mock_stop
is "basic: both client runs exit 0 with nothing on stderr; the final answer and the compaction" \
	"0||All done. MOCK-FINAL-ANSWER: hello-from-tool|0||1" \
	"$(cat "$C/run1.rc")|$(cat "$C/run1.err")|$(result run1 .result)|$(cat "$C/run2.rc")|$(cat "$C/run2.err")|$(jq -c 'select(.subtype == "compact_boundary")' "$C/run2.out" | wc -l | tr -d ' ')"
MODEL=$(responses | jq -r .model | sort -u)
is "basic: the client fired what 2.1.332 fires for this script (MessageDisplay not registered)" \
	"InstructionsLoaded 2
PermissionRequest 1
PostCompact 1
PostToolBatch 4
PostToolUse 2
PostToolUseFailure 2
PreCompact 1
PreToolUse 5
SessionEnd 2
SessionStart 3
Stop 1
SubagentStop 1
UserPromptSubmit 1" "$(client_hooks | by_event)"
check_hooks basic
is "basic: one session row: model, project path, title, ended, end reason, client version" \
	"$SID|$MODEL|$E2E_PROJ|run echo|ended|other|$VERSION|1" \
	"$(q "select id, model, project_path, title, status, end_reason, client_version, ended_at >= created_at from sessions")"
same "basic: one row per response the mock sent and the transcript holds (all but /compact's), its usage the mock's" \
	"$(mock_rows '.label != "compact"')" "$(db_rows "$SID")"
same "basic: each response's text is the text the mock sent" \
	"$(responses | jq -r 'select(.label != "compact") | "\(.response)|\(.text)"' | sort)" \
	"$(q "select id, ifnull(text_content, '') from messages where role = 'assistant' order by id")"
is "basic: one row per user prompt: the first and the /compact command, none flagged" \
	"run echo|0
<command-name>/compact</command-name>|0" \
	"$(q "select substr(text_content, 1, 37), is_sidechain from messages where role = 'user' order by created_at")"
same "basic: one tool row per call the mock made: its id, name, input and the response that made it" \
	"$(mock_tools true)" "$(db_tools "$SID")"
is "basic: statuses and outputs: Bash ok, Read ok, Read of a missing file error, Bash exit 3 error, denied Write error" \
	"$BASIC_TOOLS" "$(basic_tools "$SID" | sed "s#$E2E_PROJ#PROJ#g")"
is "basic: the denied Write is the client's permission denial, closed, not left running" \
	"$(result run1 '.permission_denials[].tool_use_id')|error|0" \
	"$(q "select id, status, success from tools where tool_name = 'Write'")"
is "basic: the Write was asked for (PermissionRequest) and denied; no other call asked" \
	"Write|denied" "$(q "select tool_name, permission from tools where permission is not null")"
is "basic: every tool timed: started, ended, duration" 0 \
	"$(q "select count(*) from tools where started_at is null or ended_at < started_at or duration_ms is null or duration_ms < 0")"
same "basic: session totals equal the mock's usage numbers for the responses in the transcript" \
	"$(usage_of '.label != "compact"')" "$(totals "$SID")"
is "basic: the mock sent 1201 in/121 out more: the /compact summary, which the client writes to no transcript" \
	"1201 121 0 0|0" \
	"$(echo "$(usage_of true) $(totals "$SID")" | awk '{ print $1 - $5, $2 - $6, $3 - $7, $4 - $8 }')|$(
		find "$HOME/.claude/projects" -name '*.jsonl' -exec cat {} + |
		grep -c -F "$(responses | jq -r 'select(.label == "compact") | .response')")"
same "basic: the client's own totals (cost-state) are the mock's for every response, /compact's in" \
	"$(usage_of true)" "$(q "select sum(input_tokens), sum(output_tokens), sum(cache_creation_input_tokens),
	    sum(cache_read_input_tokens) from client_usage where session_id = '$SID'" | tr '|' ' ')"
cost_is "basic: ... and its cost the second run's total_cost_usd, kept beside the responses' cost" \
	"$(result run2 .total_cost_usd)" "$(q "select client_cost_usd from sessions where id = '$SID'")"
run --data-root "$ROOT" report --section usage
ok "basic: report shows the client's own cost beside the responses'" \
	grep -qF "differ in 1 session: \$$(result run2 .total_cost_usd | awk '{ printf "%.6f", $1 }') against" "$OUT"
cost_is "basic: cost is the price table's for those responses" \
	"$(cost_of '.label != "compact"')" "$(q "select cost_usd from sessions where id = '$SID'")"
cost_is "basic: ... and the client's own total_cost_usd for the first run" \
	"$(result run1 .total_cost_usd)" "$(q "select cost_usd from sessions where id = '$SID'")"
same "basic: PreCompact and PostCompact stored, the mock's summary with the second" \
	"$(responses | jq -r 'select(.label == "compact") | "pre|manual|\npost|manual|\(.text)"')" \
	"$(q "select phase, trigger, ifnull(summary, '') from compaction_events order by created_at")"
T=$(q "select transcript_path from sessions where id = '$SID'")
is "basic: the transcript read to its end, no bad line" "$(wc -c <"$T" | tr -d ' ')|0" \
	"$(q "select offset, bad_lines from transcript_files where session_id = '$SID'")"
report_gaps basic
dump "$SID" >"$TMP/basic.dump"

# ===== subagent: an Agent call whose subagent runs Bash =====
new_case
mock_start "$C" subagent || fail "subagent: the mock API did not start: $(head -c 300 "$C/mock.stderr")"
c_run run1 -p "delegate an echo to a subagent"
mock_stop
SID=$(result run1 .session_id)
is "subagent: the client run exits 0 with nothing on stderr; the final answer" \
	"0||Subagent finished. MOCK-FINAL-ANSWER" \
	"$(cat "$C/run1.rc")|$(cat "$C/run1.err")|$(result run1 .result)"
check_hooks subagent
AID=$(find "$HOME/.claude/projects" -name 'agent-*.jsonl' | sed 's#.*/agent-##; s#\.jsonl$##')
is "subagent: one session row: model, project path, title, ended, end reason" \
	"$SID|$MODEL|$E2E_PROJ|delegate an echo to a subagent|ended|other" \
	"$(q "select id, model, project_path, title, status, end_reason from sessions")"
same "subagent: one row per response the mock sent (main and subagent), its usage the mock's" \
	"$(mock_rows true)" "$(db_rows "$SID")"
same "subagent: the subagent's responses flagged as sidechain, with its agent id; each the mock's text" \
	"$(responses | jq -r '"\(.response)|\(if (.label | startswith("sub")) then "1|'"$AID"'" else "0|" end)|\(.text)"' | sort)" \
	"$(q "select id, is_sidechain, ifnull(agent_id, ''), ifnull(text_content, '') from messages where role = 'assistant' order by id")"
is "subagent: the user's prompt, the subagent's prompt flagged, the client's <task-notification> flagged a notification" \
	"delegate an echo to a subagent|0||0
<task-notification>|0||1
SUBAGENT-TASK: run echo hello-from-subagent|1|$AID|0" \
	"$(q "select case when is_notification then substr(text_content, 1, 19) else text_content end,
	    is_sidechain, ifnull(agent_id, ''), is_notification
	    from messages where role = 'user' order by is_sidechain, created_at")"
same "subagent: one tool row per call the mock made: its id, name, input and the response that made it" \
	"$(mock_tools true)" "$(db_tools "$SID")"
is "subagent: Agent ok in the main thread (launched in the background), the subagent's Bash ok (its echo) with its agent id, both timed" \
	"Agent|ok|1||async_launched|1
Bash|ok|1|$AID|hello-from-subagent|1" \
	"$(q "select tool_name, status, success, ifnull(agent_id, ''), coalesce(json_extract(tool_output, '\$.stdout'),
	    json_extract(tool_output, '\$.status')), duration_ms >= 0 from tools order by id")"
is "subagent: the Agent call names its agent and ends when the agent stops (SubagentStop), not at the launch" \
	"$AID|1" "$(q "select launched_agent_id, ended_at = (select received_at from hook_events
	    where event = 'SubagentStop') from tools where tool_name = 'Agent'")"
same "subagent: the agent's tokens, under the call, are the mock's for the subagent's responses" \
	"$(usage_of '.label | startswith("sub")')" \
	"$(q "select sum(m.input_tokens), sum(m.output_tokens), sum(m.cache_creation_input_tokens),
	    sum(m.cache_read_input_tokens) from tools t join messages m on m.agent_id = t.launched_agent_id
	    and m.role = 'assistant' where t.tool_name = 'Agent'" | tr '|' ' ')"
same "subagent: session totals equal the mock's usage numbers for every response (main and subagent)" \
	"$(usage_of true)" "$(totals "$SID")"
cost_is "subagent: cost is the price table's for those responses" \
	"$(cost_of true)" "$(q "select cost_usd from sessions where id = '$SID'")"
cost_is "subagent: ... and the client's own total_cost_usd" \
	"$(result run1 .total_cost_usd)" "$(q "select cost_usd from sessions where id = '$SID'")"
is "subagent: both transcript files read to their end" "2|0" \
	"$(q "select count(*), sum(offset != size) from transcript_files")"
report_gaps subagent

# ===== failing: every API call answered 400 (no retry) =====
new_case
FAIL_STATUS=400 mock_start "$C" basic || fail "failing: the mock API did not start: $(head -c 300 "$C/mock.stderr")"
CLAUDE_CODE_MAX_RETRIES=0 c_run run1 -p "run echo"
mock_stop
SID=$(result run1 .session_id)
is "failing: the client run exits 1, its result an API error" "1|api_error" \
	"$(cat "$C/run1.rc")|$(result run1 .terminal_reason)"
check_hooks failing StopFailure
same "failing: the client fired StopFailure; each run it let finish is stored" \
	"$(grep -c '^StopFailure 0' "$C/hooks")" "$(q "select count(*) from hook_events where event = 'StopFailure'")"
is "failing: one session_errors row: the error kind and the client's message" "1|API Error: 400" \
	"$(q "select count(*), substr(min(error_message), 1, 14) from session_errors where session_id = '$SID'")"
is "failing: the <synthetic> line is no response and no model" "0|0|" \
	"$(q "select responses, (select count(*) from messages where role = 'assistant'), coalesce(models, '') from sessions where id = '$SID'")"
run --data-root "$ROOT" report --json --section gaps
is "failing: report shows the session failed, and no Not saved gap" \
	"0|[{\"kind\":\"failed\",\"what\":\"session\",\"count\":1}]" \
	"$RC|$(jq -c '[.gaps[] | {kind, what, count}]' "$OUT" 2>&1)"

if [ -n "$WRAPPER" ]; then
	# Under valgrind every hook takes a second or more: the basic session
	# with its /compact and the subagent (40 hook runs) prove the hooks
	# clean; the slowed, concurrent runs (another 50) are left to the run
	# without valgrind, which keeps the file under two minutes.
	echo "# valgrind: the slowed concurrent runs skipped (they run without valgrind)"
	finish
	exit
fi

# ===== the basic session twice at once in one project, the stream slowed =====
new_case
mock_start "$C" basic --delay 0.05 || fail "slowed: the mock API did not start: $(head -c 300 "$C/mock.stderr")"
pids=
for k in a b; do
	(
		c_run "run1$k" -p "run echo"
		c_run "run2$k" -p /compact --resume "$(result "run1$k" .session_id)"
	) &
	pids="$pids $!"
done
wait $pids
mock_stop
is "slowed, concurrent: the four client runs exit 0 with nothing on stderr" "0|0|0|0|" \
	"$(cat "$C"/run1a.rc "$C"/run1b.rc "$C"/run2a.rc "$C"/run2b.rc | tr '\n' '|')$(cat "$C"/*.err)"
check_hooks "slowed, concurrent"
is "slowed, concurrent: two sessions, both ended" "2|2" \
	"$(q "select count(*), sum(status = 'ended') from sessions")"
for k in a b; do
	S=$(result "run1$k" .session_id)
	same "slowed, concurrent ($k): totals equal the mock's usage for its responses but /compact's (by session header)" \
		"$(usage_of ".session == \"$S\" and .label != \"compact\"")" "$(totals "$S")"
	same "slowed, concurrent ($k): the same rows as the basic session run alone" \
		"$(cat "$TMP/basic.dump")" "$(dump "$S")"
	is "slowed, concurrent ($k): statuses and outputs as in the basic session" \
		"$BASIC_TOOLS" "$(basic_tools "$S" | sed "s#$E2E_PROJ#PROJ#g")"
done
report_gaps "slowed, concurrent"

finish
