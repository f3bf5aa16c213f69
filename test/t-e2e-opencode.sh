#!/bin/sh
# test/t-e2e-opencode.sh: the real OpenCode 1.18.33 (test/opencode.sh
# installs it with npm) against a loopback mock of the Chat Completions API
# (test/e2e/mock_openai.py), with the plugin `clankers install opencode`
# writes into an isolated XDG_CONFIG_HOME. One `opencode run` of the scripted
# session (bash echo; a read that succeeds and a read of a missing file;
# bash exit 3; a final answer), with a price for the mock model in
# opencode.json so that OpenCode computes costs too. The rows are checked
# against OpenCode's own `opencode export` of the session (model, provider,
# folder, title, tokens and cost; each message, each tool part) and against
# the mock's log of what it sent; every clankers process the plugin started
# (through a recording wrapper named by CLANKERS_BIN) exited 0, printed
# nothing and left one log line, stored. Without python3, npm or the CLI
# the file says why and counts nothing.
. "$(dirname "$0")/lib.sh"
unset CLANKERS_PRICES CLANKERS_BIN

MOCK_PID=
trap '[ -z "$MOCK_PID" ] || kill "$MOCK_PID" 2>/dev/null; rm -rf "$TMP"' EXIT

command -v python3 >/dev/null 2>&1 || skip "python3 not found: it runs the mock API"
if ! OPENCODE=$(sh "$TOP/test/opencode.sh" 2>"$TMP/opencode.err"); then
	skip "OpenCode not available: $(tr '\n' ' ' <"$TMP/opencode.err" | sed 's/ *$//')"
fi
# What `clankers install opencode` must write: this binary, its folder resolved.
SELF=$(cd "$(dirname "$CLANKERS")" && pwd -P)/clankers
# @opencode-ai/plugin as test/opencode.sh installed it next to the CLI.
SEED=$(cd "$(dirname "$OPENCODE")/../.." && pwd)/plugin
# Seconds the run, and then the clankers processes it started, may take:
# under valgrind each process takes a second or two, and some forty of them
# start at once.
RUN_TIMEOUT=120 SETTLE=10
[ -z "$WRAPPER" ] || RUN_TIMEOUT=600 SETTLE=300

# --- helpers ---

# oc ARGS...: opencode ARGS in the project with no environment but what is
# named here (as shared/tools/opencode-e2e/run.sh runs it): an isolated HOME
# and XDG folders, no models.dev, update, share, LSP download, default
# plugins or Claude Code files; the data root and the recording wrapper for
# the plugin's processes, and what they need under sanitizers or valgrind.
oc() {
	set -- timeout "$RUN_TIMEOUT" "$OPENCODE" "$@"
	for _v in UBSAN_OPTIONS ASAN_OPTIONS CLANKERS_TIMEOUT_MS; do
		eval "_val=\${$_v-}"
		[ -z "$_val" ] || set -- "$_v=$_val" "$@"
	done
	(cd "$PROJ" && env -i PATH="$PATH" HOME="$HOME" TMPDIR="$C/tmp" TERM=dumb LANG=C.UTF-8 \
		XDG_CONFIG_HOME="$XDG_CONFIG_HOME" XDG_DATA_HOME="$HOME/.local/share" \
		XDG_CACHE_HOME="$HOME/.cache" XDG_STATE_HOME="$HOME/.local/state" \
		OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_AUTOUPDATE=1 \
		OPENCODE_DISABLE_SHARE=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 \
		OPENCODE_DISABLE_DEFAULT_PLUGINS=1 OPENCODE_DISABLE_CLAUDE_CODE=1 \
		CLANKERS_DATA_PATH="$CLANKERS_DATA_PATH" CLANKERS_BIN="$C/bin/clankers" \
		"$@" </dev/null)
}

# Each clankers process the plugin starts leaves in $RUNS a file of its
# arguments, and once it has exited one of its exit status (.rc) and what
# it printed (.out, .err).
starts() { find "$RUNS" -type f -name 'run.??????' | wc -l | tr -d ' '; }
ends() { find "$RUNS" -type f -name '*.rc' | wc -l | tr -d ' '; }
# settle: waits until every process started has exited and no new one has
# started for 0.4 s, at most $SETTLE seconds; 1 when they do not.
settle() {
	_i=0 _prev=
	while [ $_i -lt $((SETTLE * 5)) ]; do
		_now="$(starts) $(ends)"
		case $_now in
		"0 0") ;;
		*) [ "${_now% *}" = "${_now#* }" ] && [ "$_now" = "$_prev" ] && [ "$_i" -ge 2 ] && return 0 ;;
		esac
		_prev=$_now
		sleep 0.2
		_i=$((_i + 1))
	done
	return 1
}

