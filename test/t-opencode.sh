#!/bin/sh
# test/t-opencode.sh: OpenCode's events, as the plugin forwards them to
# `clankers hook opencode`, into the same tables as Claude Code's, with
# source opencode. Real captures replayed in order, reversed and twice
# give the same rows; streams built from the 1.18 event shapes check each
# rule: a stale zero-token copy arriving last, a model that comes only in
# a later message, a directory only on update, two tool parts sharing one
# callID, a failed read, a bash exiting 3, a child session, a placeholder
# title, a removed message, errors, costs.
. "$(dirname "$0")/lib.sh"

OC=$FIX/opencode

SID=ses_df504482bffegkbJJ5pG0OgAw4

# ------------------------------------------------------------ the real run
oc_forwarded "$OC/e2e-events.jsonl" >"$TMP/e2e.jsonl"
is "the replay sends the events the plugin forwards (t-plugin checks the plugin)" \
    "$(cut -d' ' -f1 "$OC/e2e-forwarded.txt" | LC_ALL=C sort)" \
    "$(jq -r .id "$TMP/e2e.jsonl" | LC_ALL=C sort)"
fresh
send "$TMP/e2e.jsonl"
is "e2e: every forwarded event is one hook_events row of source opencode" \
    "$(wc -l <"$TMP/e2e.jsonl" | tr -d ' ')|opencode" \
    "$(q "SELECT count(*), group_concat(DISTINCT source) FROM hook_events")"
is "e2e: the session: title, path, project, model, provider, version" \
    "$SID|opencode|Mock title|/tmp/oc-e2e/out/work|work|mock-model|mock|1.18.33" \
    "$(q "SELECT id, source, title, project_path, project_name, model, provider, client_version FROM sessions")"
# OpenCode's own export of the session: input 6000, output 810, cache read 2010.
is "e2e: totals equal OpenCode's own (input, output, cache write, cache read, prompt)" \
    "6000|810|0|2010|8010" \
    "$(q "SELECT input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, prompt_tokens FROM sessions")"
is "e2e: one prompt and four responses, each with its own usage" \
    "user|||||\"run echo\"
assistant|mock-model|1500|201|501|I will run echo.
assistant|mock-model|1500|202|502|
assistant|mock-model|1500|203|503|Now a failing command.
assistant|mock-model|1500|204|504|All done. MOCK-FINAL-ANSWER: hello-from-tool" \
    "$(q "SELECT role, model, input_tokens, output_tokens, cache_read_input_tokens, text_content FROM messages ORDER BY id")"
is "e2e: counts follow the rows: 5 messages, 4 responses, 4 tool calls" "5|4|4" \
    "$(q "SELECT message_count, responses, tool_call_count FROM sessions")"
is "e2e: cost 0 is unknown, not free: four unpriced responses, no session cost" \
    "4|1|0" "$(q "SELECT unpriced_responses, cost_usd IS NULL, (SELECT count(agent_cost_usd) FROM messages) FROM sessions")"
is "e2e: the tool calls, keyed by part id: status, error, file, duration" \
    "bash|ok|1||628|
read|ok|1||79|/tmp/oc-e2e/out/work/hello.txt
read|error|0|File not found: /tmp/oc-e2e/out/work/missing.txt|26|/tmp/oc-e2e/out/work/missing.txt
bash|error|0|exit code 3|63|" \
    "$(q "SELECT tool_name, status, success, error_message, duration_ms, file_path FROM tools ORDER BY started_at")"
is "e2e: each tool call names its response" "4" \
    "$(q "SELECT count(*) FROM tools t JOIN messages m ON m.id = t.message_id AND m.role = 'assistant'")"
is "e2e: the bash output is kept" "hello-from-tool" \
    "$(q "SELECT tool_output FROM tools WHERE tool_name = 'bash' AND status = 'ok'")"
is "e2e: no warn or error line in the log" 0 \
    "$(log_lines | jq -c 'select(.level == "warn" or .level == "error")' | wc -l | tr -d ' ')"
rows >"$TMP/e2e-rows"

