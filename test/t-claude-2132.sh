#!/bin/sh
# Real Claude Code 2.1.332 sessions (test/fixtures/e2e-2.1.332, captured by
# shared/tools/claude-e2e) replayed through the hooks, with the transcript
# as it was on disk when each hook ran. What 2.1.332 added must land as what
# it means: the background agent's call spans its run, the API failure is an
# error and no response, the switches and the permission prompt are rows,
# and the client's own cost-state totals sit beside the responses' sum.
. "$(dirname "$0")/lib.sh"

PF=$FIX/e2e-2.1.332/payloads
TF=$FIX/e2e-2.1.332/transcript

# replay332 SCENARIO CAPTURE_DIR WORKDIR SID [EXTRA_PAYLOAD...]: the
# scenario's payloads in firing order (extra ones sorted in by name), each
# after the transcript snapshot its hook saw; paths under /tmp/cc-new/CAPTURE_DIR
# go to WORKDIR. Sets T to the main transcript.
replay332() {
	sc=$1 cap=$2 w=$3 sid=$4
	shift 4
	proj=$w/home/.claude/projects/$(printf '%s' "$w/work" | tr '/.' '--')
	T=$proj/$sid.jsonl
	mkdir -p "$proj" "$TMP/p-$sc"
	for f in "$PF/$sc"/*.json "$@"; do
		sed -e "s#/tmp/cc-new/$cap/home/.claude/projects/-tmp-cc-new-$cap-work#$proj#g" \
			-e "s#/tmp/cc-new/$cap#$w#g" "$f" >"$TMP/p-$sc/$(basename "$f")"
	done
	for f in "$TMP/p-$sc"/*.json; do
		name=${f##*/}
		snap=$TF/$sc/at-hook/${name%.json}.jsonl
		full=$TF/$sc/$sid.jsonl
		if [ -f "$snap" ]; then
			sed -e "s#/tmp/cc-new/$cap#$w#g" "$snap" >"$T"
		elif [ ! -f "$T" ] && [ "${name#*-}" != SessionStart.json ]; then
			:
		fi
		# The subagent's own file is complete when SubagentStop runs.
		if [ "${name#*-}" = SubagentStop.json ] && [ -d "$TF/$sc/$sid/subagents" ]; then
			mkdir -p "$proj/$sid/subagents"
			for a in "$TF/$sc/$sid/subagents"/*; do
				sed "s#/tmp/cc-new/$cap#$w#g" "$a" >"$proj/$sid/subagents/${a##*/}"
			done
		fi
		ev=${name#*-}
		hook "${ev%.json}" "$f"
	done
	# The final file, for what no hook snapshot caught (session-end reads it).
	sed -e "s#/tmp/cc-new/$cap#$w#g" "$TF/$sc/$sid.jsonl" >"$T"
}

# --- basic: tools ok, failing, missing file, denied Write (PermissionRequest),
# then a resumed /compact whose summary call no assistant line records ---
fresh
SID=8774a681-13fb-44c2-a1a6-58d2757e195a
replay332 basic out-basic "$TMP/basic" $SID
# Mock usage per response 1001..1005 in, 101..105 out, 2001.. cache write,
# 3001.. cache read; the client's own total_cost_usd of the first run.
is "basic: the responses' totals and cost (the transcript's assistant lines)" \
	"5015|515|10015|15015|0.083438|5" \
	"$(q 'select input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, round(cost_usd, 6), responses from sessions')"
is "basic: the client's own running totals (cost-state), apart: the /compact call in" \
	"claude-opus-5-5|6216|636|0|10015|15015|0.090662" \
	"$(q 'select model, input_tokens, output_tokens, thinking_tokens, cache_creation_input_tokens, cache_read_input_tokens, round(cost_usd, 6) from client_usage')"
is "basic: the session keeps the client's total beside the responses' sum" "0.090662|0.083438" \
	"$(q 'select round(client_cost_usd, 6), round(cost_usd, 6) from sessions')"