# The mock's log, reduced: one line per response it sent whole.
responses() { jq -c 'select(has("response"))' "$C/mock.jsonl"; }
# ex JQ: JQ over OpenCode's export of the session.
ex() { jq -r "$1" "$C/export.json"; }
# costs_near TITLE EXPECTED ACTUAL: two lists of "key cost" lines, the same
# keys in the same order and each cost near the other's.
costs_near() {
	printf '%s\n' "$2" >"$TMP/expected"
	printf '%s\n' "$3" >"$TMP/actual"
	if [ -n "$2" ] && [ "$(wc -l <"$TMP/expected")" = "$(wc -l <"$TMP/actual")" ] &&
		paste -d' ' "$TMP/expected" "$TMP/actual" |
		awk '{ if ($1 != $3 || $2 == "" || $4 == "") exit 1; d = $2 - $4; if (d < 0) d = -d
		    m = $4 < 0 ? -$4 : $4; if (m < 1e-6) m = 1e-6; if (d > 1e-9 * m) exit 1 }'; then
		pass "$1"
	else
		fail "$1"
		diff -u "$TMP/expected" "$TMP/actual" | sed 's/^/#   /'
	fi
}

# ===== the project, the config, the plugin =====
fresh
C=${ROOT%/data}
export XDG_CONFIG_HOME="$HOME/.config"
mkdir -p "$C/work" "$C/tmp" "$C/bin" "$C/runs" "$XDG_CONFIG_HOME/opencode"
RUNS=$C/runs
PROJ=$(cd "$C/work" && pwd -P)
echo "hello file contents" >"$PROJ/hello.txt"
(cd "$PROJ" && git init -q && git add hello.txt &&
	git -c user.name=t -c user.email=t@example.invalid commit -q -m init) ||
	skip "git cannot make the project a repository"

rm -f "$C/mock.port"
python3 "$TOP/test/e2e/mock_openai.py" --log "$C/mock.jsonl" --port-file "$C/mock.port" \
	--workdir "$PROJ" --max-seconds 900 2>"$C/mock.stderr" &
MOCK_PID=$!
i=0
while [ ! -s "$C/mock.port" ] && [ $i -lt 200 ] && kill -0 "$MOCK_PID" 2>/dev/null; do
	sleep 0.05
	i=$((i + 1))
done
if [ ! -s "$C/mock.port" ]; then
	fail "the mock API did not start: $(head -c 300 "$C/mock.stderr")"
	finish
	exit
fi
PORT=$(cat "$C/mock.port")
# The mock provider (as shared/tools/opencode-e2e/run.sh writes it), with the
# price the db fixture used (USD per million: input 3, output 15, cache read
# 0.3, cache write 3.75), so that OpenCode has costs to compare with.
cat >"$PROJ/opencode.json" <<JSON
{
  "\$schema": "https://opencode.ai/config.json",
  "provider": {
    "mock": {
      "npm": "@ai-sdk/openai-compatible",
      "name": "Mock",
      "options": { "baseURL": "http://127.0.0.1:$PORT/v1", "apiKey": "sk-test-dummy" },
      "models": { "mock-model": { "name": "Mock Model", "tool_call": true,
                                  "cost": { "input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75 },
                                  "limit": { "context": 128000, "output": 4096 } } }
    }
  },
  "model": "mock/mock-model",
  "small_model": "mock/mock-model",
  "permission": { "bash": "allow", "edit": "allow", "read": "allow", "external_directory": "allow" },
  "autoupdate": false,
  "share": "disabled"
}
JSON

# At start OpenCode installs @opencode-ai/plugin with npm into each config
# folder (10-21 s, and the registry) unless the folder has a node_modules and
# its package.json and package-lock.json name the package: the copy
# test/opencode.sh installed is put there.
SEEDED=
if [ -f "$SEED/node_modules/@opencode-ai/plugin/package.json" ]; then
	cp "$SEED/package.json" "$SEED/package-lock.json" "$XDG_CONFIG_HOME/opencode/"
	ln -s "$SEED/node_modules" "$XDG_CONFIG_HOME/opencode/node_modules"
	SEEDED=1
else
	echo "# note: no @opencode-ai/plugin in $SEED: OpenCode installs it from npm at start"
fi

run install opencode
PLUGIN=$XDG_CONFIG_HOME/opencode/plugin/clankers.js
is "install: exit 0, the plugin written where OpenCode loads the user's plugins" \
	"0|clankers: installed the OpenCode plugin '$PLUGIN' (runs $SELF); new file" \
	"$RC|$(cat "$OUT" "$ERR")"
is "install: the plugin runs this binary by its absolute path" 1 \
	"$(grep -c -F "const CLANKERS = \"$SELF\"" "$PLUGIN")"
