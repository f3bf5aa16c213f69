#!/bin/sh
# The OpenCode plugin (opencode-plugin.js) under Node and under the Bun that
# the opencode CLI embeds (BUN_BE_BUN=1 opencode FILE), when each is on PATH.
# A driver (test/plugin/driver.mjs) loads the plugin as OpenCode's loader does
# and feeds it the events of a real OpenCode 1.18.33 run and synthetic ones;
# a fake clankers (test/plugin/clankers) records each process's argv and
# stdin. Checked: exactly which events start a process, the argv, the stdin
# (the event plus the instance's directory), one export only, no throw and no
# rejected promise on a missing binary or on garbage, one warning at most,
# processes started before the handler yields, and how the binary is found:
# CLANKERS_BIN, the path the installer writes, else PATH.
. "$(dirname "$0")/lib.sh"

PLUGIN=$TOP/opencode-plugin.js
DRIVER=$TOP/test/plugin/driver.mjs
FAKE=$TOP/test/plugin/clankers
OC=$FIX/opencode
# The instance directory handed to the plugin: a space and a quote in it.
WORK="$TMP/work dir \"q\""
PLACEHOLDER='"@CLANKERS_BIN@"'
unset CLANKERS_BIN DRIVER_DIRECTORY DRIVER_NO_CLIENT FAKE_CLANKERS_OUT
DIRECTORY=$WORK RUNPATH= RUNTMPDIR=
# OpenCode's Bun: the opencode on PATH, else the one test/opencode.sh keeps
# in the cache (.ci/run installs it there); never installed from here.
NODE=$(command -v node) OPENCODE=$(command -v opencode ||
	CLANKERS_NO_NPM=1 sh "$TOP/test/opencode.sh" 2>/dev/null)

