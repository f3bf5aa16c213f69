#!/bin/sh
# test/t-golden.sh: hand-built transcripts (test/fixtures/golden, one rule
# each; see its README.md) through `clankers session-end`, checked against
# figures worked out by hand: token totals, the messages and tools rows, the
# cost from prices.tsv, titles and durations. Then the user's price file
# ($CLANKERS_PRICES, <root>/prices.tsv): rows added and replaced, a bad
# line, a missing file.
. "$(dirname "$0")/lib.sh"

G=$FIX/golden
unset CLANKERS_PRICES

# clankers session-end --transcript PATH [ARGS]
end() { run session-end --transcript "$@"; }
sid() { echo "601de000-$1-4000-8000-000000000000"; }
# The transcript of a golden folder.
tr_of() { echo "$G/$1/$(sid "$2").jsonl"; }
# A cost as the table writes it (NULL: unknown), from a number or NULL.
usd() { case $1 in NULL) echo NULL ;; *) printf '%.8f\n' "$1" ;; esac; }
# A cost column, the same way.
USD="CASE WHEN cost_usd IS NULL THEN 'NULL' ELSE printf('%.8f', cost_usd) END"
# One response row: columns of messages.
row() { q "SELECT $2 FROM messages WHERE id = '$1'" | tr '|' ' '; }
logged() { log_lines | jq -c --arg c "$1" 'select(.component == $c)'; }

# ======================================================================
# Every golden file into one database; then its figures against the table.
#
# Prices (USD per million tokens, prices.tsv): input, output, 5-minute
# cache write, 1-hour cache write, cache read.
#   claude-opus-4-6  5 25 6.25 10 0.5, fast x6
#   claude-haiku-4-5 1 5 1.25 2 0.1
#   claude-sonnet-4-6 3 15 3.75 6 0.3
#   claude-sonnet-4  3 15 3.75 6 0.3
#   claude-sonnet-4-5 3 15 3.75 6 0.3; above 200,000 input tokens
#                    (input + cache writes + cache reads of one request)
#                    the whole request at 6 22.5 7.5 12 0.6
# Costs, in millionths of a dollar:
# a  opus 3 in, 350 out, 2000 5m writes, 10000 reads:
#    3x5 + 350x25 + 2000x6.25 + 10000x0.5 = 15 + 8750 + 12500 + 5000 = 26265
# b  opus 10 in, 100 out, 1000 writes, 5000 reads:
#    50 + 2500 + 6250 + 2500 = 11300
#    haiku 20 in, 200 out, 3000 writes: 20 + 1000 + 3750 = 4770
#    haiku 30 in, 300 out, 3000 reads: 30 + 1500 + 300 = 1830
#    11300 + 4770 + 1830 = 17900
# c  opus 5 in, 50 out, 1000 5m writes, 500 1h writes:
#    25 + 1250 + 1000x6.25 + 500x10 = 25 + 1250 + 6250 + 5000 = 12525
# d  sonnet-4-6 100 in, 40 out: 300 + 600 = 900
#    sonnet-4-6 200 in, 60 out: 600 + 900 = 1500; 900 + 1500 = 2400
# e  opus 4 in, 120 out, 20000 reads: 20 + 3000 + 10000 = 13020
#    opus 2 in, 80 out, 20000 reads: 10 + 2000 + 10000 = 12010
#    13020 + 12010 = 25030 (the replay adds nothing)
# f  opus 10 in, 100 out, 2000 writes: 50 + 2500 + 12500 = 15050
#    haiku 20 in, 50 out, 1000 writes, 2000 reads: 20 + 250 + 1250 + 200 = 1720
#    opus 6 in, 30 out, 2000 reads: 30 + 750 + 1000 = 1780
#    opus 15050 + 1780 = 16830, haiku 1720, session 18550
# g  opus 10 in, 20 out: 50 + 500 = 550; gpt-5-codex has no price: NULL
# h  <synthetic>: no response (a session_errors row); opus 8 in, 16 out,
#    1000 reads: 40 + 400 + 500 = 940
# i  opus 100 in, 1000 out, fast: (500 + 25000) x 6 = 153000
#    the same at standard speed: 25500; 153000 + 25500 = 178500
# j  sonnet-4-5 1000 in, 2000 out, 50000 5m writes, 160000 reads: 211000
#    input tokens > 200000, all at the higher prices:
#    1000x6 + 2000x22.5 + 50000x7.5 + 160000x0.6
#    = 6000 + 45000 + 375000 + 96000 = 522000
#    0 in, 100 out, 200000 reads: exactly 200000, not above:
#    100x15 + 200000x0.3 = 1500 + 60000 = 61500; 522000 + 61500 = 583500
# k  opus 1 in, 10 out: 5 + 250 = 255; sonnet-4 1 in, 10 out: 3 + 150 = 153
# l  opus 3 in, 40 out: 15 + 1000 = 1015; 3 in, 20 out: 15 + 500 = 515;
#    3 in, 5 out: 15 + 125 = 140; 1015 + 515 + 140 = 1670
#
# Columns: folder, session (601de000-<this>-...), responses, prompts,
# input, output, cache write, cache read, session cost (USD).
TABLE='a-stream         000a 1 1    3  350  2000  10000 0.026265
b-subagent       000b 3 2   60  600  4000   8000 0.0179
c-cache-1h       000c 1 1    5   50  1500      0 0.012525
d-no-ids         000d 2 1  300  100     0      0 0.0024
e-btw            000e 2 2    6  200     0  40000 0.02503
f-two-models     000f 3 3   36  180  3000   4000 0.01855
g-unknown-model  0009 2 2 1010  520     0   4000 NULL
h-api-error      0008 1 2    8   16     0   1000 0.00094
i-fast           0001 2 2  200 2000     0      0 0.1785
j-long-context   0002 2 2 1000 2100 50000 360000 0.5835
k-titles/prompt  0101 1 3    1   10     0      0 0.000255
k-titles/ai      0102 1 2    1   10     0      0 0.000255
k-titles/custom  0103 1 1    1   10     0      0 0.000255
k-titles/summary 0104 1 1    1   10     0      0 0.000153
l-durations      0003 3 2    9   65     0      0 0.00167'

