#!/bin/sh
# Every Claude Code hook event through the real binary: the rows it leaves,
# the log line per invocation, the upsert rules, every order of Pre/Post.
. "$(dirname "$0")/lib.sh"

S=$FIX/claude/hooks/single

# --- a whole real session (Claude Code 2.1.197, e2e capture), replayed ---
fresh
W=$TMP/basic
e2e_payloads basic "$W" "$TMP/basic-payloads"
replay "$TMP/basic-payloads"
nfiles=$(ls "$TMP/basic-payloads" | wc -l)
SID=a125bd5f-b2e1-42db-87ce-1ce0974290de
is "basic: one session row" 1 "$(q 'select count(*) from sessions')"
is "basic: session fields" \
	"$SID|claude-code|run echo|prompt|$W/work|work|ended|startup|other|default|$W/home/.claude/projects/-tmp-cc-e2e-out-basic-work/$SID.jsonl|5|SessionEnd" \
	"$(q "select id, source, title, title_source, project_path, project_name, status, start_source, end_reason, permission_mode, replace(transcript_path, '$W', '$W'), tool_call_count, last_event from sessions")"
is "basic: ended_at set, created_at <= ended_at" 1 \
	"$(q 'select ended_at is not null and created_at <= ended_at and ended_at = last_end_at from sessions')"
is "basic: hostname recorded" "$(uname -n)" "$(q 'select hostname from sessions')"
is "basic: tool rows with status, file, error" \
"toolu_mocka667ddac000001|Bash|ok|1||
toolu_mocka667ddac000004|Read|ok|1|$W/work/hello.txt|
toolu_mocka667ddac000005|Read|error|0|$W/work/missing.txt|File does not exist. Note: your current working directory is $W/work.
toolu_mocka667ddac000008|Bash|error|0||Exit code 3
failing
toolu_mocka667ddac000011|Write|error|0|$W/work/written.txt|Claude requested permissions to write to $W/work/written.txt, but you haven't granted it yet." \
	"$(q 'select id, tool_name, status, success, file_path, error_message from tools order by id')"
is "basic: every tool has start, end and a duration" 0 \
	"$(q 'select count(*) from tools where started_at is null or ended_at is null or duration_ms is null or duration_ms <> ended_at - started_at')"
is "basic: client-reported durations kept" "40|6|5|12|" \
	"$(q "select group_concat(coalesce(reported_duration_ms, ''), '|') from (select reported_duration_ms from tools order by id)")"
is "basic: tool input stored whole" '{"command":"echo hello-from-tool","description":"Print hello"}' \
	"$(q "select tool_input from tools where id = 'toolu_mocka667ddac000001'")"
is "basic: tool output stored" "hello-from-tool" \
	"$(q "select json_extract(tool_output, '$.stdout') from tools where id = 'toolu_mocka667ddac000001'")"
is "basic: PostToolUseFailure interrupt flag" 0 \
	"$(q "select is_interrupt from tools where id = 'toolu_mocka667ddac000008'")"
is "basic: no row left running" 0 "$(q "select count(*) from tools where status = 'running'")"
is "basic: compaction rows pre and post" "pre|manual|
post|manual|<summary>MOCK-COMPACT-SUMMARY: the user asked to run echo; it printed hello-from-tool.</summary>" \
	"$(q 'select phase, trigger, summary from compaction_events order by id')"
is "basic: one hook_events row per invocation" "$nfiles" "$(q 'select count(*) from hook_events')"
is "basic: one log line per invocation" "$nfiles" "$(log_lines | wc -l | tr -d ' ')"
is "basic: every log line is info and stored" "$nfiles" \
	"$(log_lines | jq -c 'select(.level == "info" and .outcome == "stored" and .component == "hook")' | wc -l | tr -d ' ')"
is "basic: log lines carry the documented fields" "$nfiles" \
	"$(log_lines | jq -c 'select((.time|test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")) and .message and .event and .session_id and .invocation and (.duration_us|type) == "number")' | wc -l | tr -d ' ')"
is "basic: log invocations match the database" "" \
	"$(log_lines | jq -r .invocation | sort >"$TMP/li"; q 'select invocation from hook_events' | sort | diff - "$TMP/li")"
is "basic: the log is compact JSON (seed's rg check works)" 0 \
	"$(grep -c '"level": ' "$ROOT"/clankers-*.jsonl)"

