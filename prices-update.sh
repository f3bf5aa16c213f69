#!/bin/sh
# prices-update.sh: regenerates prices.tsv, the price table that clankers
# embeds, from the data shipped in the npm package @pydantic/genai-prices
# (no npm package found carries a current copy of LiteLLM's price JSON,
# which ccusage uses; on the Claude models both list, the prices agree but
# for Sonnet 4's long-context tier, which only LiteLLM has). Needs npm,
# node and jq; writes prices.tsv next to this script, sorted by model.
#
#   sh prices-update.sh                                  the latest version
#   PKG=@pydantic/genai-prices@0.1.8 sh prices-update.sh a given one
#
# Rows: each model's id and the names its match rule lists (a name with a
# date or a version suffix resolves to them at run time), at the prices in
# force today. The source has no fast-mode multipliers: FAST below holds the
# ones ccusage 20.0.24 uses. A cache price the source lacks is the input
# price, as the source computes it. Review `git diff prices.tsv` before
# committing.
set -eu

PKG=${PKG:-@pydantic/genai-prices}
PROVIDERS=${PROVIDERS:-anthropic}
FAST='{"claude-opus-4-6": 6, "claude-opus-4-7": 6, "claude-opus-4-8": 2, "claude-opus-5": 2}'

here=$(cd "$(dirname "$0")" && pwd)
out=$here/prices.tsv
today=$(date -u +%Y-%m-%d)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' HUP INT TERM

tgz=$(npm pack --silent --pack-destination "$tmp" "$PKG")
tar -xzf "$tmp/$tgz" -C "$tmp"
name=$(jq -r .name "$tmp/package/package.json")
version=$(jq -r .version "$tmp/package/package.json")

# The data is a JavaScript literal inside the bundle: findProvider, which
# the package exports, is the stable way to read it. $PROVIDERS is a list.
# shellcheck disable=SC2086
node -e '
const g = require(process.argv[1]);
const out = process.argv.slice(2).map((id) => {
	const p = g.findProvider({ providerId: id });
	if (!p)
		throw new Error("no provider " + id);
	return p;
});
process.stdout.write(JSON.stringify(out));
' "$tmp/package/dist/index.cjs" $PROVIDERS >"$tmp/providers.json"

jq -r --arg today "$today" --argjson fast "$FAST" '
# Prices are per million tokens already. Print them as plain decimals with
# no float noise (2 x 0.8 must print 1.6): round to 1e-9.
def fmt:
	(. * 1e9 | round) as $n | ($n / 1e9 | floor) as $i
	| ("000000000" + ($n - $i * 1e9 | tostring))[-9:] as $f
	| ($f | sub("0+$"; "")) as $f
	| ($i | tostring) + (if $f == "" then "" else "." + $f end);
# [base, price above the tier]; a tiered price is {base, tiers: [{start, price}]}.
def pair:
	if type == "object" then
		if (.tiers | length) != 1 then error("not one tier") else [.base, .tiers[0].price] end
	else [., null] end;
# A model may list prices by start date: take the one in force today.
def current:
	if (.prices | type) == "array" then
		([.prices[] | select(.constraint == null
		    or (.constraint.type == "start_date" and .constraint.start_date <= $today))]
		| last) // .prices[0] | .prices
	else .prices end;
# The whole names a match rule lists; prefixes cut inside a date
# (claude-sonnet-4-2025, claude-sonnet-4@) are not names.
def names:
	if has("or") then .or[] | names
	elif has("equals") then .equals
	elif has("starts_with") then .starts_with
	elif has("contains") then .contains
	else empty end;

[ .[].models[]
  | . as $m
  | current as $p
  | ($p.input_mtok | pair) as $in
  | ($p.output_mtok | pair) as $out
  | (($p.cache_write_mtok // $p.input_mtok) | pair) as $cw
  | (if $p.cache_write_1h_mtok == null then $in | map(if . == null then null else 2 * . end)
     else $p.cache_write_1h_mtok | pair end) as $cw1h
  | (($p.cache_read_mtok // $p.input_mtok) | pair) as $cr
  | ([$p.input_mtok, $p.output_mtok, $p.cache_write_mtok, $p.cache_write_1h_mtok,
      $p.cache_read_mtok] | map(select(type == "object") | .tiers[0].start) | unique) as $starts
  | if ($starts | length) > 1 then error($m.id + ": tiers start at different sizes") else . end
  | $starts[0] as $thr
  | def above: if $thr == null then "-" else (.[1] // .[0]) | fmt end;
    (([$in[0], $out[0], $cw[0], $cw1h[0], $cr[0]] | map(fmt))
     + [if $thr == null then "-" else $thr | tostring end]
     + ([$in, $out, $cw, $cw1h, $cr] | map(above))
     + [$fast[$m.id] // 1 | fmt]) as $cols
  | ([$m.id] + [$m.match | names]) | map(ascii_downcase) | unique[]
  | select(test("^[a-z0-9][a-z0-9._:@/-]*[a-z0-9]$") and (test("-20[0-9][0-9]$") | not))
  | {key: ., cols: $cols} ]
| (group_by(.key) | map(select(length > 1) | .[0].key)) as $dup
| if ($dup | length) > 0 then error("names in two models: " + ($dup | join(", "))) else . end
| .[] | [.key] + .cols | join("\t")
' "$tmp/providers.json" >"$tmp/rows"
if [ ! -s "$tmp/rows" ]; then
	echo "prices-update.sh: no prices in $name@$version" >&2
	exit 1
fi

{
	echo "# clankers price table: USD per million tokens. Source: $name@$version, dist/index.cjs (providers: $PROVIDERS), fetched $today. Regenerate: sh prices-update.sh"
	echo "# Prices in force on that day. fast: the fast-mode multiplier ccusage uses (1: none known). cache_write_1h: 2 x input where the source has none. <synthetic>: Claude Code's own error messages, never billed."
	printf '# model\tinput\toutput\tcache_write_5m\tcache_write_1h\tcache_read\tthreshold\tinput_above\toutput_above\tcache_write_5m_above\tcache_write_1h_above\tcache_read_above\tfast\n'
	{
		printf '<synthetic>\t0\t0\t0\t0\t0\t-\t-\t-\t-\t-\t-\t1\n'
		cat "$tmp/rows"
	} | LC_ALL=C sort
} >"$out.tmp"
mv "$out.tmp" "$out"
echo "prices-update.sh: wrote $out from $name@$version" >&2