fresh
GOLD_ROOT=$ROOT GOLD_HOME=$HOME
echo "$TABLE" >"$TMP/table"
while read -r dir part resp prompts in out cw cr cost; do
	end "$(tr_of "$dir" "$part")"
	cp "$OUT" "$TMP/out-$part"
	is "$dir: exit 0, no bad lines, read as session $(sid "$part")" \
	    "0 session $(sid "$part") 0 bad" \
	    "$RC $(sed -n 1p "$OUT") $(sed -n 2p "$OUT" | sed 's/.*, //')"
	is "$dir: responses, prompts, input, output, cache write, cache read, cost" \
	    "$resp $prompts $in $out $cw $cr $(usd "$cost")" \
	    "$(q "SELECT (SELECT count(*) FROM messages WHERE session_id = s.id AND role = 'assistant'),
		(SELECT count(*) FROM messages WHERE session_id = s.id AND role = 'user'),
		input_tokens, output_tokens, cache_creation_input_tokens, cache_read_input_tokens,
		$USD FROM sessions s WHERE id = '$(sid "$part")'" | tr '|' ' ')"
	is "$dir: message_count = rows, prompt tokens = the three inputs, completion = output" \
	    "$((resp + prompts)) $((in + cw + cr)) $out" \
	    "$(q "SELECT message_count, prompt_tokens, completion_tokens FROM sessions
		WHERE id = '$(sid "$part")'" | tr '|' ' ')"
done <"$TMP/table"
is "every golden session: the session cost is the sum of its rows' (when all are known)" "" \
    "$(q "SELECT s.id FROM sessions s WHERE s.cost_usd IS NOT NULL AND abs(s.cost_usd -
	(SELECT sum(cost_usd) FROM messages WHERE session_id = s.id)) > 1e-12")"

# ---------------------------------------------------------------- (a)
A=msg_01GoldenA0000000000001
is "a: the fixture: 4 lines of the response, output_tokens 1, 1, 1, 350" "1 1 1 350" \
    "$(jq -r --arg m "$A" 'select(.message.id == $m) | .message.usage.output_tokens' \
	"$(tr_of a-stream 000a)" | paste -sd ' ' -)"