# Replaying the whole session changes no row but the session's activity times.
dump() {
	q "select id, title, project_path, status, end_reason, tool_call_count, created_at from sessions;
	   select * from tools order by id;
	   select id, event_key, phase, created_at from compaction_events"
}
dump >"$TMP/before"
replay "$TMP/basic-payloads"
dump >"$TMP/after"
is "basic: replay changes no row" "" "$(diff "$TMP/before" "$TMP/after")"
is "basic: replay adds its invocations" $((2 * nfiles)) "$(q 'select count(*) from hook_events')"

# --- a session with a subagent (2.1.197) ---
fresh
e2e_payloads subagent "$TMP/sub" "$TMP/sub-payloads"
replay "$TMP/sub-payloads"
is "subagent: one session" 1 "$(q 'select count(*) from sessions')"
is "subagent: the subagent's tool carries its agent_id" "Agent||ok
Bash|a028d5ed5645e65ec|ok" "$(q 'select tool_name, agent_id, status from tools order by started_at')"
is "subagent: Subagent* logged with agent_type" 2 \
	"$(log_lines | jq -c 'select((.event|startswith("Subagent")) and .agent_type == "general-purpose")' | wc -l | tr -d ' ')"
is "subagent: session agent_type not taken from a subagent" "" "$(q 'select agent_type from sessions')"

# --- every order and repetition of Pre/Post ends in the same row ---
PRE=$S/PreToolUse-Bash.seeknal-2026-02.json
jq -c '.tool_use_id = "call_order"' "$PRE" >"$TMP/pre.json"
jq -c --slurpfile pre "$TMP/pre.json" '.tool_use_id = "call_order" | .tool_input = $pre[0].tool_input' \
	"$S/PostToolUse-Bash.seeknal-2026-02.json" >"$TMP/post.json"
jq -c '{session_id, transcript_path, cwd, hook_event_name: "PostToolUseFailure", tool_name, tool_input, tool_use_id, error: "Exit code 1", is_interrupt: false}' \
	"$TMP/pre.json" >"$TMP/fail.json"
row() { q "select id, tool_name, tool_input, status, success, tool_output, error_message, ended_at is not null from tools"; }
for order in "Pre Post" "Post Pre" "Pre Pre Post" "Pre Post Post" "Post Post Pre" "Pre Post Pre" "Post Pre Post"; do
	fresh
	for e in $order; do
		case $e in Pre) hook PreToolUse "$TMP/pre.json" ;; Post) hook PostToolUse "$TMP/post.json" ;; esac
	done
	r=$(row)
	[ -n "${first:-}" ] || first=$r
	is "order $order: one ok row, same as Pre Post" "$first" "$r"
done
is "order: that row is ok with output, counted once" "ok|1|1|1" "$(q 'select tools.status, success, tool_output is not null, tool_call_count from tools, sessions')"
# Times: a Pre received before the Post gives the duration; a Pre received
# after it (the two hooks started the other way round) says nothing of the
# start, in either commit order.
fresh
hook PreToolUse "$TMP/pre.json"
hook PostToolUse "$TMP/post.json"
is "Pre then Post: start <= end, duration = end - start" 1 \
	"$(q 'select started_at <= ended_at and duration_ms = ended_at - started_at from tools')"
fresh
hook PostToolUse "$TMP/post.json"
hook PreToolUse "$TMP/pre.json"
is "Post then Pre: no start, no made-up duration" "||1" "$(q 'select started_at, duration_ms, ended_at > 0 from tools')"
for order in "Pre Fail" "Fail Pre" "Pre Fail Post" "Post Fail" "Fail Post Pre"; do
	fresh
	for e in $order; do
		case $e in Pre) hook PreToolUse "$TMP/pre.json" ;; Post) hook PostToolUse "$TMP/post.json" ;;
		Fail) hook PostToolUseFailure "$TMP/fail.json" ;; esac
	done
	is "order $order: the failure wins" "error|0|Exit code 1|0" \
		"$(q 'select status, success, error_message, is_interrupt from tools')"
done

