#!/bin/sh
# test/t-ccusage.sh: clankers against ccusage 20.0.24 (the tool Claude Code
# users check their usage with) on every transcript of the fixtures: the
# real ones (test/fixtures/transcripts) and the golden ones
# (test/fixtures/golden). Each session's four token totals must be equal
# and its cost equal (to 1e-9), but for the known differences, each
# asserted as such:
#   - responses seen only in agent_progress copies (a 2.1.38 session whose
#     subagent file is missing): clankers counts them, ccusage reads no
#     progress lines; the difference is exactly those rows;
#   - a Sonnet 4.5 request above 200k input tokens (golden j): clankers
#     bills the whole request at the long-context prices, as Anthropic
#     does; ccusage tiers each token kind on its own;
#   - gpt-5-codex (golden g): no built-in price in clankers (cost unknown),
#     ccusage has LiteLLM's; with that price in a user file they agree.
# Without ccusage (no npm, no network) the file says why and skips.
. "$(dirname "$0")/lib.sh"
unset CLANKERS_PRICES

if ! CCUSAGE=$(sh "$TOP/test/ccusage.sh" 2>"$TMP/ccusage.err"); then
	echo "# skip: ccusage not available: $(tr '\n' ' ' <"$TMP/ccusage.err" | sed 's/ *$//')"
	finish
	exit
fi

GOLD=$FIX/golden
J=$GOLD/j-long-context/601de000-0002-4000-8000-000000000000.jsonl
GU=$GOLD/g-unknown-model/601de000-0009-4000-8000-000000000000.jsonl
if [ -n "$WRAPPER" ]; then
	# Under valgrind: the subagent files, the known differences.
	LIST="$GOLD/b-subagent/601de000-000b-4000-8000-000000000000.jsonl
$FIX/transcripts/spotter-2.1.38/subagent.jsonl
$J"
else
	LIST=$(find "$FIX/transcripts" "$GOLD" -name '*.jsonl' ! -path '*/subagents/*' | sort)
fi

# Each transcript (with its <session>/subagents/) in a project folder of
# its own under <run>/projects/, as Claude Code lays them out. ccusage
# deduplicates across every file it reads, and some fixtures are copies of
# one session (e2e/basic/at-hook): the k-th file of a session goes to run k,
# so no run holds two files of one session. The runs go in parallel, each
# with a HOME of its own.
i=0
for f in $LIST; do
	i=$((i + 1))
	stem=$(basename "$f" .jsonl)
	s=$(grep -o -m 1 '"sessionId":"[^"]*"' "$f" | head -n 1)
	k=$(($(grep -cxF "$s" "$TMP/sessions" 2>/dev/null) + 1))
	echo "$s" >>"$TMP/sessions"
	echo "$k" >"$TMP/run$i"
	d=$TMP/ccrun$k/projects/p$i
	mkdir -p "$d"
	cp "$f" "$d/"
	if [ -d "$(dirname "$f")/$stem" ]; then
		cp -R "$(dirname "$f")/$stem" "$d/"
	fi
done
for r in "$TMP"/ccrun*; do
	(
		mkdir -p "$r.home"
		HOME=$r.home XDG_CONFIG_HOME=$r.home/.config CLAUDE_CONFIG_DIR=$r \
		    "$CCUSAGE" session --offline --json >"$r.json" 2>"$r.err"
		echo $? >"$r.rc"
	) &
done
wait

# near A B: A within 1e-9 (relative) of B.
near() {
	awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b
	    if (m < 1e-6) m = 1e-6; exit !(d <= 1e-9 * m) }'
}
# cost_is TITLE EXPECTED ACTUAL: costs in USD, equal to 1e-9.
cost_is() {
	if near "$3" "$2"; then
		pass "$1"
	else
		fail "$1"
		echo "#   expected \$$2, got \$$3"
	fi
}
# The four token totals and the cost of a session, space-separated.
ours() {
	q "SELECT input_tokens, output_tokens, cache_creation_input_tokens,
	    cache_read_input_tokens, ifnull(cost_usd, 'NULL') FROM sessions WHERE id = '$1'" | tr '|' ' '
}
# The same from ccusage's report of period $2 in file $1.
theirs() {
	jq -r --arg p "$2" '.session[] | select(.period == $p)
	    | "\(.inputTokens) \(.outputTokens) \(.cacheCreationTokens) \(.cacheReadTokens) \(.totalCost)"' "$1"
}
# The message ids of the responses of a transcript (and its subagent files)
# seen only inside agent_progress lines, quoted for SQL, comma-separated.
progress_only() {
	cat "$@" | jq -rn '[inputs] as $l
	    | ($l | map(select(.type == "assistant") | .message.id) | unique) as $own
	    | $l | map(select(.type == "progress" and .data.type == "agent_progress"
	        and .data.message.type == "assistant") | .data.message.message.id) | unique
	    | map(select(. as $id | $own | index($id) | not)) | map("'"'"'" + . + "'"'"'") | join(",")'
}