is "a: they are 1 row with the final output count, the other counts once" "1 3 350 2000 10000" \
    "$(q "SELECT count(*), input_tokens, output_tokens, cache_creation_input_tokens,
	cache_read_input_tokens FROM messages WHERE id = '$A'" | tr '|' ' ')"
is "a: text is the text block only (not the thinking), request id, model" \
    "I will run the tests and read the config.|req_01GoldenA0000000000001|claude-opus-4-6|0" \
    "$(q "SELECT text_content, request_id, model, is_sidechain FROM messages WHERE id = '$A'")"
is "a: the two tool_use blocks are two tools rows of that message, closed by their results" \
    "toolu_01GoldenA000000000001 Bash $A ok
toolu_01GoldenA000000000002 Read $A ok" \
    "$(q "SELECT id, tool_name, message_id, status FROM tools
	WHERE session_id = '$(sid 000a)' ORDER BY id" | tr '|' ' ')"
is "a: created_at and completed_at are the response's first and last line" \
    "2026-11-20T10:00:01.200Z 2026-11-20T10:00:03.000Z" \
    "$(q "SELECT strftime('%Y-%m-%dT%H:%M:%fZ', created_at / 1000.0, 'unixepoch'),
	strftime('%Y-%m-%dT%H:%M:%fZ', completed_at / 1000.0, 'unixepoch')
	FROM messages WHERE id = '$A'" | tr '|' ' ')"

# ---------------------------------------------------------------- (b)
B=$G/b-subagent
is "b: the fixture: response 2 in the subagent file and in an agent_progress line" "1 1" \
    "$(grep -c msg_01GoldenB0000000000002 "$B/$(sid 000b)/subagents/agent-a7f3c21.jsonl") $(jq -c \
	'select(.type == "progress" and .data.type == "agent_progress"
	and .data.message.message.id == "msg_01GoldenB0000000000002")' "$B/$(sid 000b).jsonl" | wc -l | tr -d ' ')"
is "b: the fixture: response 3's line has no agentId" "null" \
    "$(jq -r 'select(.message.id == "msg_01GoldenB0000000000003") | .agentId' \
	"$B/$(sid 000b)/subagents/agent-a7f3c21.jsonl")"
is "b: main response, the copied subagent response once, the file-only one; agent from the file name" \
    "msg_01GoldenB0000000000001 0 - claude-opus-4-6 10 100 1000 5000