# What the plugin runs: the installed binary (under $WRAPPER when set), each
# run recorded in $RUNS. CLANKERS_BIN names it, so the plugin file stays as
# install wrote it.
cat >"$C/bin/clankers" <<EOF
#!/bin/sh
r=\$(mktemp "$RUNS/run.XXXXXX") || exit 1
printf '%s\n' "\$*" >"\$r"
$WRAPPER "$SELF" "\$@" >"\$r.out" 2>"\$r.err"
rc=\$?
echo \$rc >"\$r.rc"
exit \$rc
EOF
chmod +x "$C/bin/clankers"

# ===== the session =====
oc run --format json "run echo" >"$C/run.out" 2>"$C/run.err"
echo $? >"$C/run.rc"
settle
SETTLED=$?
SID=$(jq -r '.sessionID // empty' "$C/run.out" | head -n 1)
is "run: exit 0, nothing on stderr, the mock's final answer" \
	"0||1" \
	"$(cat "$C/run.rc")|$(cat "$C/run.err")|$(grep -c 'MOCK-FINAL-ANSWER: hello-from-tool' "$C/run.out")"
RUNS_AFTER_RUN=$(starts)
oc export "$SID" >"$C/export.json" 2>"$C/export.err"
echo $? >"$C/export.rc"
settle || SETTLED=1
kill "$MOCK_PID" 2>/dev/null
wait "$MOCK_PID" 2>/dev/null
MOCK_PID=
is "export: exit 0, OpenCode's own JSON of the session" "0|$SID" \
	"$(cat "$C/export.rc")|$(ex .info.id 2>&1)"
is "the mock sent five responses whole, none dropped: four of the script, one title" \
	"final side t0 t1 t2|0" \
	"$(responses | jq -r .label | sort | tr '\n' ' ' | sed 's/ $//')|$(grep -c response_dropped "$C/mock.jsonl")"
if [ -n "$SEEDED" ]; then
	is "OpenCode installed nothing with npm: the seeded @opencode-ai/plugin was enough" "||" \
		"$(ls -d "$HOME/.npm" 2>/dev/null)|$(cmp "$SEED/package-lock.json" "$XDG_CONFIG_HOME/opencode/package-lock.json" 2>&1)|$(
			find "$PROJ" -name node_modules)"
fi

# ===== every clankers process the plugin started =====
is "hooks: all exited within ${SETTLE} s; started during the run, none by export" \
	"0|$RUNS_AFTER_RUN" "$SETTLED|$(starts)"
