#!/bin/sh
# Secrets are redacted before they are stored or logged: one of each kind
# README's Secrets section lists is planted in hook payloads (a prompt, a
# tool's input, output and error, an unknown event, a rejected payload),
# in a transcript read by session-end, and in OpenCode's events. None is then in the database
# file, its WAL or the log (every planted secret holds "Plant3d"); each
# kind and its last 4 are; counts and ids are those of the same events
# stored with CLANKERS_REDACT=0, which stores every secret as it came.
. "$(dirname "$0")/lib.sh"

ELL=$(printf '\342\200\246')
SID=5ec2e75a-0000-4000-8000-000000000001

# kind, last 4, the secret (as it appears in the decoded text)
cat >"$TMP/secrets" <<'EOT'
anthropic-key ZQ1A sk-ant-api03-Plant3dAnthropicKey0123456789abcdefZQ1A
openai-key OA2B sk-proj-Plant3dOpenAIProjectKey0123456789OA2B
aws-key WS3C AKIAPLANT3D0KEYXWS3C
aws-secret AW4D Plant3dAwsSecretKey/0123456789abcdefgAW4D
github-token GH5E ghp_Plant3dGitHubToken0123456789abcdefGH5E
gitlab-token GL6F glpat-Plant3dGitLab0123456789GL6F
slack-token SL7G xoxb-1234567890-Plant3dSlackToken-SL7G
google-key GO8H AIzaPlant3dGoogleKey0123456789abcdefGO8H
stripe-key ST9J sk_live_Plant3dStripeKey0123ST9J
jwt JW2L eyJhbGciOiJIUzI1NiJ9.eyJQbGFudDNkIjoiand0In0.Plant3dJwtSignatureJW2L
url-password UP3M Plant3dUrlPassUP3M
password PW4N Plant3dAssignedPW4N
auth-header AH5P Plant3dBearerTokenAH5P
private-key PK1K MIIEPlant3dPrivateKeyBody0123456789
EOT
# An AWS key id is capitals and digits: the marker is looked for in any case.

# The text of every secret in its context, as one JSON string's content.
S='key sk-ant-api03-Plant3dAnthropicKey0123456789abcdefZQ1A and sk-proj-Plant3dOpenAIProjectKey0123456789OA2B'
S="$S id AKIAPLANT3D0KEYXWS3C aws_secret_access_key = Plant3dAwsSecretKey/0123456789abcdefgAW4D"
S="$S gh ghp_Plant3dGitHubToken0123456789abcdefGH5E gl glpat-Plant3dGitLab0123456789GL6F"
S="$S slack xoxb-1234567890-Plant3dSlackToken-SL7G google AIzaPlant3dGoogleKey0123456789abcdefGO8H"
S="$S stripe sk_live_Plant3dStripeKey0123ST9J jwt eyJhbGciOiJIUzI1NiJ9.eyJQbGFudDNkIjoiand0In0.Plant3dJwtSignatureJW2L"
S="$S db postgres://admin:Plant3dUrlPassUP3M@db.example.com/x password=Plant3dAssignedPW4N"
S="$S Authorization: Bearer Plant3dBearerTokenAH5P"
S="$S \\n-----BEGIN RSA PRIVATE KEY-----\\nMIIEPlant3dPrivateKeyBody0123456789\\nabcdefPK1K\\n-----END RSA PRIVATE KEY-----\\n"
# The AWS secret key is also planted as a JSON member of a tool's input.