# Reversed: every upsert is order-free.
fresh
awk '{ a[NR] = $0 } END { for (i = NR; i > 0; i--) print a[i] }' "$TMP/e2e.jsonl" >"$TMP/e2e-rev.jsonl"
send "$TMP/e2e-rev.jsonl"
rows >"$TMP/rev-rows"
ok "e2e reversed: the same rows" cmp -s "$TMP/e2e-rows" "$TMP/rev-rows"
[ -s "$TMP/rev-rows" ] && cmp -s "$TMP/e2e-rows" "$TMP/rev-rows" || diff "$TMP/e2e-rows" "$TMP/rev-rows" | head -20 | sed 's/^/#   /'

# Twice: nothing doubles.
send "$TMP/e2e.jsonl"
rows >"$TMP/twice-rows"
ok "e2e reversed then again in order: the same rows" cmp -s "$TMP/e2e-rows" "$TMP/twice-rows"

# Every event, deltas and running updates included (a plugin that forwards
# too much): the same rows. 126 processes of the code the replays above ran:
# under valgrind, where each takes a second or more, it is left out.
if [ -n "$WRAPPER" ]; then
	echo "# valgrind: the unfiltered replay skipped (it runs without valgrind)"
else
	fresh
	oc_events "$OC/e2e-events.jsonl" | jq -c '. + {directory: "/tmp/oc-e2e/out/work"}' >"$TMP/all.jsonl"
	send "$TMP/all.jsonl"
	rows >"$TMP/all-rows"
	ok "e2e, every event forwarded: the same rows" cmp -s "$TMP/e2e-rows" "$TMP/all-rows"
	cmp -s "$TMP/e2e-rows" "$TMP/all-rows" || diff "$TMP/e2e-rows" "$TMP/all-rows" | head -20 | sed "s/^/#   /"
fi

# ------------------------------------------------------- another real run
fresh
oc_forwarded "$OC/lazyagents-events.jsonl" >"$TMP/lazy.jsonl"
send "$TMP/lazy.jsonl"
is "lazyagents: session with its generated title, path, model and totals" \
    "The command printed fixture.|/work/proj|fake-model|fake|170|14|100|3|2|1" \
    "$(q "SELECT title, project_path, model, provider, input_tokens, output_tokens, cache_read_input_tokens, message_count, responses, tool_call_count FROM sessions")"

