#!/bin/sh
# Prints the path of Claude Code 2.1.332 (the npm package
# @anthropic-ai/claude-code, the version the end-to-end test is written
# against), installing it with npm into a cache folder outside the checkout
# when it is not there yet. Its native binary arrives as an optional
# dependency from the same registry; nothing else is downloaded. Exits 1
# with the reason on stderr when it cannot: the caller then skips, saying why.
#   $CLAUDE_BIN       a claude binary to use instead
#   $CLANKERS_CACHE   the cache folder (default ~/.cache/clankers)
#   CLANKERS_NO_NPM=1 never install
set -eu
. "$(dirname "$0")/npm-install.sh"
VERSION=${CLAUDE_VERSION:-2.1.332}
if [ -n "${CLAUDE_BIN:-}" ]; then
	[ -x "$CLAUDE_BIN" ] && { echo "$CLAUDE_BIN"; exit 0; }
	echo "CLAUDE_BIN=$CLAUDE_BIN is not executable" >&2
	exit 1
fi
cache=${CLANKERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clankers}
dir=$cache/claude-code-$VERSION
bin=$dir/node_modules/.bin/claude
[ -x "$bin" ] || npm_install "$dir" "@anthropic-ai/claude-code@$VERSION" "Claude Code $VERSION"
# No network, no telemetry, no update check: only the version string.
if ! v=$(env -i PATH="$PATH" HOME="$dir" DISABLE_AUTOUPDATER=1 DISABLE_TELEMETRY=1 \
	CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1 "$bin" --version 2>&1 </dev/null); then
	echo "$bin does not run on this machine: $(echo "$v" | head -n 1)" >&2
	exit 1
fi
case $v in
"$VERSION "*) ;;
*)
	echo "$bin is not Claude Code $VERSION: '$(echo "$v" | head -n 1)'" >&2
	exit 1
	;;
esac
echo "$bin"