i=0
for f in $LIST; do
	i=$((i + 1))
	stem=$(basename "$f" .jsonl)
	name=$(echo "${f#"$FIX"/}" | sed 's#/projects/[^/]*/#/#; s#/601de000-[0-9a-f-]*\.jsonl$##; s#\.jsonl$##')
	r=$TMP/ccrun$(cat "$TMP/run$i")
	t=$r/projects/p$i/$stem.jsonl
	fresh
	run session-end --transcript "$t"
	sid=$(sed -n '1s/^session //p' "$OUT")
	set -- $(theirs "$r.json" "$stem")
	is "$name: clankers reads it (exit 0), ccusage reports its session" "0 0 5" "$RC $(cat "$r.rc") $#"
	if [ $# -ne 5 ] || [ -z "$sid" ]; then
		sed 's/^/#   ccusage: /' "$r.err" | head -n 5
		continue
	fi
	cc_tokens="$1 $2 $3 $4" cc_cost=$5
	set -- $(ours "$sid")
	our_tokens="$1 $2 $3 $4" our_cost=$5

	only=
	if grep -q '"agent_progress"' "$t"; then
		only=$(progress_only "$t" $(find "$r/projects/p$i/$stem" -name '*.jsonl' 2>/dev/null))
	fi
	if [ -n "$only" ]; then
		# Known difference: responses only in agent_progress copies.
		set -- $(q "SELECT count(*), sum(is_sidechain), sum(input_tokens), sum(output_tokens),
		    sum(cache_creation_input_tokens), sum(cache_read_input_tokens), total(cost_usd)
		    FROM messages WHERE id IN ($only)" | tr '|' ' ')
		nonly=$1 side=$2 extra="$3 $4 $5 $6" extra_cost=$7
		is "$name: $nonly responses are seen only in agent_progress copies, sidechain rows in clankers" \
		    "$nonly $nonly" "$(echo "$only" | tr ',' '\n' | wc -l | tr -d ' ') $side"
		is "$name: tokens exceed ccusage's by exactly those rows (ccusage reads no progress lines)" \
		    "$extra" \
		    "$(echo "$our_tokens $cc_tokens" | awk '{ print $1 - $5, $2 - $6, $3 - $7, $4 - $8 }')"
		is "$name: so do the session's sidechain rows (its subagent file is not in the fixture)" \
		    "$extra" \
		    "$(q "SELECT sum(input_tokens), sum(output_tokens), sum(cache_creation_input_tokens),
			sum(cache_read_input_tokens) FROM messages WHERE session_id = '$sid'
			AND role = 'assistant' AND is_sidechain = 1" | tr '|' ' ')"
		cost_is "$name: cost exceeds ccusage's by exactly those rows' cost" \
		    "$(awk -v a="$cc_cost" -v b="$extra_cost" 'BEGIN { printf "%.12f", a + b }')" "$our_cost"
		continue
	fi

	is "$name: input, output, cache write, cache read equal to ccusage's" "$cc_tokens" "$our_tokens"
	case $f in
	"$J")
		# Known difference: Anthropic bills the whole request above 200k
		# input tokens at the long-context prices; ccusage splits each
		# token kind at 200k. Sonnet 4.5, per million tokens: 3 15 3.75
		# 0.3, above 200k 6 22.5 7.5 0.6. Request 1: 1000 in, 2000 out,
		# 50000 writes, 160000 reads (211000 input tokens); request 2:
		# 100 out, 200000 reads.
		# clankers: 1000x6 + 2000x22.5 + 50000x7.5 + 160000x0.6
		#   + 100x15 + 200000x0.3 = 522000 + 61500 = 583500 -> 0.5835
		# ccusage: no kind above 200k in a request, all at base prices:
		#   1000x3 + 2000x15 + 50000x3.75 + 160000x0.3 = 268500,
		#   + 61500 = 330000 -> 0.33
		cost_is "$name: clankers bills the 211k-token request at the above-200k prices (0.5835)" \
		    0.5835 "$our_cost"
		cost_is "$name: ccusage tiers each token kind apart, none above 200k (0.33): the documented difference" \
		    0.33 "$cc_cost"
		;;
	"$GU")
		# Known difference: gpt-5-codex has no built-in price.
		is "$name: clankers' cost is unknown (no price for gpt-5-codex); ccusage has LiteLLM's" \
		    "NULL 1" "$our_cost $(jq '[.session[].modelBreakdowns[] | select(.modelName == "gpt-5-codex")
			| .cost > 0] | length' "$r.json")"
		# LiteLLM's gpt-5-codex: 1.25 in, 10 out, 0.125 cache reads.
		printf 'gpt-5-codex\t1.25\t10\t1.25\t2.5\t0.125\t-\t-\t-\t-\t-\t-\t1\n' >"$TMP/prices.tsv"
		fresh
		export CLANKERS_PRICES=$TMP/prices.tsv
		run session-end --transcript "$t"
		unset CLANKERS_PRICES
		set -- $(ours "$sid")
		cost_is "$name: with LiteLLM's gpt-5-codex price in CLANKERS_PRICES, cost equal to ccusage's" \
		    "$cc_cost" "$5"
		;;
	*)
		cost_is "$name: cost equal to ccusage's" "$cc_cost" "$our_cost"
		;;
	esac
done

finish