# ------------------------------------------------------ built streams
# ev TYPE PROPS: one event line on stdout, with an id of its own as 1.18 gives.
ev() {
	evn=$((${evn:-0} + 1))
	jq -nc --arg t "$1" --argjson p "$2" --arg id "evt_built$evn" '{id: $id, type: $t, properties: $p}'
}
S=ses_built1
CHILD=ses_child1
info_s() {  # session info: $1 id, $2 title, $3 directory (or null), $4 parent (or null)
	jq -nc --arg id "$1" --arg t "$2" --argjson d "$3" --argjson par "$4" \
	    '{id: $id, title: $t, version: "1.18.33", time: {created: 1000, updated: 2000}}
	     + (if $d == null then {} else {directory: $d} end)
	     + (if $par == null then {} else {parentID: $par} end)'
}
asst() {  # assistant info: $1 id, $2 session, $3 model (or ""), $4 input, $5 output, $6 completed (or 0), $7 cost, $8 created
	jq -nc --arg id "$1" --arg s "$2" --arg m "$3" --argjson i "$4" --argjson o "$5" \
	    --argjson c "$6" --argjson cost "$7" --argjson at "$8" \
	    '{id: $id, sessionID: $s, role: "assistant", parentID: "msg_u1", mode: "build",
	      path: {cwd: "/tmp/built", root: "/tmp/built"}, cost: $cost,
	      tokens: {input: $i, output: $o, reasoning: 3, cache: {read: 10, write: 5}},
	      time: ({created: $at} + (if $c > 0 then {completed: $c} else {} end))}
	     + (if $m == "" then {} else {modelID: $m, providerID: "prov"} end)'
}
tool() {  # tool part: $1 part id, $2 message, $3 callID, $4 tool, $5 state JSON
	jq -nc --arg id "$1" --arg m "$2" --arg c "$3" --arg t "$4" --argjson st "$5" --arg s "$S" \
	    '{part: {id: $id, sessionID: $s, messageID: $m, type: "tool", callID: $c, tool: $t, state: $st}, sessionID: $s, time: 3500}'
}
{
	ev session.created "{\"sessionID\":\"$S\",\"info\":$(info_s $S 'New session - 2026-12-01T00:00:00.000Z' null null)}"
	ev session.updated "{\"sessionID\":\"$S\",\"info\":$(info_s $S 'Fix the parser' '"/tmp/built"' null)}"
	# A stale update with the placeholder title arrives after the real one.
	ev session.updated "{\"sessionID\":\"$S\",\"info\":$(info_s $S 'New session - 2026-12-01T00:00:00.000Z' '"/tmp/built"' null)}"
	ev message.updated "{\"sessionID\":\"$S\",\"info\":{\"id\":\"msg_u1\",\"sessionID\":\"$S\",\"role\":\"user\",\"time\":{\"created\":2500}}}"
	ev message.part.updated "{\"sessionID\":\"$S\",\"part\":{\"id\":\"prt_u1\",\"sessionID\":\"$S\",\"messageID\":\"msg_u1\",\"type\":\"text\",\"text\":\"fix   the\nparser please\"}}"
	# The first response's model comes only in a later copy of it.
	ev message.updated "{\"sessionID\":\"$S\",\"info\":$(asst msg_a1 $S '' 0 0 0 0 3000)}"
	ev message.updated "{\"sessionID\":\"$S\",\"info\":$(asst msg_a1 $S model-one 100 20 3400 0.5 3000)}"
	# Two tool parts of two responses share callID call_0.
	tool prt_t1 msg_a1 call_0 read '{"status":"error","input":{"filePath":"/tmp/built/nope.c"},"error":"File not found: /tmp/built/nope.c","time":{"start":3100,"end":3110}}' |
	    jq -c '{type: "message.part.updated", properties: .}'
	tool prt_t2 msg_a2 call_0 bash '{"status":"completed","input":{"command":"exit 3"},"output":"","metadata":{"exit":3},"title":"exit 3","time":{"start":3600,"end":3700}}' |
	    jq -c '{type: "message.part.updated", properties: .}'
	ev message.updated "{\"sessionID\":\"$S\",\"info\":$(asst msg_a2 $S model-two 200 40 3800 0 3500)}"
	# A stale zero-token copy of the second response, incomplete, arrives last.
	ev message.updated "{\"sessionID\":\"$S\",\"info\":$(asst msg_a2 $S model-two 0 0 0 0 3500)}"
	ev session.error "{\"sessionID\":\"$S\",\"error\":{\"name\":\"APIError\",\"data\":{\"message\":\"rate limited\",\"isRetryable\":true}}}"
	ev session.compacted "{\"sessionID\":\"$S\"}"
	# The child session a task call started, with its own response.
	ev session.created "{\"sessionID\":\"$CHILD\",\"info\":$(info_s $CHILD 'look around (@general subagent)' '"/tmp/built"' "\"$S\"")}"
	ev message.updated "{\"sessionID\":\"$CHILD\",\"info\":$(asst msg_c1 $CHILD model-two 1000 100 3900 0 3600)}"
} >"$TMP/built.jsonl"
fresh
send "$TMP/built.jsonl"
is "built: a placeholder title never replaces a real one" "Fix the parser|client" \
    "$(q "SELECT title, title_source FROM sessions WHERE id = '$S'")"
is "built: the directory that came only on update is the project path" "/tmp/built" \
    "$(q "SELECT project_path FROM sessions WHERE id = '$S'")"
is "built: the session's model is its latest response's" "model-two|prov" \
    "$(q "SELECT model, provider FROM sessions WHERE id = '$S'")"
is "built: a model that came only in a later copy is the response's" "model-one|prov" \
    "$(q "SELECT model, provider FROM messages WHERE id = 'msg_a1'")"
is "built: the stale zero-token copy changes nothing: tokens by kind" \
    "200|40|3|5|10|3500|3800|300" \
    "$(q "SELECT input_tokens, output_tokens, reasoning_tokens, cache_creation_input_tokens, cache_read_input_tokens, created_at, completed_at, duration_ms FROM messages WHERE id = 'msg_a2'")"
is "built: the agent's own cost is kept; a cost of 0 is unknown" "0.5|0.5|1" \
    "$(q "SELECT agent_cost_usd, cost_usd, (SELECT cost_usd IS NULL FROM messages WHERE id = 'msg_a2') FROM messages WHERE id = 'msg_a1'")"