payloads() {
	d=$1
	mkdir -p "$d"
	cat >"$d/prompt.json" <<EOT
{"session_id":"$SID","hook_event_name":"UserPromptSubmit","cwd":"/tmp/w","prompt_id":"p-1","prompt":"deploy with $S"}
EOT
	cat >"$d/pre.json" <<EOT
{"session_id":"$SID","hook_event_name":"PreToolUse","cwd":"/tmp/w","tool_name":"Bash","tool_use_id":"toolu_sec_1","tool_input":{"command":"curl $S","env":{"AWS_SECRET_ACCESS_KEY":"Plant3dAwsSecretKey/0123456789abcdefgAW4D"}}}
EOT
	cat >"$d/post.json" <<EOT
{"session_id":"$SID","hook_event_name":"PostToolUse","cwd":"/tmp/w","tool_name":"Bash","tool_use_id":"toolu_sec_1","tool_input":{"command":"curl $S","env":{"AWS_SECRET_ACCESS_KEY":"Plant3dAwsSecretKey/0123456789abcdefgAW4D"}},"tool_response":{"stdout":"out $S","stderr":"","interrupted":false},"duration_ms":1234}
EOT
	cat >"$d/fail.json" <<EOT
{"session_id":"$SID","hook_event_name":"PostToolUseFailure","cwd":"/tmp/w","tool_name":"Bash","tool_use_id":"toolu_sec_2","tool_input":{"command":"false"},"error":"failed: $S"}
EOT
	cat >"$d/unknown.json" <<EOT
{"session_id":"$SID","hook_event_name":"FutureEvent","cwd":"/tmp/w","detail":"$S"}
EOT
	# Not JSON: rejected, its head in the log.
	printf '{"session_id":"%s","prompt":"password=Plant3dAssignedPW4N sk-ant-api03-Plant3dAnthropicKey0123456789abcdefZQ1A' \
	    "$SID" >"$d/broken.json"
	# A transcript: the prompt, a response that repeats the secrets, a
	# tool call and its result, and a custom title holding one.
	cat >"$d/t.jsonl" <<EOT
{"type":"user","message":{"role":"user","content":"deploy with $S"},"uuid":"5ec00001-0000-4000-8000-000000000001","timestamp":"2026-11-24T16:33:01.573Z","cwd":"/tmp/w","sessionId":"$SID","version":"2.1.39"}
{"type":"assistant","message":{"id":"msg_sec_1","role":"assistant","model":"claude-opus-4-6","content":[{"type":"text","text":"I see $S"}],"usage":{"input_tokens":11,"output_tokens":22,"cache_creation_input_tokens":33,"cache_read_input_tokens":44}},"requestId":"req_sec_1","uuid":"5ec00002-0000-4000-8000-000000000002","parentUuid":"5ec00001-0000-4000-8000-000000000001","timestamp":"2026-11-24T16:33:02.573Z","cwd":"/tmp/w","sessionId":"$SID"}
{"type":"assistant","message":{"id":"msg_sec_2","role":"assistant","model":"claude-opus-4-6","content":[{"type":"tool_use","id":"toolu_sec_3","name":"Bash","input":{"command":"echo $S"}}],"usage":{"input_tokens":5,"output_tokens":6}},"requestId":"req_sec_2","uuid":"5ec00003-0000-4000-8000-000000000003","parentUuid":"5ec00002-0000-4000-8000-000000000002","timestamp":"2026-11-24T16:33:03.573Z","cwd":"/tmp/w","sessionId":"$SID"}
{"type":"user","message":{"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_sec_3","content":"printed $S","is_error":false}]},"uuid":"5ec00004-0000-4000-8000-000000000004","parentUuid":"5ec00003-0000-4000-8000-000000000003","timestamp":"2026-11-24T16:33:04.573Z","cwd":"/tmp/w","sessionId":"$SID"}
{"type":"custom-title","customTitle":"ship it password=Plant3dAssignedPW4N","sessionId":"$SID"}
EOT
}

# plant: every payload and the transcript into a fresh data root.
plant() {
	fresh
	payloads "$TMP/p$cases"
	d=$TMP/p$cases
	for f in prompt pre post fail unknown; do
		hook "$(sed -n 's/.*"hook_event_name":"\([A-Za-z]*\)".*/\1/p' "$d/$f.json")" "$d/$f.json"
		[ "$RC" -eq 0 ] || fail "hook $f exited $RC: $(head -c 300 "$ERR")"
	done
	hook UserPromptSubmit "$d/broken.json"
	[ "$RC" -eq 1 ] || fail "the broken payload was not rejected (exit $RC)"
	run session-end --transcript "$d/t.jsonl" --session "$SID"
	[ "$RC" -eq 0 ] || fail "session-end exited $RC: $(head -c 300 "$ERR")"
}

# leaks FILE...: how many times "Plant3d" (any case) is in the files' bytes.
leaks() { cat "$@" 2>/dev/null | LC_ALL=C grep -a -i -o plant3d | wc -l | tr -d ' '; }

# The figures that must not change: counts, tokens, costs, ids.
figures() {
	q "SELECT id, input_tokens, output_tokens, cache_creation_input_tokens,
	     cache_read_input_tokens, cost_usd, message_count, tool_call_count, responses
	   FROM sessions;
	   SELECT id, role, input_tokens, output_tokens, cache_creation_input_tokens,
	     cache_read_input_tokens, cost_usd, request_id FROM messages ORDER BY id;
	   SELECT id, tool_name, status, tool_output_bytes, tool_output_truncated, reported_duration_ms
	   FROM tools ORDER BY id;
	   SELECT invocation IS NOT NULL, session_id, event, tool_use_id, known
	   FROM hook_events ORDER BY id"
}

# ---- redaction on (the default) ----
plant
ON_FIGURES=$(figures)
# Keep what the files hold before another command opens the database.
cp "$DB" "$TMP/on.db"
[ -f "$DB-wal" ] && cp "$DB-wal" "$TMP/on.db-wal"
cat "$ROOT"/clankers-*.jsonl >"$TMP/on.log"