msg_01GoldenB0000000000002 1 a7f3c21 claude-haiku-4-5-20251001 20 200 3000 0
msg_01GoldenB0000000000003 1 a7f3c21 claude-haiku-4-5-20251001 30 300 0 3000" \
    "$(q "SELECT id, is_sidechain, ifnull(agent_id, '-'), model, input_tokens, output_tokens,
	cache_creation_input_tokens, cache_read_input_tokens FROM messages
	WHERE session_id = '$(sid 000b)' AND role = 'assistant' ORDER BY id" | tr '|' ' ')"
is "b: the subagent's prompt is a sidechain prompt row of agent a7f3c21" \
    "Find where sessions expire|1|a7f3c21" \
    "$(q "SELECT text_content, is_sidechain, agent_id FROM messages
	WHERE session_id = '$(sid 000b)' AND role = 'user' AND is_sidechain = 1")"
is "b: the subagent's tool call carries its agent" "Grep a7f3c21 msg_01GoldenB0000000000002" \
    "$(q "SELECT tool_name, agent_id, message_id FROM tools
	WHERE id = 'toolu_01GoldenB000000000002'" | tr '|' ' ')"
is "b: the subagent file has its transcript_files row, named by agent" "a7f3c21 4" \
    "$(q "SELECT agent_id, lines FROM transcript_files WHERE session_id = '$(sid 000b)'
	AND agent_id IS NOT NULL" | tr '|' ' ')"

# ---------------------------------------------------------------- (c)
is "c: cache_creation_input_tokens 0 beside 5m 1000 + 1h 500: 1500 written, 500 of them 1h" \
    "0 1000 500|1500 500 0.01252500" \
    "$(jq -r 'select(.type == "assistant") | .message.usage
	| [.cache_creation_input_tokens, .cache_creation.ephemeral_5m_input_tokens,
	.cache_creation.ephemeral_1h_input_tokens] | join(" ")' "$(tr_of c-cache-1h 000c)")|$(row \
	msg_01GoldenC0000000000001 "cache_creation_input_tokens, cache_creation_1h_tokens, $USD")"

# ---------------------------------------------------------------- (d)
D2=$(jq -r 'select(.type == "assistant" and (.message | has("id") | not)) | .uuid' "$(tr_of d-no-ids 000d)")
is "d: no requestId: keyed by message.id, its 2 lines one row, request_id NULL" \
    "msg_gw_d0000000000000001 NULL 100 40" \
    "$(q "SELECT id, quote(request_id), input_tokens, output_tokens FROM messages
	WHERE session_id = '$(sid 000d)' AND role = 'assistant' AND id LIKE 'msg_%'" | tr '|' ' ')"
is "d: neither message.id nor requestId: keyed by the line's uuid" \
    "$D2 200 60 main returns 0." \
    "$(q "SELECT id, input_tokens, output_tokens, text_content FROM messages
	WHERE session_id = '$(sid 000d)' AND role = 'assistant' AND id NOT LIKE 'msg_%'" | tr '|' ' ')"

# ---------------------------------------------------------------- (e)
E=msg_01GoldenE0000000000001
is "e: the fixture: the /btw file replays the main response under another requestId, same usage" \
    "req_01GoldenE0000000000001 req_01GoldenE0000000000002 true" \
    "$(cat "$(tr_of e-btw 000e)" "$G/e-btw/$(sid 000e)/subagents/"*.jsonl | jq -rs --arg m "$E" \
	'[.[] | select(.message.id == $m)] | "\(.[0].requestId) \(.[1].requestId) \(.[0].message.usage == .[1].message.usage)"')"
is "e: the replayed response is counted once and stays a main-thread row (no sidechain, no agent)" \
    "1 0 - req_01GoldenE0000000000001 4 120 20000" \
    "$(q "SELECT count(*), is_sidechain, ifnull(agent_id, '-'), request_id, input_tokens,
	output_tokens, cache_read_input_tokens FROM messages WHERE id = '$E'" | tr '|' ' ')"
is "e: the side question's own response is a sidechain row" \
    "1 aside_question-5e1f0a2b 2 80 20000" \
    "$(row msg_01GoldenE0000000000003 "is_sidechain, agent_id, input_tokens, output_tokens,
	cache_read_input_tokens")"

# ---------------------------------------------------------------- (f)
F=$(sid 000f)
is "f: models in order of first use; model is the first" \
    "claude-opus-4-6,claude-haiku-4-5-20251001 claude-opus-4-6" \
    "$(q "SELECT models, model FROM sessions WHERE id = '$F'" | tr '|' ' ')"
is "f: session_models: one row per model, its own tokens and cost" \
    "claude-haiku-4-5-20251001 1 20 50 1000 2000 0.00172000
claude-opus-4-6 2 16 130 2000 2000 0.01683000" \
    "$(q "SELECT model, responses, input_tokens, output_tokens, cache_creation_input_tokens,
	cache_read_input_tokens, $USD FROM session_models WHERE session_id = '$F'
	ORDER BY model" | tr '|' ' ')"
is "f: the session's cost is the sum of its models'" "0.01855000 0.01855000" \
    "$(q "SELECT printf('%.8f', cost_usd), (SELECT printf('%.8f', sum(cost_usd)) FROM session_models
	WHERE session_id = '$F') FROM sessions WHERE id = '$F'" | tr '|' ' ')"

# ---------------------------------------------------------------- (g)
GS=$(sid 0009)
is "g: gpt-5-codex: tokens counted, cost NULL; the Opus response priced" \
    "resp_gw_g000000000000002 gpt-5-codex 1000 500 4000 NULL
msg_01GoldenG0000000000001 claude-opus-4-6 10 20 0 0.00055000" \
    "$(q "SELECT id, model, input_tokens, output_tokens, cache_read_input_tokens, $USD
	FROM messages WHERE session_id = '$GS' AND role = 'assistant'
	ORDER BY model DESC" | tr '|' ' ')"
is "g: session cost NULL (unknown, never 0), session_models too; both models listed" \
    "NULL claude-opus-4-6,gpt-5-codex NULL" \
    "$(q "SELECT $USD, models, (SELECT CASE WHEN cost_usd IS NULL THEN 'NULL' END FROM session_models
	WHERE session_id = '$GS' AND model = 'gpt-5-codex') FROM sessions WHERE id = '$GS'" | tr '|' ' ')"
is "g: session-end says the cost is unknown and names the model" \
    "  cost: unknown (no price for gpt-5-codex)" "$(grep 'cost:' "$TMP/out-0009")"
# A response line without message.model (c's transcript, model removed,
# ids changed: the ids of messages are global).
NM=601de000-0bad-4000-8000-000000000000
mkdir -p "$TMP/nomodel"
sed "s/601de000-000c-/601de000-0bad-/g; s/\"000c/\"0bad/g; s/GoldenC/GoldenN/g;
    s/\"model\":\"claude-opus-4-6\",//" \
    "$(tr_of c-cache-1h 000c)" >"$TMP/nomodel/$NM.jsonl"
end "$TMP/nomodel/$NM.jsonl"
is "g: a response without a model: tokens counted, its cost and the session's NULL" \
    "1 NULL 5 50 NULL" \
    "$(q "SELECT count(*), quote(model), sum(input_tokens), sum(output_tokens),
	(SELECT $USD FROM sessions WHERE id = '$NM') FROM messages
	WHERE session_id = '$NM' AND role = 'assistant'" | tr '|' ' ')"
line=$(grep 'cost:' "$OUT")
case $line in
*"no responses"*|"") fail "g: a response without a model: session-end says the cost is unknown, not that there are no responses"
	echo "#   got: $line" ;;
"  cost: unknown"*) pass "g: a response without a model: session-end says the cost is unknown, not that there are no responses" ;;
*) fail "g: a response without a model: session-end says the cost is unknown, not that there are no responses"
	echo "#   got: $line" ;;