is "built: session totals are the sum of its responses, the child's not in them" \
    "300|60|10|20|2|1|" \
    "$(q "SELECT input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens, responses, unpriced_responses, cost_usd FROM sessions WHERE id = '$S'")"
is "built: two tool parts sharing callID call_0 are two rows" \
    "prt_t1|read|error|File not found: /tmp/built/nope.c|/tmp/built/nope.c|10
prt_t2|bash|error|exit code 3||100" \
    "$(q "SELECT id, tool_name, status, error_message, file_path, duration_ms FROM tools ORDER BY id")"
is "built: the prompt, its whitespace folded, titles nothing over the client's" \
    "fix   the
parser please" "$(q "SELECT text_content FROM messages WHERE id = 'msg_u1'")"
is "built: session.error is a session_errors row" "APIError|rate limited" \
    "$(q "SELECT error_type, error_message FROM session_errors WHERE session_id = '$S'")"
is "built: session.compacted is a compaction row" "post" \
    "$(q "SELECT phase FROM compaction_events WHERE session_id = '$S'")"
is "built: the child session names its parent and has its own totals" \
    "$S|1000|100|look around (@general subagent)" \
    "$(q "SELECT parent_id, input_tokens, output_tokens, title FROM sessions WHERE id = '$CHILD'")"
rows >"$TMP/built-rows"
awk '{ a[NR] = $0 } END { for (i = NR; i > 0; i--) print a[i] }' "$TMP/built.jsonl" >"$TMP/built-rev.jsonl"
fresh
send "$TMP/built-rev.jsonl"
send "$TMP/built-rev.jsonl"
rows >"$TMP/built-rev-rows"
ok "built: reversed and twice, the same rows" cmp -s "$TMP/built-rows" "$TMP/built-rev-rows"
cmp -s "$TMP/built-rows" "$TMP/built-rev-rows" || diff "$TMP/built-rows" "$TMP/built-rev-rows" | head -20 | sed 's/^/#   /'

# An undo takes a message back, with its tool calls; totals follow.
fresh
send "$TMP/built.jsonl"
ev message.removed "{\"sessionID\":\"$S\",\"messageID\":\"msg_a1\"}" >"$TMP/removed.jsonl"
send "$TMP/removed.jsonl"
is "built: a removed message goes with its tools; totals follow" "200|40|1|1" \
    "$(q "SELECT input_tokens, output_tokens, responses, tool_call_count FROM sessions WHERE id = '$S'")"

# ----------------------------------------------------------- bad input
fresh
printf '{"type":"session.updated"}' >"$TMP/noprops.json"
hook opencode "$TMP/noprops.json"
is "no properties: rejected, exit 1, an error line" "1|rejected" \
    "$RC|$(log_lines | jq -r 'select(.level == "error") | .outcome')"
printf '{"type":"session.idle","properties":{}}' >"$TMP/nosid.json"
hook opencode "$TMP/nosid.json"
is "no sessionID: rejected with a message saying so" "1" "$RC"
ok "no sessionID: stderr says why" grep -q "no sessionID" "$ERR"
printf '{"type":"message.updated","properties":{"sessionID":"s1","info":{"id":7,"role":["x"],"tokens":"many"}}}' >"$TMP/odd.json"
hook opencode "$TMP/odd.json"
is "fields of the wrong type: stored, named in the log at warn" "0|warn|1" \
    "$RC|$(log_lines | jq -r 'select(.event == "message.updated") | .level')|$(q "SELECT count(*) FROM sessions WHERE id = 's1'")"

# A plugin that fails to load: a session.error of no session. Stored as its
# hook_events row, the error in the log line (warn), exit 0.
fresh
printf '{"id":"evt_x1","type":"session.error","properties":{"error":{"name":"UnknownError","data":{"message":"plugin failed to load"}}}}' >"$TMP/nosess.json"
hook opencode "$TMP/nosess.json"
is "session.error of no session: exit 0, no session row, the error at warn in the log" \
    "0|0|1|warn|UnknownError|plugin failed to load" \
    "$RC|$(q "SELECT count(*) FROM sessions")|$(q "SELECT count(*) FROM hook_events")|$(log_lines | jq -r 'select(.event == "session.error") | "\(.level)|\(.error_type)|\(.error_message)"')"

