#!/bin/sh
# Real Claude Code 2.1.197 sessions (e2e captures) replayed through the hooks
# with the transcript as it was on disk when each hook ran: the at-hook
# snapshots are put in place before the event that took them. The hooks
# alone must leave the exact totals, the messages and the cost.
. "$(dirname "$0")/lib.sh"

TF=$FIX/transcripts/e2e

# replay_with_transcript SCENARIO WORKDIR PAYLOADS TRANSCRIPT [SUBAGENT_FILE]
replay_with_transcript() {
	mkdir -p "$(dirname "$4")"
	for f in "$3"/*.json; do
		name=${f##*/}
		snap=$TF/$1/at-hook/${name%.json}.jsonl
		[ -f "$snap" ] && sed "s#/tmp/cc-e2e/out-$1#$2#g" "$snap" >"$4"
		# The subagent's own file is complete when SubagentStop runs.
		if [ -n "${5:-}" ] && [ "${name#*-}" = SubagentStop.json ]; then
			mkdir -p "$(dirname "$5")"
			sed "s#/tmp/cc-e2e/out-$1#$2#g" \
				"$TF/$1/$(basename "$4" .jsonl)/subagents/$(basename "$5")" >"$5"
		fi
		ev=${name#*-}
		hook "${ev%.json}" "$f"
	done
}

tokens() { q "select input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, prompt_tokens, completion_tokens, printf('%.8f', cost_usd) from sessions"; }

# --- basic: tools ok, failing, missing file, denied; then a resumed /compact ---
fresh
SID=a125bd5f-b2e1-42db-87ce-1ce0974290de
W=$TMP/basic
T=$W/home/.claude/projects/-tmp-cc-e2e-out-basic-work/$SID.jsonl
e2e_payloads basic "$W" "$TMP/basic"
replay_with_transcript basic "$W" "$TMP/basic" "$T"
# Mock usage per response (input/cache write/cache read/output, from the
# capture's README): 1001/2001/3001/101 + 1002/2002/3002/102 +
# 1003/2003/3003/103 + 1005/2005/3005/105 + 1004/2004/3004/104; opus-4-8 at
# $5/$25/$6.25/$0.50 per million: the client's own total_cost_usd.
is "basic: exact totals and cost from the hooks alone" \
	"5015|515|10015|15015|30045|515|0.10805125" "$(tokens)"
is "basic: model, models, title, counts" "claude-opus-4-8|claude-opus-4-8|run echo|prompt|7|5" \
	"$(q 'select model, models, title, title_source, message_count, tool_call_count from sessions')"
is "basic: one row per response and per prompt" "assistant|5
user|2" "$(q 'select role, count(*) from messages group by role order by role')"
is "basic: the prompts: the first and the /compact command" "run echo
<command-name>/compact</command-name>" \
	"$(q "select substr(text_content, 1, 37) from messages where role = 'user' order by created_at")"
is "basic: a response's text is all its text blocks" "I will run echo." \
	"$(q "select text_content from messages where id = 'msg_mocka667ddac000002'")"
is "basic: every response priced, timed, with its request id" 0 \
	"$(q "select count(*) from messages where role = 'assistant' and (cost_usd is null or request_id is null or created_at is null or completed_at < created_at or duration_ms is null)")"
is "basic: every tool call linked to its response" 0 "$(q 'select count(*) from tools where message_id is null')"
is "basic: outside a repository no branch (the client writes gitBranch HEAD there)" "|" \
	"$(q "select coalesce(git_branch, ''), coalesce(repo_root, '') from sessions")"
is "basic: the denied Write ends as an error, not running" "error|0" \
	"$(q "select status, success from tools where id = 'toolu_mocka667ddac000011'")"
is "basic: no warn or error line" 0 "$(log_lines | jq -c 'select(.level != "info")' | wc -l | tr -d ' ')"
is "basic: each transcript event logged what it read" "Stop|1
SessionEnd|1
PreCompact|1
SubagentStop|1
SessionEnd|1" "$(log_lines | jq -r 'select(.transcript) | "\(.event)|\(.transcript.files)"')"
is "basic: the transcript state is at the end of the file" "$(wc -c <"$T" | tr -d ' ')|$(wc -l <"$T" | tr -d ' ')|0" \
	"$(q 'select offset, lines, bad_lines from transcript_files')"

