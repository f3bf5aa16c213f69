#!/bin/sh
# Prints the path of OpenCode 1.18.33 (the npm package opencode-ai, the
# version the OpenCode end-to-end test is written against), installing it
# with npm into a cache folder outside the checkout when it is not there
# yet. Its native binary arrives as an optional dependency
# (opencode-linux-x64 and the like) from the same registry. In the folder
# plugin/ next to it goes @opencode-ai/plugin of the same version: OpenCode
# installs that with npm into each of its config folders at start unless
# the folder's package.json and package-lock.json already name it and it has
# a node_modules, so the test puts this one's there and a run needs no
# registry. Exits 1 with the reason on stderr when it cannot: the caller
# then skips, saying why.
#   $OPENCODE_BIN     an opencode binary to use instead
#   $CLANKERS_CACHE   the cache folder (default ~/.cache/clankers)
#   CLANKERS_NO_NPM=1 never install
set -eu
. "$(dirname "$0")/npm-install.sh"
VERSION=1.18.33
if [ -n "${OPENCODE_BIN:-}" ]; then
	[ -x "$OPENCODE_BIN" ] && { echo "$OPENCODE_BIN"; exit 0; }
	echo "OPENCODE_BIN=$OPENCODE_BIN is not executable" >&2
	exit 1
fi
cache=${CLANKERS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/clankers}
dir=$cache/opencode-$VERSION
bin=$dir/node_modules/.bin/opencode
[ -x "$bin" ] || npm_install "$dir" "opencode-ai@$VERSION" "OpenCode $VERSION"
[ -f "$dir/plugin/node_modules/@opencode-ai/plugin/package.json" ] ||
	npm_install "$dir/plugin" "@opencode-ai/plugin@$VERSION" "@opencode-ai/plugin $VERSION"
# Only the version string: no network, no update check.
if ! v=$(env -i PATH="$PATH" HOME="$dir" OPENCODE_DISABLE_AUTOUPDATE=1 \
	OPENCODE_DISABLE_MODELS_FETCH=1 "$bin" --version 2>&1 </dev/null); then
	echo "$bin does not run on this machine: $(echo "$v" | head -n 1)" >&2
	exit 1
fi
case $v in
"$VERSION") ;;
*)
	echo "$bin is not OpenCode $VERSION: '$(echo "$v" | head -n 1)'" >&2
	exit 1
	;;
esac
echo "$bin"