is "hooks: each ran as 'hook opencode', exited 0 and printed nothing" \
	"$(starts) hook opencode|0|0|0" \
	"$(cat "$RUNS"/run.?????? | sort | uniq -c | awk '{ $1 = $1; print }')|$(
		cat "$RUNS"/*.rc | grep -v -c '^0$')|$(cat "$RUNS"/*.out | wc -c | tr -d ' ')|$(
		cat "$RUNS"/*.err | wc -c | tr -d ' ')"
is "hooks: one log line each, every one stored, none at warn or error" \
	"$(starts)|0|0" \
	"$(log_lines | wc -l | tr -d ' ')|$(log_lines | jq -c 'select(.outcome != "stored")' | wc -l | tr -d ' ')|$(
		log_lines | jq -c 'select(.level != "info")' | wc -l | tr -d ' ')"
is "hooks: one hook_events row each, all of this session, source opencode" \
	"$(starts)|$SID|opencode" \
	"$(q "select count(*), group_concat(distinct session_id), group_concat(distinct source) from hook_events")"
is "hooks: no stdin file of the plugin's left in TMPDIR" "" \
	"$(find "$C/tmp" -name 'clankers-opencode-*')"

# ===== the rows against OpenCode's export =====
same "session: id, source, model, provider, folder, title and version are the export's" \
	"$(ex '[.info.id, "opencode", .info.model.id, .info.model.providerID, .info.directory, .info.title, .info.version] | join("|")')" \
	"$(q "select id, source, model, provider, project_path, title, client_version from sessions")"
is "session: the folder is the project, the title the mock's" "$PROJ|Mock title" \
	"$(q "select project_path, title from sessions")"
same "session: token totals are the export's (input, output, cache read, cache write)" \
	"$(ex '.info.tokens | [.input, .output, .cache.read, .cache.write] | join("|")')" \
	"$(q "select input_tokens, output_tokens, cache_read_input_tokens, cache_creation_input_tokens from sessions")"
costs_near "session: cost is the export's" "$SID $(ex .info.cost)" \
	"$(q "select id || ' ' || cost_usd from sessions")"
same "messages: one row per message of the export: id, role, model, provider" \
	"$(ex '.messages[].info | [.id, .role, (.modelID // ""), (.providerID // "")] | join("|")' | sort)" \
	"$(q "select id, role, ifnull(model, ''), ifnull(provider, '') from messages order by id")"
same "messages: each response's tokens are its export's (input, output, reasoning, cache read, cache write)" \
	"$(ex '.messages[].info | select(.role == "assistant") | [.id, .tokens.input, .tokens.output, .tokens.reasoning, .tokens.cache.read, .tokens.cache.write] | join("|")' | sort)" \
	"$(q "select id, input_tokens, output_tokens, reasoning_tokens, cache_read_input_tokens, cache_creation_input_tokens
	      from messages where role = 'assistant' order by id")"
costs_near "messages: each response's cost is its export's (OpenCode's own and the row's)" \
	"$(ex '.messages[].info | select(.role == "assistant") | "\(.id) \(.cost)"' | sort)" \
	"$(q "select id || ' ' || agent_cost_usd from messages where role = 'assistant' order by id")"
same "messages: each message's text is its export's text parts" \
	"$(ex '.messages[] | [.info.id, ([.parts[] | select(.type == "text") | .text] | join(""))] | join("|")' | sort)" \
	"$(q "select id, ifnull(text_content, '') from messages order by id")"
same "tools: one row per tool part of the export: id, message, tool, input" \
	"$(ex '.messages[].parts[] | select(.type == "tool") | [.id, .messageID, .tool, (.state.input | tojson)] | join("|")' | sort)" \
	"$(q "select id, message_id, tool_name, json(tool_input) from tools order by id")"
same "tools: the export's statuses: completed with exit 0 ok, exit 3 or state error an error" \
	"$(ex '.messages[].parts[] | select(.type == "tool") | [.id, (if .state.status == "completed" and ((.state.metadata.exit // 0) == 0) then "ok|1" else "error|0" end)] | join("|")' | sort)" \
	"$(q "select id, status, success from tools order by id")"
is "tools: in the script's order: bash ok, read ok, read of a missing file error, bash exit 3 error" \
	"bash|ok|
read|ok|
read|error|File not found: PROJ/missing.txt
bash|error|exit code 3" \
	"$(q "select tool_name, status, ifnull(error_message, '') from tools order by started_at, id" | sed "s#$PROJ#PROJ#g")"
is "session: counts follow the rows: 5 messages, 4 responses, 4 tool calls, none unpriced" "5|4|4|0" \
	"$(q "select message_count, responses, tool_call_count, unpriced_responses from sessions")"

# ===== the rows against the mock's own figures =====
# OpenCode stores input = prompt_tokens - cached_tokens, cache read = cached.
same "messages: the responses' tokens are the mock's usage for the script (input, output, cache read)" \
	"$(responses | jq -r 'select(.label != "side") | .usage | "\(.prompt_tokens - .prompt_tokens_details.cached_tokens)|\(.completion_tokens)|\(.prompt_tokens_details.cached_tokens)"' | sort)" \
	"$(q "select input_tokens, output_tokens, cache_read_input_tokens from messages where role = 'assistant' order by 1, 2, 3")"
same "messages: the responses' texts are the mock's" \
	"$(responses | jq -r 'select(.label != "side") | .text' | sort)" \
	"$(q "select ifnull(text_content, '') from messages where role = 'assistant' order by 1")"
same "tools: the tool calls are the mock's: name and input" \
	"$(responses | jq -c -S '.tool_calls[] | [.name, .arguments]' | sort)" \
	"$(q "select json_array(tool_name, json(tool_input)) from tools" | jq -c -S . | sort)"
costs_near "session: cost is the configured price of the mock's usage for the script" \
	"$SID $(responses | jq -r 'select(.label != "side") | .usage | "\(.prompt_tokens - .prompt_tokens_details.cached_tokens) \(.completion_tokens) \(.prompt_tokens_details.cached_tokens)"' |
		awk '{ c += ($1 * 3 + $2 * 15 + $3 * 0.3) / 1e6 } END { if (NR) printf "%.12f\n", c }')" \
	"$(q "select id || ' ' || cost_usd from sessions")"

# ===== what a user reads =====
run --data-root "$ROOT" report --json --section gaps
is "report --json: exit 0 and no gap" "0|[]" \
	"$RC|$(jq -c '[.gaps[] | {kind, what, count, items}]' "$OUT" 2>&1)"
run --data-root "$ROOT" report --section gaps
ok "report: the table says No gaps" grep -q '^No gaps:' "$OUT"

finish
