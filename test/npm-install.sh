# test/npm-install.sh: sourced by test/ccusage.sh and test/claude.sh.
# npm_install DIR SPEC LABEL: installs the npm package SPEC (name@version)
# into DIR with npm, unless CLANKERS_NO_NPM=1; on failure prints the reason
# (naming LABEL) on stderr and exits 1, so that the caller's caller skips.
npm_install() {
	if [ "${CLANKERS_NO_NPM:-}" = 1 ]; then
		echo "$3 is not installed in $1 and CLANKERS_NO_NPM=1" >&2
		exit 1
	fi
	if ! command -v npm >/dev/null 2>&1; then
		echo "npm not found: cannot install $3" >&2
		exit 1
	fi
	mkdir -p "$1"
	if ! npm install --prefix "$1" --no-audit --no-fund "$2" >"$1/install.log" 2>&1; then
		echo "npm install $2 failed (see $1/install.log)" >&2
		exit 1
	fi
}