esac

# ---------------------------------------------------------------- (h)
H=6a1c7e52-3b0d-4f3e-9d7a-2f81c0e4b901
is "h: the API error line is an error of the session, not a response (Claude Code 2.1.332 rules)" \
    "0|unknown|API Error: 529" \
    "$(q "SELECT (SELECT count(*) FROM messages WHERE id = '$H'), error_type,
	substr(error_message, 1, 14) FROM session_errors WHERE session_id = '$(sid 0008)'")"
is "h: the session cost stays known (the error costs 0); <synthetic> is not a model of the session" \
    "0.00094000 claude-opus-4-6 claude-opus-4-6" \
    "$(q "SELECT $USD, models, model FROM sessions WHERE id = '$(sid 0008)'" | tr '|' ' ')"
is "h: session-end prints a cost, not unknown" 1 "$(grep -c '^  cost: \$[0-9]' "$TMP/out-0008")"

# ---------------------------------------------------------------- (i)
is "i: speed fast: Opus 4.6's fast multiplier (6) on the whole cost; standard unchanged" \
    "fast 0.15300000
standard 0.02550000" \
    "$(q "SELECT speed, $USD FROM messages WHERE session_id = '$(sid 0001)' AND role = 'assistant'
	ORDER BY created_at" | tr '|' ' ')"

# ---------------------------------------------------------------- (j)
is "j: Sonnet 4.5 above 200k input tokens: the whole request at the higher prices; at 200k exactly, not" \
    "211000 0.52200000
200000 0.06150000" \
    "$(q "SELECT input_tokens + cache_creation_input_tokens + cache_read_input_tokens, $USD
	FROM messages WHERE session_id = '$(sid 0002)' AND role = 'assistant'
	ORDER BY created_at" | tr '|' ' ')"

# ---------------------------------------------------------------- (k)
title_of() { q "SELECT title_source || '|' || title FROM sessions WHERE id = '$(sid "$1")'"; }
K1=$G/k-titles/prompt/$(sid 0101).jsonl
is "k: the first real prompt is the title, not the harness lines or tool results before it" \
    "prompt|fix the login bug" "$(title_of 0101)"
# The compaction summary, the caveat, the local-command output and the tool
# result before the first prompt: no prompt rows.
HARNESS=$(jq -r 'select(.type == "user" and (.isCompactSummary or .isMeta
    or (.message.content | type == "array")
    or (.message.content | type == "string" and startswith("<local-command-stdout>"))))
    | .uuid' "$K1")
is "k: the fixture has those four lines" 4 "$(echo "$HARNESS" | wc -l | tr -d ' ')"
is "k: compaction summary, isMeta caveat, <local-command-stdout>, tool_result: no prompt rows" 0 \
    "$(q "SELECT count(*) FROM messages WHERE id IN ($(echo "$HARNESS" | sed "s/.*/'&'/" | paste -sd, -))")"
is "k: a later ai-title wins over the prompt; the last ai-title wins" \
    "ai|Fix login redirect loop" "$(title_of 0102)"
is "k: a custom-title (/rename) wins over the prompt and over an ai-title after it" \
    "custom|login work" "$(title_of 0103)"
is "k: a summary line wins over the prompt" "summary|Login redirect loop fixed" "$(title_of 0104)"

# The same rules when the lines come in separate reads: the first line (the
# prompt), the second alone (a title line: no timestamp, no row), the rest.
fresh
mkdir -p "$TMP/k"
for part in 0102 0103; do
	f=$(ls "$G"/k-titles/*/"$(sid "$part").jsonl")
	t=$TMP/k/$(sid "$part").jsonl
	head -n 1 "$f" >"$t"
	end "$t"
	echo "$(title_of "$part")" >"$TMP/k/$part.1"
	head -n 2 "$f" | tail -n 1 >>"$t"
	end "$t"
	echo "$(title_of "$part")" >"$TMP/k/$part.2"
	tail -n +3 "$f" >>"$t"
	end "$t"
	echo "$(title_of "$part")" >"$TMP/k/$part.3"
done
is "k, read by read: the prompt, then an ai-title read alone, then a later ai-title" \
    "prompt|fix the login bug
ai|Login bug
ai|Fix login redirect loop" "$(cat "$TMP/k/0102.1" "$TMP/k/0102.2" "$TMP/k/0102.3")"
is "k, read by read: the prompt, then a custom-title read alone, then an ai-title that does not replace it" \
    "prompt|fix the login bug
custom|login work
custom|login work" "$(cat "$TMP/k/0103.1" "$TMP/k/0103.2" "$TMP/k/0103.3")"
export CLANKERS_DATA_PATH=$GOLD_ROOT HOME=$GOLD_HOME
ROOT=$GOLD_ROOT DB=$GOLD_ROOT/clankers.db

# ---------------------------------------------------------------- (l)
L=$(sid 0003)
is "l: a turn_duration line sets the duration of the prompt of its turn" \
    "build and test 6600
thanks 1800" \
    "$(q "SELECT text_content, duration_ms FROM messages WHERE session_id = '$L' AND role = 'user'
	ORDER BY created_at" | tr '|' ' ')"
# 10:00:00.000 prompt; lines at 01.500, 02.000, 03.250: 3250 ms.
# 10:00:04.000 tool result; lines at 05.000, 06.500: 2500 ms.
# 10:01:00.000 prompt; line at 01.750: 1750 ms.
is "l: a response's duration runs from the user line before it to its last line" \
    "msg_01GoldenL0000000000001 3250
msg_01GoldenL0000000000002 2500
msg_01GoldenL0000000000003 1750" \
    "$(q "SELECT id, duration_ms FROM messages WHERE session_id = '$L' AND role = 'assistant'
	ORDER BY created_at" | tr '|' ' ')"

# ======================================================================
# The user's price file.
# price FILE ROWS...: a price file, one argument a row, fields split by ' '.
prices() {
	out=$1
	shift
	: >"$out"
	for r in "$@"; do
		printf '%s\n' "$r" | tr ' ' '\t' >>"$out"
	done
}
GT=$(tr_of g-unknown-model 0009)
# gpt-5-codex at 1.25 in, 10 out, 1.25 / 2.5 writes, 0.125 reads (LiteLLM's):
#   1000x1.25 + 500x10 + 4000x0.125 = 1250 + 5000 + 500 = 6750
# claude-opus-4-6 at 10 in, 50 out: 10x10 + 20x50 = 100 + 1000 = 1100
# session 6750 + 1100 = 7850
prices "$TMP/prices.tsv" "# my gateway's models" \
    "gpt-5-codex 1.25 10 1.25 2.5 0.125 - - - - - - 1" \
    "claude-opus-4-6 10 50" \
    "claude-opus-4-6 10 50 12.5 20 1 - - - - - - 6"
fresh
export CLANKERS_PRICES=$TMP/prices.tsv
end "$GT"
unset CLANKERS_PRICES
is "price file: exit 0; a gpt-5-codex row prices it, a claude-opus-4-6 row replaces the built-in one" \
    "0 gpt-5-codex 0.00675000 claude-opus-4-6 0.00110000" \
    "$RC $(q "SELECT model, $USD FROM messages WHERE session_id = '$GS' AND role = 'assistant'
	ORDER BY model DESC" | tr '|\n' '  ' | sed 's/ $//')"
is "price file: the session's cost is known: their sum" "0.00785000" \
    "$(q "SELECT $USD FROM sessions WHERE id = '$GS'")"
is "price file: the bad line is a warn log line naming the file and line 3" \
    "warn true" \
    "$(logged price | jq -r --arg f "$TMP/prices.tsv:3:" \
	'"\(.level) \(.message | startswith($f))"')"
is "price file: session-end prints a cost, not unknown" 1 "$(grep -c '^  cost: \$[0-9]' "$OUT")"

# <root>/prices.tsv when CLANKERS_PRICES is not set.
fresh
mkdir -p "$ROOT"
prices "$ROOT/prices.tsv" "gpt-5-codex 1.25 10 1.25 2.5 0.125 - - - - - - 1"
end "$GT"
is "<root>/prices.tsv: used when CLANKERS_PRICES is unset; built-in rows kept" \
    "0.00675000 0.00055000 0.00730000" \
    "$(q "SELECT (SELECT $USD FROM messages WHERE model = 'gpt-5-codex'),
	(SELECT $USD FROM messages WHERE model = 'claude-opus-4-6'), $USD FROM sessions
	WHERE id = '$GS'" | tr '|' ' ')"
is "<root>/prices.tsv: a good file logs nothing" "" "$(logged price)"

# A CLANKERS_PRICES that does not exist: a warning, and the built-in prices.
fresh
export CLANKERS_PRICES=$TMP/no-such-prices.tsv
end "$GT"
unset CLANKERS_PRICES
is "missing CLANKERS_PRICES file: exit 0, built-in prices (Opus priced, gpt-5-codex unknown)" \
    "0 0.00055000 NULL" \
    "$RC $(q "SELECT (SELECT $USD FROM messages WHERE model = 'claude-opus-4-6'), $USD
	FROM sessions WHERE id = '$GS'" | tr '|' ' ')"
is "missing CLANKERS_PRICES file: a warn log line naming it" "warn true" \
    "$(logged price | jq -r --arg f "$TMP/no-such-prices.tsv" '"\(.level) \(.message | contains($f))"')"

# A CLANKERS_PRICES that cannot be read: a warning, and the built-in prices.
fresh
mkdir -p "$TMP/prices-dir"
export CLANKERS_PRICES=$TMP/prices-dir
end "$GT"
unset CLANKERS_PRICES
is "unreadable CLANKERS_PRICES (a folder): exit 0, built-in prices" "0 0.00055000" \
    "$RC $(q "SELECT $USD FROM messages WHERE model = 'claude-opus-4-6'")"
is "unreadable CLANKERS_PRICES (a folder): a warn log line naming it" "warn true" \
    "$(logged price | jq -r --arg f "$TMP/prices-dir" '"\(.level) \(.message | contains($f))"')"

finish
