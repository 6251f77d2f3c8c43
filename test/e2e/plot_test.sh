#!/usr/bin/env bash
# scripts/plot on real outputs: a report with its baseline, a time series and two packet logs
# become PNG files; bad inputs are one error line and exit status 2. Skipped (77) without
# gnuplot. argv: NICSIM_BINARY SOURCE_DIR WORK_DIR
set -euo pipefail
nicsim=$1 src=$2 work=$3
command -v gnuplot >/dev/null || { echo "gnuplot not installed: skipped"; exit 77; }
rm -rf "$work" && mkdir -p "$work" && cd "$work"
plot=$src/scripts/plot
fail() { echo "FAIL: $*" >&2; exit 1; }
is_png() { [ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "$1 is not a PNG"; }

"$nicsim" run "$src/scenarios/quickstart.ini" --quiet -o r.json --packet-log on.csv --stats-interval 100us
"$nicsim" run "$src/scenarios/quickstart.ini" --quiet --no-baseline --set tcpip.EnableRSS=0 \
  --set tcpip.EnableChecksumOffload=0 --packet-log off.csv
[ "$("$plot" report r.json | tr '\n' ' ')" = "r-cycles.png r-cpu.png " ] || fail "report: file names"
is_png r-cycles.png
is_png r-cpu.png
"$plot" report r.json -o fig >/dev/null && is_png fig-cycles.png && is_png fig-cpu.png
[ "$("$plot" series r-stats.csv)" = r-stats-series.png ] || fail "series: file name"
is_png r-stats-series.png
"$plot" latency on.csv off.csv -o lat.png >/dev/null
is_png lat.png

# bad input: one line on stderr, status 2, no figure
expect_err() {
  local want=$1; shift
  set +e
  "$plot" "$@" 2> err.txt >/dev/null
  local rc=$?
  set -e
  [ "$rc" = 2 ] || fail "plot $*: status $rc, want 2"
  [ "$(wc -l < err.txt)" = 1 ] || fail "plot $*: $(cat err.txt)"
  grep -q -- "$want" err.txt || fail "plot $*: '$(cat err.txt)' lacks '$want'"
}
expect_err "is not a nicsim report" report on.csv
expect_err "is not a nicsim time series" series r.json
expect_err "has no latency_ns column" latency r-stats.csv
expect_err "cannot read 'nope.json'" report nope.json
expect_err "unknown command 'pie'" pie r.json
expect_err "missing input file" report
echo "plot: ok"