# --- PostToolBatch closes calls that never ran; a real Post still wins ---
BATCH=$TMP/batch-payloads
e2e_payloads basic "$TMP/b" "$BATCH"
B1=$(ls "$BATCH"/*-PostToolBatch.json | head -n 1)   # Bash echo, which ran
B4=$(ls "$BATCH"/*-PostToolBatch.json | tail -n 1)   # the denied Write
PRE1=$(ls "$BATCH"/*-PreToolUse.json | head -n 1)
POST1=$(ls "$BATCH"/*-PostToolUse.json | head -n 1)
PRE4=$(ls "$BATCH"/*-PreToolUse.json | tail -n 1)
for order in "Pre Batch Post" "Batch Post Pre" "Pre Post Batch" "Batch Pre Post"; do
	fresh
	for e in $order; do
		case $e in Pre) hook PreToolUse "$PRE1" ;; Post) hook PostToolUse "$POST1" ;;
		Batch) hook PostToolBatch "$B1" ;; esac
	done
	is "batch order $order: a call that ran ends ok" "ok|1|0|" \
		"$(q 'select status, success, not_run, error_message from tools')"
done
for order in "Pre Batch" "Batch Pre" "Batch"; do
	fresh
	for e in $order; do
		case $e in Pre) hook PreToolUse "$PRE4" ;; Batch) hook PostToolBatch "$B4" ;; esac
	done
	is "batch order $order: the denied Write ends error, not run, counted" "Write|error|0|1|1|1" \
		"$(q "select tool_name, tools.status, success, not_run, error_message like 'Claude requested permissions%', tool_call_count from tools, sessions")"
done

# --- Post before Pre: duration comes once both ends are known ---
fresh
hook PostToolUse "$TMP/post.json"
is "Post alone: ok row, no start, client duration absent" "ok||" "$(q 'select status, started_at, duration_ms from tools')"
jq -c '.duration_ms = 250' "$TMP/post.json" >"$TMP/post-d.json"
fresh
hook PostToolUse "$TMP/post-d.json"
is "Post alone with duration_ms: that duration" "250|250" "$(q 'select reported_duration_ms, duration_ms from tools')"

# --- sessions: created by any event, fields filled, never erased ---
fresh
hook PostToolUse "$TMP/post.json"
is "unseen session: created by a PostToolUse" "claude-code|active|1" "$(q 'select source, status, tool_call_count from sessions')"
jq -c '.model = "claude-opus-4-8" | .permission_mode = "default" | .source = "startup"' "$S/SessionStart-resume.attio-2025-08.json" >"$TMP/start.json"
jq -c '.session_id = "6706089d-9d7e-4f48-bd2d-8f2a2546eb78" | .permission_mode = "plan"' "$S/Stop.seeknal-2026-02.json" >"$TMP/stop.json"
fresh
hook SessionStart "$TMP/start.json"
is "SessionStart: model, mode, source" "claude-opus-4-8|default|startup|active" \
	"$(q 'select model, permission_mode, start_source, status from sessions')"
hook Stop "$TMP/stop.json"
is "Stop without model keeps it; new mode wins; cwd is the latest" "claude-opus-4-8|plan|startup|/Users/fitrakacamarga/project/mta/signal/trees/feat/iceberg-source-1|/Users/kesslerio/GDrive/Projects/attio-mcp-server" \
	"$(q 'select model, permission_mode, start_source, cwd, project_path from sessions')"
jq -c 'del(.cwd, .transcript_path, .permission_mode)' "$TMP/stop.json" >"$TMP/bare.json"
hook Notification "$TMP/bare.json"
is "an event without fields erases nothing" "claude-opus-4-8|plan|/Users/fitrakacamarga/project/mta/signal/trees/feat/iceberg-source-1" \
	"$(q 'select model, permission_mode, cwd from sessions where transcript_path is not null')"

# --- titles ---
P=$S/UserPromptSubmit.seeknal-2026-02.json
fresh
jq -c '.prompt = "/clear"' "$P" >"$TMP/p0.json"
jq -c '.prompt = "  fix   the\n\tbuild  "' "$P" >"$TMP/p1.json"
jq -c '.prompt = "second prompt"' "$P" >"$TMP/p2.json"
hook UserPromptSubmit "$TMP/p0.json"
is "a slash command gives no title" "" "$(q 'select title from sessions')"
hook UserPromptSubmit "$TMP/p1.json"
hook UserPromptSubmit "$TMP/p2.json"
is "the first real prompt is the title, whitespace collapsed" "fix the build|prompt" "$(q 'select title, title_source from sessions')"
jq -c '.session_title = "Client title"' "$P" >"$TMP/p3.json"
hook UserPromptSubmit "$TMP/p3.json"
is "a client title wins over the prompt" "Client title|client" "$(q 'select title, title_source from sessions')"
hook UserPromptSubmit "$TMP/p2.json"
is "a later prompt does not replace it" "Client title" "$(q 'select title from sessions')"

# Events committed out of their arrival order (a spooled event ingested
# later): the earliest prompt is still the title, the latest SessionStart's
# model still wins. spool_at MS EVENT FILE puts an event received at MS in
# the spool; the next hook ingests it.
spool_at() {
	mkdir -p "$ROOT/spool"
	inv=$(printf '%032d' "$1")
	{ printf '{"v":1,"event":"%s","invocation":"%s","received_at":%s,"transcript_size":-1}\n' "$2" "$inv" "$1"; cat "$3"; } \
		>"$ROOT/spool/$1-$inv.event"
}
now=$(($(date +%s) * 1000))
fresh
hook UserPromptSubmit "$TMP/p2.json"
spool_at $((now - 60000)) UserPromptSubmit "$TMP/p1.json"
hook Notification "$S/Notification-idle_prompt.seeknal-2026-02.json"
is "a late-ingested earlier prompt becomes the title" "fix the build|prompt" "$(q "select title, title_source from sessions where id = '8af8835b-aaca-4696-b914-9d26fae517a5'")"
jq -c '.model = "model-new"' "$TMP/start.json" >"$TMP/start-new.json"
jq -c '.model = "model-old"' "$TMP/start.json" >"$TMP/start-old.json"
fresh
hook SessionStart "$TMP/start-new.json"
spool_at $((now - 60000)) SessionStart "$TMP/start-old.json"
hook Stop "$TMP/stop.json"
is "a late-ingested older SessionStart keeps the newer model" model-new "$(q 'select model from sessions')"
fresh
spool_at $((now - 60000)) SessionStart "$TMP/start-old.json"
hook SessionStart "$TMP/start-new.json"
is "... and in arrival order the newer model wins too" "model-new|2" "$(q 'select model, (select count(*) from hook_events) from sessions')"

# --- session lifecycle: end, resume, end again ---
fresh
jq -c '.reason = "clear" | .hook_event_name = "SessionEnd"' "$TMP/start.json" >"$TMP/end.json"
jq -c '.source = "resume"' "$TMP/start.json" >"$TMP/resume.json"
hook SessionStart "$TMP/start.json"
hook SessionEnd "$TMP/end.json"
is "SessionEnd: ended with reason and time" "ended|clear|1" "$(q 'select status, end_reason, ended_at is not null from sessions')"
hook SessionStart "$TMP/resume.json"
is "resume: active again, ended_at cleared, first start source kept" "active||startup" \
	"$(q 'select status, ended_at, start_source from sessions')"
hook PostToolUse "$TMP/post.json" >/dev/null
jq -c '.session_id = "6706089d-9d7e-4f48-bd2d-8f2a2546eb78"' "$TMP/post.json" >"$TMP/post2.json"
hook SessionEnd "$TMP/end.json"
hook PostToolUse "$TMP/post2.json"
is "an event after the end does not reopen the session" "ended" "$(q "select status from sessions where id = '6706089d-9d7e-4f48-bd2d-8f2a2546eb78'")"

# --- StopFailure, PreCompact, Notification, unknown events ---
fresh
jq -c '{session_id, transcript_path, cwd, hook_event_name: "StopFailure", error: "rate_limit", error_details: "429 Too Many Requests", last_assistant_message: "API Error: Rate limit reached"}' \
	"$S/Stop.seeknal-2026-02.json" >"$TMP/sf.json"
hook StopFailure "$TMP/sf.json"
hook StopFailure "$TMP/sf.json"
is "StopFailure: one session_errors row, even when repeated" "rate_limit|API Error: Rate limit reached|429 Too Many Requests" \
	"$(q 'select error_type, error_message, error_details from session_errors')"
is "StopFailure: both invocations logged" 2 "$(log_lines | jq -c 'select(.event == "StopFailure" and .error_type == "rate_limit")' | wc -l | tr -d ' ')"
hook PreCompact "$S/PreCompact-auto.attio-2025-08.json"
hook PreCompact "$S/PreCompact-manual.attio-2025-08.json"
is "PreCompact: auto with null instructions, manual with empty" "pre|auto|
pre|manual|" "$(q 'select phase, trigger, custom_instructions from compaction_events order by trigger')"
hook Notification "$S/Notification-idle_prompt.seeknal-2026-02.json"
is "Notification: logged with its type" "idle_prompt" \
	"$(log_lines | jq -r 'select(.event == "Notification") | .notification_type')"
is "Notification: touches the session" "Notification" \
	"$(q "select last_event from sessions where id = '8af8835b-aaca-4696-b914-9d26fae517a5'")"

# --- real payloads of older clients (Jul/Aug 2025: no tool_use_id) ---
for set in attio-mcp-server-2025-08 quantstats-2025-07 seeknal-2026-02; do
	fresh
	total=0 bad=0
	for f in "$FIX/claude/hooks/$set"/*.json; do
		jq -c '.[]' "$f" >"$TMP/lines"
		while IFS= read -r line; do
			printf '%s' "$line" >"$TMP/one.json"
			ev=$(jq -r .hook_event_name "$TMP/one.json")
			hook "$ev" "$TMP/one.json"
			[ "$RC" -eq 0 ] || bad=$((bad + 1))
			total=$((total + 1))
		done <"$TMP/lines"
	done
	is "$set: all $total payloads stored" "0|$total" "$bad|$(q 'select count(*) from hook_events')"
	is "$set: no warn or error line" 0 "$(grep -c -E '"level":"(error|warn)"' "$ROOT"/clankers-*.jsonl)"
	is "$set: one session row per session id" \
		"$(cat "$FIX/claude/hooks/$set"/*.json | jq -s '[.[][] | .session_id] | unique | length')" \
		"$(q 'select count(*) from sessions')"
	[ "$set" = quantstats-2025-07 ] || continue
	# Pre and Post of one call meet without a tool_use_id: the row count is
	# the number of distinct (tool, input) pairs, and each call with a Post
	# is done.
	is "quantstats: legacy ids pair Pre with Post" \
		"$(cat "$FIX/claude/hooks/$set"/*.json | jq -s '[.[][] | [.tool_name, .tool_input]] | unique | length')|$(jq '[.[] | [.tool_name, .tool_input]] | unique | length' "$FIX/claude/hooks/$set/post_tool_use.json")" \
		"$(q "select count(*), sum(status = 'ok') from tools")"
done
# --- project identity from git, and $CLAUDE_PROJECT_DIR ---
fresh
G=$TMP/repo-$cases/myrepo
mkdir -p "$G/.git" "$G/src/deep"
echo 'ref: refs/heads/feature/x' >"$G/.git/HEAD"
jq -c --arg cwd "$G/src/deep" '.cwd = $cwd' "$P" >"$TMP/git.json"
hook UserPromptSubmit "$TMP/git.json"
is "git: repository root, name and branch from cwd" "$G/src/deep|myrepo|$G|feature/x" \
	"$(q 'select project_path, project_name, repo_root, git_branch from sessions')"
fresh
CLAUDE_PROJECT_DIR=$G hook UserPromptSubmit "$TMP/git.json"
CLAUDE_PROJECT_DIR=$G export CLAUDE_PROJECT_DIR
hook UserPromptSubmit "$TMP/git.json"
unset CLAUDE_PROJECT_DIR
is "CLAUDE_PROJECT_DIR is the project path" "$G|$G/src/deep|myrepo" "$(q 'select project_path, cwd, project_name from sessions')"

# --- the seed audit's verification queries run unchanged ---
fresh
replay "$TMP/basic-payloads"
is "seed: table counts" "sessions|1
messages|0
tools|5
session_errors|0" "$(q "select 'sessions' as tbl, count(*) from sessions
  union all select 'messages', count(*) from messages
  union all select 'tools', count(*) from tools
  union all select 'session_errors', count(*) from session_errors;")"
is "seed: Claude tools by name" "Bash|2
Read|2
Write|1" "$(q "select tool_name, count(*)
  from tools
  where session_id like 'a125bd5f%' or session_id like 'f49c8b29%'
  group by tool_name;")"

finish
