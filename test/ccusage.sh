#!/bin/sh
# Prints the path of ccusage 20.0.24 (the npm tool Claude Code users check
# their usage with), installing it with npm into a cache folder outside the
# checkout when it is not there yet. Exits 1 with the reason on stderr when
# it cannot: the caller then skips, saying why.
#   $CCUSAGE          a ccusage binary to use instead
#   $CLANKERS_CACHE   the cache folder (default ~/.cache/clankers)
#   CLANKERS_NO_NPM=1 never install
set -eu
. "$(dirname "$0")/npm-install.sh"
VERSION=20.0.24
if [ -n "${CCUSAGE:-}" ]; then
	[ -x "$CCUSAGE" ] && { echo "$CCUSAGE"; exit 0; }
	echo "CCUSAGE=$CCUSAGE is not executable" >&2
	exit 1
fi
cache=${CLANKERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clankers}
bin=$cache/ccusage-$VERSION/node_modules/.bin/ccusage
[ -x "$bin" ] || npm_install "$cache/ccusage-$VERSION" "ccusage@$VERSION" "ccusage $VERSION"
if ! "$bin" --version >/dev/null 2>&1; then
	echo "$bin does not run on this machine" >&2
	exit 1
fi
echo "$bin"
