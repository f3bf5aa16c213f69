#!/bin/sh
# Prints the path of ccusage 20.0.24 (the npm tool Claude Code users check
# their usage with), installing it with npm into a cache folder outside the
# checkout when it is not there yet. Exits 1 with the reason on stderr when
# it cannot: the caller then skips, saying why.
#   $CCUSAGE          a ccusage binary to use instead
#   $CLANKERS_CACHE   the cache folder (default ~/.cache/clankers)
#   CLANKERS_NO_NPM=1 never install
set -eu
VERSION=20.0.24
if [ -n "${CCUSAGE:-}" ]; then
	[ -x "$CCUSAGE" ] && { echo "$CCUSAGE"; exit 0; }
	echo "CCUSAGE=$CCUSAGE is not executable" >&2
	exit 1
fi
cache=${CLANKERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clankers}
bin=$cache/ccusage-$VERSION/node_modules/.bin/ccusage
if [ ! -x "$bin" ]; then
	if [ "${CLANKERS_NO_NPM:-}" = 1 ]; then
		echo "ccusage $VERSION is not installed in $cache and CLANKERS_NO_NPM=1" >&2
		exit 1
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "npm not found: cannot install ccusage $VERSION" >&2
		exit 1
	fi
	mkdir -p "$cache/ccusage-$VERSION"
	if ! npm install --prefix "$cache/ccusage-$VERSION" --no-audit --no-fund \
		"ccusage@$VERSION" >"$cache/ccusage-$VERSION/install.log" 2>&1; then
		echo "npm install ccusage@$VERSION failed (see $cache/ccusage-$VERSION/install.log)" >&2
		exit 1
	fi
fi
if ! "$bin" --version >/dev/null 2>&1; then
	echo "$bin does not run on this machine" >&2
	exit 1
fi
echo "$bin"