# Replaying every event again, and session-end, change nothing.
dump() {
	q "select * from messages order by id; select * from tools order by id;
	   select id, title, model, models, input_tokens, output_tokens, cache_creation_input_tokens,
	   cache_read_input_tokens, cost_usd, message_count, tool_call_count, created_at from sessions"
}
dump >"$TMP/before"
replay "$TMP/basic"
run session-end --session "$SID"
is "basic: session-end after the hooks reads nothing new" "0" "$(grep -o '[0-9]* new lines' "$OUT" | cut -d' ' -f1)"
dump >"$TMP/after"
is "basic: a replay of every event changes no row" "" "$(diff "$TMP/before" "$TMP/after")"
run session-end --session "$SID" --full
dump >"$TMP/after"
is "basic: --full reads it all again and gives the same rows" "" "$(diff "$TMP/before" "$TMP/after")"

# The totals follow the rows, whoever changes them: a deleted response
# leaves the session, --full reads it back.
sums="select sum(input_tokens), sum(output_tokens), sum(cache_creation_input_tokens), sum(cache_read_input_tokens), printf('%.8f', sum(cost_usd)), count(*) from messages"
q "delete from messages where id = 'msg_mocka667ddac000009'"
is "basic: a deleted response leaves the totals" "$(q "$sums")" \
	"$(q "select input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, printf('%.8f', cost_usd), message_count from sessions")"
run session-end --session "$SID" --full
is "basic: --full reads it back" "5015|515|10015|15015|30045|515|0.10805125" "$(tokens)"

# --- the Pre and Post hooks of a call that succeeded never reached us (a
# spawn failure): PostToolBatch closes it as not run, and the transcript's
# tool_result, no error, shows it ran: ok, not an error forever ---
fresh
W=$TMP/lostpost
T=$W/home/.claude/projects/-tmp-cc-e2e-out-basic-work/$SID.jsonl
e2e_payloads basic "$W" "$TMP/lostpost"
rm "$TMP/lostpost/1795537982799572661-PreToolUse.json" "$TMP/lostpost/1795537983000992159-PostToolUse.json"
replay_with_transcript basic "$W" "$TMP/lostpost" "$T"
is "a call whose hooks were lost: the transcript's result makes it ok" "Read|ok|1|0|" \
	"$(q "select tool_name, status, success, not_run, coalesce(error_message, '') from tools where id = 'toolu_mocka667ddac000004'")"
is "... and the denied Write, an error in the transcript too, stays not run" "error|0|1" \
	"$(q "select status, success, not_run from tools where id = 'toolu_mocka667ddac000011'")"
run session-end --session "$SID" --full
is "... --full gives the same" "ok|error" \
	"$(q "select (select status from tools where id = 'toolu_mocka667ddac000004'), (select status from tools where id = 'toolu_mocka667ddac000011')")"

# --- subagent: an Agent call whose subagent runs its own Bash ---
fresh
SID=f87458f2-5bf3-406a-add9-e71fd29f2481
W=$TMP/sub
T=$W/home/.claude/projects/-tmp-cc-e2e-out-subagent-work/$SID.jsonl
e2e_payloads subagent "$W" "$TMP/sub"
replay_with_transcript subagent "$W" "$TMP/sub" "$T" \
	"${T%.jsonl}/subagents/agent-a028d5ed5645e65ec.jsonl"
# Main 1001/2001/3001/101 + 1004/2004/3004/104, subagent 1101/0/0/111 + 1102/0/0/112.
is "subagent: main and subagent responses in the totals" \
	"4208|428|4005|6005|14218|428|0.05977375" "$(tokens)"
is "subagent: its rows flagged with its agent id" "assistant|1|a028d5ed5645e65ec|2
user|1|a028d5ed5645e65ec|1" \
	"$(q "select role, is_sidechain, agent_id, count(*) from messages where is_sidechain = 1 group by role order by role")"
is "subagent: the main thread's rows are not flagged" "assistant|2
user|1" "$(q 'select role, count(*) from messages where is_sidechain = 0 group by role order by role')"
is "subagent: both files read" 2 "$(q 'select count(*) from transcript_files')"
is "subagent: no warn or error line" 0 "$(log_lines | jq -c 'select(.level != "info")' | wc -l | tr -d ' ')"

finish
