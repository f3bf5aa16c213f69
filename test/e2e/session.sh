# test/e2e/session.sh: sourced by test/t-e2e.sh and test/bench.sh. Runs the
# real Claude Code CLI against test/e2e/mock_anthropic.py on 127.0.0.1, as
# shared/tools/claude-e2e/run.sh does: `claude -p` with no login (a dummy
# API key), telemetry, updates and error reports off, an isolated HOME, and
# no environment but what is named here (env -i). Claude Code runs its hooks
# with its own environment, so what the hooks need (the data root, the
# sanitizers' options) is passed to claude. It does not install anything,
# write hooks or check results: the caller does.
#
#   e2e_project DIR            make DIR a project folder (hello.txt, CLAUDE.md)
#                              and set E2E_PROJ to its resolved path
#   e2e_settings               $HOME/.claude/settings.json allowing Bash and
#                              Read (Write is left out: the script's Write is
#                              denied), no hooks
#   mock_start DIR SCENARIO [ARGS...]
#                              start the mock (log DIR/mock.jsonl, its tool
#                              paths in $E2E_PROJ) on a free port; sets
#                              MOCK_PID and MOCK_PORT; 1 when it does not listen
#   mock_stop                  stop the last mock started, wait for it
#   claude_run OUT ARGS...     claude ARGS in $E2E_PROJ, stdout to OUT.out,
#                              stderr to OUT.err, exit status in OUT.rc, its
#                              TMPDIR the folder tmp next to OUT
#
# Needs CLAUDE (the binary, from test/claude.sh) and TOP (the checkout).
# E2E_TIMEOUT: seconds a claude run may take (default 120). Safe under set -e.

e2e_project() {
	mkdir -p "$1"
	E2E_PROJ=$(cd "$1" && pwd -P)
	echo "hello file contents" >"$E2E_PROJ/hello.txt"
	printf '# Project instructions\nThis is a mock project for hook capture.\n' >"$E2E_PROJ/CLAUDE.md"
}

e2e_settings() {
	mkdir -p "$HOME/.claude"
	echo '{"permissions": {"allow": ["Bash", "Read"]}}' >"$HOME/.claude/settings.json"
}

mock_start() {
	_d=$1 _scen=$2
	shift 2
	rm -f "$_d/mock.port"
	python3 "$TOP/test/e2e/mock_anthropic.py" --log "$_d/mock.jsonl" \
		--port-file "$_d/mock.port" --workdir "$E2E_PROJ" --scenario "$_scen" \
		--max-seconds 900 "$@" 2>"$_d/mock.stderr" &
	MOCK_PID=$!
	MOCK_PIDS="${MOCK_PIDS:-} $MOCK_PID"
	_i=0
	while [ ! -s "$_d/mock.port" ]; do
		_i=$((_i + 1))
		if [ $_i -gt 200 ] || ! kill -0 "$MOCK_PID" 2>/dev/null; then
			return 1
		fi
		sleep 0.05
	done
	MOCK_PORT=$(cat "$_d/mock.port")
}

mock_stop() {
	kill "$MOCK_PID" 2>/dev/null || :
	wait "$MOCK_PID" 2>/dev/null || :
	MOCK_PIDS=$(echo "$MOCK_PIDS" | sed "s/ $MOCK_PID\$//; s/ $MOCK_PID / /")
	return 0
}

claude_run() {
	_out=$1
	shift
	set -- timeout "${E2E_TIMEOUT:-120}" "$CLAUDE" "$@"
	# What the hooks need, when set, and nothing else of ours.
	for _v in UBSAN_OPTIONS ASAN_OPTIONS CLANKERS_TIMEOUT_MS CLANKERS_DATA_PATH \
	    CLAUDE_CODE_MAX_RETRIES; do
		eval "_val=\${$_v-}"
		[ -z "$_val" ] || set -- "$_v=$_val" "$@"
	done
	# Its temporary files (claude-UID/...) next to OUT, not in /tmp.
	_tmp=$(dirname "$_out")/tmp
	mkdir -p "$_tmp"
	(
		_rc=0
		cd "$E2E_PROJ" || exit 1
		env -i PATH="$PATH" HOME="$HOME" TMPDIR="$_tmp" TERM=dumb LANG=C.UTF-8 \
			ANTHROPIC_BASE_URL="http://127.0.0.1:$MOCK_PORT" \
			ANTHROPIC_API_KEY=sk-ant-test-dummy DISABLE_TELEMETRY=1 \
			CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 DISABLE_AUTOUPDATER=1 \
			DISABLE_ERROR_REPORTING=1 "$@" >"$_out.out" 2>"$_out.err" </dev/null || _rc=$?
		echo $_rc >"$_out.rc"
	)
}