is "basic: new line types are no messages: 5 responses, 2 prompts" "assistant|5
user|2" "$(q 'select role, count(*) from messages group by role order by role')"
is "basic: the prompts: the first and the /compact (no api-request-blob)" "run echo
<command-name>/compact</command-name>" \
	"$(q "select substr(text_content, 1, 37) from messages where role = 'user' order by created_at")"
is "basic: thinking tokens kept per response (0 here), inside output, never priced again" \
	"5|0|515" "$(q "select count(thinking_tokens), sum(thinking_tokens), sum(output_tokens) from messages where role = 'assistant'")"
is "basic: every line counted, none bad (atis-latch, api-request*, tools-used, cost-state...)" \
	"63|0" "$(q 'select lines, bad_lines from transcript_files')"
is "basic: no warn or error line for the new line types" 0 \
	"$(log_lines | jq -c 'select(.level != "info")' | wc -l | tr -d ' ')"
is "basic: the tool rows and the permission decision" \
	"toolu_mock1646bf95000001|Bash|ok|
toolu_mock1646bf95000004|Read|ok|
toolu_mock1646bf95000005|Read|error|
toolu_mock1646bf95000008|Bash|error|
toolu_mock1646bf95000011|Write|error|denied" \
	"$(q "select id, tool_name, status, coalesce(permission, '') from tools order by id")"
run report --section gaps
is "basic: report has no gap" "No gaps:" "$(sed -n '/^Gaps/,/^$/p' "$OUT" | sed -n 2p | cut -c1-8)"

run report --section usage
ok "basic: report's usage total is the responses' (\$0.08)" grep -q '^total .* \$0\.08$' "$OUT"
is "basic: report shows the client's own \$0.090662 beside it, and what no response records" \
	"The client's own totals (cost-state) differ in 1 session: \$0.090662 against \$0.083438 from the responses (+1201 input, +121 output tokens that no response records)" \
	"$(grep "^The client's own" "$OUT")"
run report --section usage --json
is "basic: report --json has both figures" "0.090662 0.083438" \
	"$(jq -r '.usage.client_totals | "\(.client_cost_usd * 1000000 | round / 1000000) \(.responses_cost_usd * 1000000 | round / 1000000)"' "$OUT")"

run session-end --session $SID
is "basic: session-end shows the client's own cost beside the responses'" \
	"  the client's own cost: \$0.090662 against \$0.083438 from the responses (it counts calls no response records)" \
	"$(grep "client's own" "$OUT")"

# Replaying every event again changes no row.
dump() {
	q "select * from messages order by id; select * from tools order by id;
	   select * from client_usage; select * from session_errors;
	   select id, model, models, input_tokens, output_tokens, cost_usd, client_cost_usd,
	   message_count, tool_call_count from sessions"
}
dump >"$TMP/before"
replay "$TMP/p-basic"
run session-end --session $SID --full
dump >"$TMP/after"
is "basic: a replay and a full read again change no row" "" "$(diff "$TMP/before" "$TMP/after")"

# --- api-error-400: the mock answers 400; the transcript's only assistant
# line is the client's own (<synthetic>, zero usage) ---
fresh
SID=5f25f7e0-ddbb-48a0-8c81-5364f3d070b4
replay332 api-error-400 x-f400 "$TMP/f400" $SID
is "api-error: no response, no model counted" "0|||0" \
	"$(q "select responses, model, models, (select count(*) from messages where role = 'assistant') from sessions")"
is "api-error: the failure is a session_errors row" "unknown|API Error: 400 mock failure" \
	"$(q 'select error_type, error_message from session_errors')"
run report --section gaps
is "api-error: report shows the session failed, not incomplete" \
	"Failed           1  session: sessions whose turn ended in an API error (session_errors)
                    $SID (unknown)" "$(sed -n '/^Gaps/,/^$/p' "$OUT" | sed -n '2,3p')"