# One API error, told on the response it ended and as session.error, in
# either order: one row.
for order in msg-first err-first; do
	fresh
	M=$(ev message.updated "{\"sessionID\":\"$S\",\"info\":$(asst msg_e1 $S model-one 10 1 3100 0 3000 | jq -c '. + {error: {name: "APIError", data: {message: "overloaded", isRetryable: true}}}')}")
	E=$(ev session.error "{\"sessionID\":\"$S\",\"error\":{\"name\":\"APIError\",\"data\":{\"message\":\"overloaded\",\"isRetryable\":true}}}")
	if [ $order = msg-first ]; then printf '%s\n%s\n' "$M" "$E"; else printf '%s\n%s\n' "$E" "$M"; fi >"$TMP/err.jsonl"
	send "$TMP/err.jsonl"
	is "an error on the response and as session.error ($order): one row" "1|APIError|overloaded" \
	    "$(q "SELECT count(*), error_type, error_message FROM session_errors")"
done

# Reasoning tokens are paid as output when clankers prices a response (a
# cost of 0 from OpenCode: a subscription).
fresh
ev message.updated "{\"sessionID\":\"$S\",\"info\":$(asst msg_r1 $S claude-sonnet-4-5 1000 100 3100 0 3000 | jq -c '.tokens.reasoning = 5000 | .tokens.cache = {read: 0, write: 0}')}" >"$TMP/reason.jsonl"
send "$TMP/reason.jsonl"
is "reasoning tokens priced as output: (1000 x 3 + 5100 x 15) / 1e6" "0.0795|5000|100" \
    "$(q "SELECT printf('%.4f', cost_usd), reasoning_tokens, output_tokens FROM messages")"

# OpenCode's other placeholders are no titles either; a real title that
# only starts like one is.
fresh
{
	ev session.created "{\"sessionID\":\"$CHILD\",\"info\":$(info_s $CHILD 'Child session - 2026-12-01T00:00:00.000Z' '"/tmp/built"' "\"$S\"")}"
	ev session.created "{\"sessionID\":\"ses_u\",\"info\":$(info_s ses_u 'Untitled' '"/tmp/built"' null)}"
	ev session.created "{\"sessionID\":\"ses_r\",\"info\":$(info_s ses_r 'New session - make it fast' '"/tmp/built"' null)}"
} >"$TMP/titles.jsonl"
send "$TMP/titles.jsonl"
is "Child session - <time> and Untitled are no titles; 'New session - make it fast' is one" \
    "$CHILD|
ses_r|New session - make it fast
ses_u|" "$(q "SELECT id, title FROM sessions ORDER BY id")"

# Where OpenCode runs (the plugin's directory) is the project path of a
# session whose own events were lost.
fresh
jq -nc --arg s "$S" '{type: "message.part.updated", directory: "/tmp/built/dir",
    properties: {sessionID: $s, time: 4000, part: {id: "prt_s1", sessionID: $s,
    messageID: "msg_x", type: "step-finish", tokens: {input: 1, output: 1, reasoning: 0,
    cache: {read: 0, write: 0}}, cost: 0}}}' >"$TMP/dir.jsonl"
send "$TMP/dir.jsonl"
is "the plugin's directory is the project path when no session event came" "/tmp/built/dir" \
    "$(q "SELECT project_path FROM sessions")"

# No type, and for Claude Code no hook_event_name: no event to store it as
# (the agent's name is not one).
fresh
printf '{"properties":{"sessionID":"s1"}}' >"$TMP/notype.json"
hook opencode "$TMP/notype.json"
is "hook opencode, no type: rejected, no event named opencode" "1|0" \
    "$RC|$(q "SELECT count(*) FROM hook_events" 2>/dev/null || echo 0)"
printf '{"session_id":"abc"}' >"$TMP/noname.json"
hook claude "$TMP/noname.json"
is "hook claude, no hook_event_name: rejected, no event named claude" "1|0" \
    "$RC|$(q "SELECT count(*) FROM hook_events" 2>/dev/null || echo 0)"

finish