# One line per recorded process, sorted: "<id or -> <type> [<part type>
# [<tool status>]]", the shape of the *-forwarded.txt files.
SUMMARY='[(.id // "-"), .type, (.properties.part.type // empty),
	(.properties.part.state.status // empty)] | join(" ")'

# drive RUNTIME: runs the driver in $mode on $file (test/plugin/driver.mjs)
# under RUNTIME (node or bun), with PATH=$RUNPATH and TMPDIR=$RUNTMPDIR
# when those are set, and a fresh record folder in $REC; its JSON line in
# $DRV, stderr in $ERR, rc in $RC. Waits for the detached children: until $WANT records are there, at
# most 10 s, then 0.3 s more for any that should not be.
drive() {
	cases=$((cases + 1))
	REC=$TMP/rec$cases
	mkdir -p "$REC"
	ERR=$TMP/err$cases
	case $1 in
	node) set -- "$NODE" ;;
	bun) set -- env BUN_BE_BUN=1 "$OPENCODE" ;;
	esac
	DRV=$([ -z "$RUNPATH" ] || PATH=$RUNPATH
		[ -z "$RUNTMPDIR" ] || export TMPDIR="$RUNTMPDIR"
		FAKE_CLANKERS_OUT=$REC DRIVER_DIRECTORY=$DIRECTORY \
		"$@" "$DRIVER" "$PLUGIN" "$mode" ${file:+"$file"} 2>"$ERR")
	RC=$?
	i=0
	while [ "$(records | wc -l)" -lt "$WANT" ] && [ $i -lt 100 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	sleep 0.3
}
records() { ls "$REC" | grep '\.stdin$'; }
# The paths the records' processes were started by, each once.
bins() { cat "$REC"/*.bin 2>/dev/null | sort -u; }
summary() { for f in "$REC"/*.stdin; do [ -e "$f" ] && jq -r "$SUMMARY" "$f"; done | LC_ALL=C sort; }
drv() { printf '%s\n' "$DRV" | jq -c "$1"; }
# The driver saw no synchronous throw and no rejected promise, and every
# handler promise resolved to undefined.
clean() { drv '[.throws, .rejects, .results]'; }

# suite RUNTIME: every case under one runtime.
suite() {
	rt=$1

	export CLANKERS_BIN=$FAKE
	mode=events file=$OC/e2e-events.jsonl WANT=$(wc -l <"$OC/e2e-forwarded.txt")
	drive "$rt"
	is "$rt: the module exports one plugin function, its hooks are event only" \
		'{"ClankersPlugin":"function"}|["event"]' "$(drv .exports)|$(drv .init)"
	is "$rt: 126 captured events handed over; no throw, no rejection, all resolve" \
		'0|126|[0,0,["undefined"]]' "$RC|$(drv .calls)|$(clean)"
	is "$rt: real 1.18.33 run: exactly the finished events start a process" \
		"$(cat "$OC/e2e-forwarded.txt")" "$(summary)"
	is "$rt: every process ran as 'hook opencode', no other argument" "$WANT|hook opencode" \
		"$(ls "$REC" | grep -c '\.argv$')|$(for f in "$REC"/*.argv; do paste -sd' ' "$f"; done | sort -u)"
	is "$rt: each stdin is the event as given plus the instance's directory" \
		"$(jq -S -c --arg d "$WORK" 'select(.hook == "event") | .event + {directory: $d}' "$file" |
		   grep -F -f "$TMP/ids" | LC_ALL=C sort)" \
		"$(for f in "$REC"/*.stdin; do jq -S -c . "$f"; done | LC_ALL=C sort)"
	is "$rt: the directory key comes last, type and properties stay on top" \
		"$WANT" "$(for f in "$REC"/*.stdin; do jq -c '[keys_unsorted[-1], has("type"), has("properties")]' "$f"; done |
			grep -c '^\["directory",true,true\]$')"
	is "$rt: no process for a delta, a pending or running tool, an unfinished text" \
		"0" "$(cat "$REC"/*.stdin | jq -r 'select(.type == "message.part.delta" or
			(.properties.part.state.status | IN("pending", "running"))
			or (.properties.part.type == "text" and .properties.part.time != null
			    and .properties.part.time.end == null)) | .id' | wc -l | tr -d ' ')"
	is "$rt: nothing warned, nothing on stderr" '[]|' "$(drv .logs)|$(cat "$ERR")"

	mode=events file=$OC/synthetic-events.jsonl WANT=$(wc -l <"$OC/synthetic-forwarded.txt")
	drive "$rt"
	is "$rt: synthetic: session.* but status and diff, message.removed, compaction, subtask, a finished tool, text, step-finish; no reasoning, step-start, file, patch, retry" \
		"0|[0,0,[\"undefined\"]]|$(cat "$OC/synthetic-forwarded.txt")" "$RC|$(clean)|$(summary)"
	is "$rt: a prompt's text (U+2028, quotes) arrives intact" \
		"$(jq -S -c --arg d "$WORK" 'select(.id == "evt_s23") + {directory: $d}' "$file")" \
		"$(for f in "$REC"/*.stdin; do jq -S -c 'select(.id == "evt_s23")' "$f"; done)"

	DIRECTORY= mode=events file=$OC/synthetic-events.jsonl WANT=$(wc -l <"$OC/synthetic-forwarded.txt")
	drive "$rt"
	DIRECTORY=$WORK
	is "$rt: no directory given: the event alone, no directory key" "0" \
		"$(cat "$REC"/*.stdin | jq -s 'map(select(has("directory"))) | length')"

	mode=exit file=$OC/synthetic-events.jsonl WANT=$(wc -l <"$OC/synthetic-forwarded.txt")
	drive "$rt"
	is "$rt: handlers not awaited, process exits at once: every process was already started" \
		"0|$(cat "$OC/synthetic-forwarded.txt")" "$RC|$(summary)"

	mode=exit file=$TMP/big.jsonl WANT=1
	drive "$rt"
	is "$rt: a 300 kB tool part, process exits at once: its stdin arrives whole" \
		"$(jq -S -c --arg d "$WORK" '. + {directory: $d}' "$file")" \
		"$(for f in "$REC"/*.stdin; do jq -S -c . "$f"; done)"

	RUNTMPDIR=/nonexistent/tmp mode=events file=$OC/synthetic-events.jsonl
	WANT=$(wc -l <"$OC/synthetic-forwarded.txt")
	drive "$rt"
	RUNTMPDIR=
	is "$rt: no temporary folder: the events go through a pipe instead" \
		"0|[0,0,[\"undefined\"]]|[]|$(cat "$OC/synthetic-forwarded.txt")" \
		"$RC|$(clean)|$(drv .logs)|$(summary)"
	is "$rt: ... and each stdin is whole" \
		"$(jq -S -c --arg d "$WORK" '. + {directory: $d}' "$file" | grep -F -f "$TMP/sids" | LC_ALL=C sort)" \
		"$(for f in "$REC"/*.stdin; do jq -S -c . "$f"; done | LC_ALL=C sort)"

	mode=garbage file= WANT=2
	drive "$rt"
	is "$rt: garbage (no event, null, no properties, null part, BigInt, a cycle): no throw, no rejection" \
		'0|[0,0,["undefined"]]' "$RC|$(clean)"
	is "$rt: garbage: only the two well-formed enough to forward started a process" \
		'- message.part.updated text
- session.idle' "$(summary)"
	is "$rt: the unserialisable events make one warning in OpenCode's log" \
		'1|"warn"|"clankers"' "$(drv '.logs | length')|$(drv '.logs[0].body.level')|$(drv '.logs[0].body.service')"

	export CLANKERS_BIN=/nonexistent/clankers
	mode=events file=$OC/e2e-events.jsonl WANT=0
	drive "$rt"
	is "$rt: missing binary: no throw, no rejection, all resolve, nothing on stderr" \
		'0|[0,0,["undefined"]]|' "$RC|$(clean)|$(cat "$ERR")"
	is "$rt: missing binary: one warning in OpenCode's log for 38 events" \
		"[\"clankers: cannot forward OpenCode events to '/nonexistent/clankers': ENOENT\"]" \
		"$(drv '[.logs[].body.message]')"
	DRIVER_NO_CLIENT=1
	export DRIVER_NO_CLIENT
	drive "$rt"
	is "$rt: missing binary, no client: one line on stderr, no throw" \
		"0|[0,0,[\"undefined\"]]|clankers: cannot forward OpenCode events to '/nonexistent/clankers': ENOENT" \
		"$RC|$(clean)|$(cat "$ERR")"
	unset DRIVER_NO_CLIENT

	# The installer's part: the placeholder replaced by a JSON string literal.
	unset CLANKERS_BIN
	BIN="$TMP/bin dir \"q\" \\x"
	mkdir -p "$BIN" "$TMP/path"
	cp "$FAKE" "$BIN/clankers"
	cp "$FAKE" "$TMP/path/clankers"
	PLUGIN=$TMP/installed.js
	LIT=$(jq -n --arg p "$BIN/clankers" '$p')
	installed "$LIT"
	mode=events file=$OC/synthetic-events.jsonl WANT=$(wc -l <"$OC/synthetic-forwarded.txt")
	RUNPATH=/usr/bin:/bin
	drive "$rt"
	is "$rt: installed path (JSON-escaped, with a space, quote, backslash) is run" \
		"$WANT|$BIN/clankers|[]" "$(records | wc -l | tr -d ' ')|$(bins)|$(drv .logs)"
	RUNPATH=$TMP/path:$PATH
	export CLANKERS_BIN=$FAKE
	drive "$rt"
	unset CLANKERS_BIN
	is "$rt: CLANKERS_BIN wins over the installed path" \
		"$WANT|$FAKE" "$(records | wc -l | tr -d ' ')|$(bins)"
	installed '"/nonexistent/clankers"'
	drive "$rt"
	is "$rt: installed path gone: clankers from PATH" \
		"$WANT|$TMP/path/clankers|[]" "$(records | wc -l | tr -d ' ')|$(bins)|$(drv .logs)"
	PLUGIN=$TOP/opencode-plugin.js
	drive "$rt"
	is "$rt: placeholder left as shipped: clankers from PATH" \
		"$WANT|$TMP/path/clankers|[]" "$(records | wc -l | tr -d ' ')|$(bins)|$(drv .logs)"
	WANT=0 RUNPATH=/usr/bin:/bin
	drive "$rt"
	RUNPATH=
	is "$rt: placeholder left, clankers in no PATH folder: no throw, one warning" \
		"0|[0,0,[\"undefined\"]]|[\"clankers: cannot forward OpenCode events to 'clankers': ENOENT\"]" \
		"$RC|$(clean)|$(drv '[.logs[].body.message]')"
}

# installed LITERAL: $PLUGIN is the plugin with its placeholder replaced by
# LITERAL, as `clankers install opencode` does (ENVIRON: no escape processing).
installed() {
	LIT=$1 awk -v p="$PLACEHOLDER" '{ i = index($0, p)
		if (i) $0 = substr($0, 1, i - 1) ENVIRON["LIT"] substr($0, i + length(p)) } 1' \
		"$TOP/opencode-plugin.js" >"$PLUGIN"
}

is "the placeholder occurs once in the plugin, on its const line" \
	"const CLANKERS = $PLACEHOLDER" "$(grep -F "$PLACEHOLDER" "$PLUGIN")"
is "no other spelling of the placeholder that a replacement could change" \
	1 "$(grep -c '@CLANKERS_BIN@' "$PLUGIN")"

# The ids of the captured events that must be forwarded, for the stdin check.
cut -d' ' -f1 "$OC/e2e-forwarded.txt" >"$TMP/ids"
# The same for the synthetic events; those without an id by their text.
{ grep -v '^- ' "$OC/synthetic-forwarded.txt" | cut -d' ' -f1 | sed 's/.*/"id":"&"/'
  echo '"type":"session.idle"'; } >"$TMP/sids"
# A completed tool part whose output is bigger than a pipe's buffer.
jq -c '.properties.part.state.output = ("0123456789abcdef\n" * 18000) | .id = "evt_big"' \
	<"$OC/synthetic-events.jsonl" | grep '"evt_big".*"completed"' >"$TMP/big.jsonl"

if command -v node >/dev/null 2>&1; then
	suite node
else
	echo "# skip: node: not on PATH"
fi
if [ -n "$OPENCODE" ]; then
	suite bun
else
	echo "# skip: bun: opencode CLI not installed (test/opencode.sh installs it)"
fi
finish