ok "api-error: no Not saved gap (model, tokens)" sh -c "! grep -q 'Not saved' '$OUT'"
# The same failure told by StopFailure (the wrapper's copy of this run's kind,
# its session and prompt rewritten into this one) stays one row.
sed -e "s/12e28ab0-1acf-4a6d-9821-71cc2f4c0d55/$SID/" -e "s#/tmp/cc-new/z-f400#$TMP/f400#g" \
	-e "s/b3603c80-3102-45b8-8c53-d4029a552dbf/275c6186-6dd2-47fb-954f-5a28980c33a8/" \
	"$PF/wrapper-extra/1796557000987706300-StopFailure.json" >"$TMP/stopfailure.json"
hook StopFailure "$TMP/stopfailure.json"
is "api-error: StopFailure of the same failure adds no second row" 1 "$(q 'select count(*) from session_errors')"
# A StopFailure alone (no transcript line) stores its own row.
fresh
hook StopFailure "$TMP/stopfailure.json"
is "StopFailure alone: kind, message, time" "unknown|API Error: 400 mock failure|1" \
	"$(q 'select error_type, error_message, created_at > 0 from session_errors')"

# --- model-not-found: the base URL gives 404; no hook but the transcript ---
fresh
SID=bc177ac5-c125-4013-b6cd-7cebfc22ed7d
mkdir -p "$TMP/mnf"
cp "$TF/model-not-found/$SID.jsonl" "$TMP/mnf/$SID.jsonl"
run session-end --transcript "$TMP/mnf/$SID.jsonl"
is "model-not-found: the transcript alone gives the failure and no response" \
	"model_not_found|0|" \
	"$(q "select (select error_type from session_errors), responses, coalesce(models, '') from sessions")"

# --- subagent: the Agent tool runs its agent in the background; the main
# Stop fires while it runs, then a <task-notification> turn ---
fresh
SID=c79c04f7-78cf-4af6-8e1e-c69d2e0f8721
AG=a122922e6da290ada
replay332 subagent out-subagent "$TMP/sub" $SID
is "subagent: totals of the main and the agent's responses" "5212|532|6009|9009|0.063335" \
	"$(q 'select input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, round(cost_usd, 6) from sessions')"
is "subagent: the Agent call names the agent it launched, keeps the launch's answer, and ends with the agent" \
	"Agent|$AG|async_launched|ok|1" \
	"$(q "select t.tool_name, t.launched_agent_id, json_extract(t.tool_output, '$.status'), t.status,
	   t.ended_at = (select received_at from hook_events where event = 'SubagentStop') from tools t where id = 'toolu_mock833eeb80000001'")"
# opus-5-5 at $4/$20 per million: 2203 x 4 + 223 x 20 = 13272 millionths.
is "subagent: the agent's responses and cost, reported under the call" "2|2203|223|0.013272" \
	"$(q "select count(*), sum(m.input_tokens), sum(m.output_tokens), round(sum(m.cost_usd), 6)
	   from tools t join messages m on m.session_id = t.session_id and m.agent_id = t.launched_agent_id
	   and m.role = 'assistant' where t.id = 'toolu_mock833eeb80000001'")"
is "subagent: the background_agents view: the call, its agent, its run and its cost" \
	"toolu_mock833eeb80000001|$AG|ok|1|2|2203|223|0.013272" \
	"$(q "select tool_use_id, agent_id, status, duration_ms >= 0, responses, input_tokens, output_tokens,
	   round(cost_usd, 6) from background_agents")"
is "subagent: the <task-notification> is a flagged prompt, not the user's, not the title" \
	"1|<task-notification>|delegate an echo to a subagent" \
	"$(q "select is_notification, substr(text_content, 1, 19), (select title from sessions) from messages where is_notification = 1")"
