#!/bin/sh
# Installs what clankers needs to build (sqlite3 and cJSON development files,
# pkg-config) and to run its tests and demo (the sqlite3 shell, jq), when
# missing. With --print, only prints the command that would install them.
# Uses apt-get (as root, else through sudo), dnf or brew.
set -u

need=""
command -v pkg-config >/dev/null 2>&1 || need="$need pkg-config"
pkg-config --exists sqlite3 2>/dev/null || need="$need sqlite3-dev"
pkg-config --exists libcjson 2>/dev/null || need="$need cjson-dev"
command -v sqlite3 >/dev/null 2>&1 || need="$need sqlite3"
command -v jq >/dev/null 2>&1 || need="$need jq"

names() { # $1: apt|dnf|brew
	out=""
	for n in $need; do
		case "$1:$n" in
		apt:sqlite3-dev) out="$out libsqlite3-dev" ;;
		apt:cjson-dev) out="$out libcjson-dev" ;;
		dnf:sqlite3-dev) out="$out sqlite-devel" ;;
		dnf:cjson-dev) out="$out cjson-devel" ;;
		dnf:pkg-config) out="$out pkgconf-pkg-config" ;;
		brew:sqlite3-dev|brew:sqlite3) out="$out sqlite" ;;
		brew:cjson-dev) out="$out cjson" ;;
		*) out="$out $n" ;;
		esac
	done
	echo "$out"
}

if command -v apt-get >/dev/null 2>&1; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo "
	cmd="${sudo}apt-get update && ${sudo}apt-get install -y$(names apt)"
elif command -v dnf >/dev/null 2>&1; then
	sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo "
	cmd="${sudo}dnf install -y$(names dnf)"
elif command -v brew >/dev/null 2>&1; then
	cmd="brew install$(names brew)"
else
	cmd="install with your package manager:$need"
fi

if [ "${1:-}" = "--print" ]; then
	echo "$cmd"
	exit 0
fi
[ -z "$need" ] && exit 0
echo "clankers: missing:$need" >&2
case "$cmd" in
install*) echo "clankers: $cmd" >&2; exit 1 ;;
esac
if [ -n "${sudo:-}" ] && ! command -v sudo >/dev/null 2>&1; then
	echo "clankers: not root and no sudo; as root run: $cmd" >&2
	exit 1
fi
echo "clankers: running: $cmd" >&2
sh -c "$cmd" >&2 || { echo "clankers: install failed; run: $cmd" >&2; exit 1; }