is "redacted: no planted secret in the database file or its WAL (strings)" 0 \
	"$(strings -a "$TMP/on.db" "$TMP/on.db-wal" 2>/dev/null | grep -ci plant3d)"
is "redacted: nor in their bytes" 0 "$(leaks "$TMP/on.db" "$TMP/on.db-wal")"
is "redacted: no planted secret in the log" 0 "$(leaks "$TMP/on.log")"
is "redacted: nor in any file of the data root" 0 "$(leaks "$ROOT"/*)"

DUMP=$(sqlite3 "$TMP/on.db" .dump)
while read -r kind tail secret; do
	ok "redacted: $kind and its last 4 ($tail) are in the database" \
		sh -c 'printf "%s" "$1" | grep -qF "$2"' _ "$DUMP" "[REDACTED:$kind:$ELL$tail]"
	ok "redacted: $kind and its last 4 are in the log (the unknown event's payload)" \
		grep -qF "[REDACTED:$kind:$ELL$tail]" "$TMP/on.log"
done <"$TMP/secrets"

# Where each kind of text went.
ok "redacted: the custom title (from the transcript) names the kind" \
	sh -c "sqlite3 '$DB' 'SELECT title FROM sessions' | grep -qF 'ship it password=[REDACTED:password:${ELL}PW4N]'"
is "redacted: every text column holding a secret says so" "" \
	"$(q "SELECT 'message ' || id FROM messages WHERE text_content LIKE '%deploy%' AND text_content NOT LIKE '%[REDACTED:jwt:%'
	      UNION ALL SELECT 'tool ' || id FROM tools WHERE id != 'toolu_sec_2' AND tool_input NOT LIKE '%[REDACTED:%'
	      UNION ALL SELECT 'output ' || id FROM tools WHERE tool_output IS NOT NULL AND tool_output NOT LIKE '%[REDACTED:private-key:%'
	      UNION ALL SELECT 'error ' || id FROM tools WHERE error_message IS NOT NULL AND error_message NOT LIKE '%[REDACTED:%'")"
is "redacted: the AWS secret key as a JSON member of the input, input still JSON" \
	"[REDACTED:aws-secret:${ELL}AW4D]" \
	"$(q "SELECT json_extract(tool_input, '$.env.AWS_SECRET_ACCESS_KEY') FROM tools WHERE id = 'toolu_sec_1'")"
is "redacted: a tool's output was redacted, its size is what came" \
	"1|0" "$(q "SELECT tool_output_bytes > length(tool_output), tool_output_truncated FROM tools WHERE id = 'toolu_sec_1'")"
ok "redacted: the rejected payload's head in the log is redacted" \
	sh -c "grep '\"payload_head\"' '$TMP/on.log' | grep -qF 'password=[REDACTED:password:${ELL}PW4N]'"
ok "redacted: the unknown event's payload is in the log, redacted" \
	sh -c "grep '\"FutureEvent\"' '$TMP/on.log' | grep -qF '[REDACTED:github-token:${ELL}GH5E]'"

# Reading the transcript again changes nothing (redacting is stable).
run session-end --transcript "$TMP/p$cases/t.jsonl" --session "$SID" --full
is "redacted: session-end --full again: exit 0" 0 "$RC"
is "redacted: reading it again leaves the same figures" "$ON_FIGURES" "$(figures)"
is "redacted: and the same texts" "$(sqlite3 "$TMP/on.db" 'SELECT text_content FROM messages ORDER BY id')" \
	"$(q 'SELECT text_content FROM messages ORDER BY id')"

# ---- redaction off ----
export CLANKERS_REDACT=0
plant
unset CLANKERS_REDACT
OFF_FIGURES=$(figures)
same "off: counts, tokens, costs and ids are those of the redacted run" "$ON_FIGURES" "$OFF_FIGURES"
DUMP=$(sqlite3 "$DB" .dump)
while read -r kind tail secret; do
	ok "off: $kind stored as it came" sh -c 'printf "%s" "$1" | grep -qF -- "$2"' _ "$DUMP" "$secret"
done <"$TMP/secrets"
ok "off: the log holds the unknown event's secrets as they came" \
	grep -qF 'ghp_Plant3dGitHubToken0123456789abcdefGH5E' "$(ls "$ROOT"/clankers-*.jsonl)"
is "off: nothing redacted anywhere" 0 \
	"$(cat "$ROOT"/clankers-*.jsonl | grep -c 'REDACTED:'; )"

