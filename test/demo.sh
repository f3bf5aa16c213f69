#!/bin/sh
# make demo: replays a real Claude Code session (2.1.197, captured against a
# loopback mock: test/fixtures/e2e/basic) through `clankers hook`, one
# process per event as Claude Code runs it, with its transcript as it was on
# disk at each hook, and a real OpenCode session (1.18.33, captured the same
# way: test/fixtures/opencode/e2e-events.jsonl) through `clankers hook
# opencode`, one process per event its plugin forwards, into a temporary
# data root, and prints what was stored: both agents side by side.
set -eu
cd "$(dirname "$0")/.."
root=$(mktemp -d "${TMPDIR:-/tmp}/clankers-demo.XXXXXX")
work=$root/session
mkdir -p "$work/payloads"
for f in test/fixtures/e2e/basic/*.json; do
	sed "s#/tmp/cc-e2e/out-basic#$work#g" "$f" >"$work/payloads/${f##*/}"
done
sid=a125bd5f-b2e1-42db-87ce-1ce0974290de
transcript=$work/home/.claude/projects/-tmp-cc-e2e-out-basic-work/$sid.jsonl
mkdir -p "$(dirname "$transcript")"
n=0
for f in "$work"/payloads/*.json; do
	snap=test/fixtures/transcripts/e2e/basic/at-hook/$(basename "$f" .json).jsonl
	[ -f "$snap" ] && sed "s#/tmp/cc-e2e/out-basic#$work#g" "$snap" >"$transcript"
	ev=${f##*/}
	ev=${ev#*-}
	ev=${ev%.json}
	./clankers --data-root "$root/data" hook "$ev" <"$f"
	n=$((n + 1))
done
# The events the OpenCode plugin forwards (test/t-plugin.sh checks the list).
m=0
for id in $(cut -d' ' -f1 test/fixtures/opencode/e2e-forwarded.txt); do
	grep -F "\"id\":\"$id\"" test/fixtures/opencode/e2e-events.jsonl |
	    jq -c --arg d "$work/opencode" '.event + {directory: $d}' |
	    ./clankers --data-root "$root/data" hook opencode
	m=$((m + 1))
done
db=$root/data/clankers.db
echo "Replayed $n hook events of one Claude Code session and $m events of one OpenCode session into $root/data"
echo
echo "== sessions"
sqlite3 -header -column "$db" "select substr(id, 1, 8) as id, source, title, project_name as project, status, end_reason, tool_call_count as tools, datetime(created_at / 1000, 'unixepoch') as created from sessions order by source"
echo
echo "== tokens and cost (Claude Code: from the transcript; OpenCode: its messages)"
sqlite3 -header -column "$db" "select source, models, message_count as messages, input_tokens as input, output_tokens as output, cache_creation_input_tokens as cache_write, cache_read_input_tokens as cache_read, case when cost_usd is null then 'unpriced' else printf('%.4f', cost_usd) end as cost_usd from sessions order by source"
echo
echo "== messages"
sqlite3 -header -column "$db" "select source, role, substr(replace(coalesce(text_content, ''), char(10), ' '), 1, 40) as text, output_tokens as out, duration_ms as ms from messages order by source, created_at"
echo
echo "== tools"
sqlite3 -header -column "$db" "select source, tool_name as tool, status, duration_ms as ms, coalesce(file_path, json_extract(tool_input, '$.command'), json_extract(tool_input, '$.filePath')) as target, substr(replace(coalesce(error_message, ''), char(10), ' '), 1, 40) as error from tools order by source, started_at"
echo
echo "== compaction_events"
sqlite3 -header -column "$db" "select phase, trigger, substr(summary, 1, 50) as summary from compaction_events order by id"
echo
echo "== log ($(cat "$root"/data/clankers-*.jsonl | wc -l) lines), the last two"
tail -n 2 "$root"/data/clankers-*.jsonl
echo
echo "Look around: sqlite3 $db"