is "subagent: the user's own prompts stay unflagged" "2" \
	"$(q "select count(*) from messages where role = 'user' and is_notification = 0")"
is "subagent: the first Stop logged its running background task" "1" \
	"$(log_lines | jq -r 'select(.event == "Stop" and .background_tasks) | .background_tasks')"

# Between the first Stop and SubagentStop the call is still running.
fresh
mkdir -p "$TMP/sub2"
for f in "$TMP/p-subagent"/*.json; do
	case ${f##*/} in *-SubagentStop.json) break ;; esac
	snap=$TF/subagent/at-hook/$(basename "$f" .json).jsonl
	[ -f "$snap" ] && sed "s#/tmp/cc-new/out-subagent#$TMP/sub#g" "$snap" >"$T"
	ev=${f##*/}; ev=${ev#*-}
	hook "${ev%.json}" "$f"
done
is "subagent: after the main Stop the Agent call runs on, the session stays active" \
	"running||active" \
	"$(q "select status, coalesce(ended_at, ''), (select status from sessions) from tools where id = 'toolu_mock833eeb80000001'")"

# --- model-switch: /model claude-haiku-4-5 on resume; PreModelSwitch came
# to the capturing hook, PostModelSwitch (the wrapper's, rewritten into this
# session) completes it ---
fresh
SID=37d9d168-d420-4f09-89bd-43adab3ce3c1
sed -e "s/1c012989-f1b0-4347-9bd8-32554518e713/$SID/" -e "s#/tmp/cc-new/z-model#/tmp/cc-new/x-model#g" \
	-e "s/8477f3e6-7fad-49af-970a-fde29c874402/4edd00fc-557c-43ac-a7c9-15e9c719bd81/" \
	"$PF/wrapper-extra/1796556998600019580-PostModelSwitch.json" >"$TMP/1796556949488165172-PostModelSwitch.json"
replay332 model-switch x-model "$TMP/model" $SID "$TMP/1796556949488165172-PostModelSwitch.json"
is "model-switch: one row per switch: from, to, requested, source, done" \
	"claude-opus-5-5|claude-haiku-4-5|claude-haiku-4-5|command|1|1" \
	"$(q 'select from_model, to_model, requested_model, switch_source, done, created_at > 0 from model_switches')"
is "model-switch: the session's model follows the switch; its responses stay opus" \
	"claude-haiku-4-5|claude-opus-5-5|5" \
	"$(q "select model, models, responses from sessions")"
is "model-switch: the permission prompt of the Write: denied; the failed Bash stays a failure" \
	"Bash|error|
Write|error|denied" \
	"$(q "select tool_name, status, coalesce(permission, '') from tools where status = 'error' and tool_name != 'Read' order by tool_name")"
run report --section tools
is "model-switch: report tells the denied call from the failed ones (tool calls failed denied)" \
	"denied
Bash 2 1 0
Read 2 1 0
Write 1 0 1" \
	"$(sed -n '/^Tools/,$p' "$OUT" | awk 'NR == 2 { print $NF } NR > 2 && NF { print $1, $2, $3, $NF }')"

# --- a line type no client has written yet: counted, skipped, no warning ---
fresh
SID=8774a681-13fb-44c2-a1a6-58d2757e195a
mkdir -p "$TMP/future"
{ cat "$TF/basic/$SID.jsonl"
  printf '{"type":"some-future-line","sessionId":"%s","message":{"role":"user","content":"not a prompt"}}\n' $SID
  printf '{"type":"some-future-line","sessionId":"%s"}\n' $SID; } >"$TMP/future/$SID.jsonl"
run session-end --transcript "$TMP/future/$SID.jsonl"
is "future line types: every line counted, none bad, no more messages, no warning" "65|0|7|0" \
	"$(q 'select lines, bad_lines from transcript_files')|$(q 'select message_count from sessions')|$(log_lines | jq -c 'select(.level != "info")' | wc -l | tr -d ' ')"

finish