# ---- OpenCode: the same door ----
fresh
O=ses_5ec0c0de
cat >"$TMP/oc.jsonl" <<EOT
{"id":"evt_1","type":"session.updated","properties":{"sessionID":"$O","info":{"id":"$O","directory":"/tmp/w","title":"ship password=Plant3dAssignedPW4N","version":"1.18.33","time":{"created":1795480598000,"updated":1795480598001}}}}
{"id":"evt_2","type":"message.updated","properties":{"sessionID":"$O","info":{"id":"msg_o1","role":"user","sessionID":"$O","time":{"created":1795480598593}}}}
{"id":"evt_3","type":"message.part.updated","properties":{"sessionID":"$O","part":{"id":"prt_o1","sessionID":"$O","messageID":"msg_o1","type":"text","text":"deploy with $S","time":{"start":1,"end":2}}}}
{"id":"evt_4","type":"message.updated","properties":{"sessionID":"$O","info":{"id":"msg_o2","parentID":"msg_o1","role":"assistant","sessionID":"$O","modelID":"mock-model","providerID":"mock","cost":0,"tokens":{"input":7,"output":8,"reasoning":0,"cache":{"read":0,"write":0}},"time":{"created":1795480600942,"completed":1795480601942}}}}
{"id":"evt_5","type":"message.part.updated","properties":{"sessionID":"$O","part":{"id":"prt_o2","sessionID":"$O","messageID":"msg_o2","type":"tool","callID":"call_1","tool":"bash","state":{"status":"completed","input":{"command":"curl $S"},"output":"out $S","title":"curl","metadata":{"exit":0},"time":{"start":1795480601000,"end":1795480601500}}}}}
EOT
send "$TMP/oc.jsonl"
is "opencode: no planted secret in the database or the log" 0 \
	"$(leaks "$DB" "$DB-wal" "$ROOT"/clankers-*.jsonl)"
is "opencode: the prompt, the title, the tool's input and output are redacted" "1|1|1|1" \
	"$(q "SELECT (SELECT text_content LIKE '%[REDACTED:jwt:${ELL}JW2L]%' FROM messages WHERE id = 'msg_o1'),
	        (SELECT title = 'ship password=[REDACTED:password:${ELL}PW4N]' FROM sessions),
	        (SELECT tool_input LIKE '%[REDACTED:anthropic-key:${ELL}ZQ1A]%' FROM tools),
	        (SELECT tool_output LIKE '%[REDACTED:private-key:${ELL}PK1K]%' FROM tools)")"
is "opencode: the response's tokens are those sent" "7|8" \
	"$(q "SELECT input_tokens, output_tokens FROM messages WHERE id = 'msg_o2'")"

# ---- a near miss is not redacted ----
fresh
cat >"$TMP/plain.json" <<EOT
{"session_id":"$SID","hook_event_name":"UserPromptSubmit","cwd":"/tmp/w","prompt_id":"p-2","prompt":"fix task-management-system-for-everyone and the max_tokens: 4096 setting; token == other"}
EOT
hook UserPromptSubmit "$TMP/plain.json"
is "near miss: a prompt with no secret is its title as it came" \
	"fix task-management-system-for-everyone and the max_tokens: 4096 setting; token == other" \
	"$(q "SELECT title FROM sessions")"

# ---- a title cut from a prompt is cut after redaction ----
fresh
# The key starts at character 90: cut first, 10 of its characters would be
# left, too few to be known as a key.
PAD=$(printf '%089d' 0)
cat >"$TMP/title.json" <<EOT
{"session_id":"$SID","hook_event_name":"UserPromptSubmit","cwd":"/tmp/w","prompt_id":"p-3","prompt":"$PAD sk-ant-api03-Plant3dAnthropicKey0123456789abcdefZQ1A"}
EOT
hook UserPromptSubmit "$TMP/title.json"
is "title: the prompt's title is cut in the marker, not in the key" \
	"$PAD [REDACTED:${ELL}" "$(q "SELECT title FROM sessions")"

# ---- a permission request for a call whose input holds a secret ----
# The call's input is stored redacted; the request (no tool_use_id) is
# matched by it all the same.
fresh
PERM_IN='{"command":"export GITHUB_TOKEN=ghp_16C7e42F292c6912E7710c838347Ae178B4a; gh pr list"}'
for ev in PreToolUse PermissionRequest; do
	printf '{"session_id":"%s","hook_event_name":"%s","cwd":"/tmp/w","tool_name":"Bash","tool_use_id":"%s","tool_input":%s}\n' \
	    "$SID" "$ev" "$([ $ev = PreToolUse ] && echo toolu_perm1 || echo)" "$PERM_IN" |
	    jq -c 'if .tool_use_id == "" then del(.tool_use_id) else . end' >"$TMP/$ev.json"
	hook $ev "$TMP/$ev.json"
done
is "permission request: the call with a secret in its input is marked asked" \
	"asked|0" "$(q "SELECT permission, instr(tool_input, 'ghp_16C7') FROM tools WHERE id = 'toolu_perm1'")"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
