#!/usr/bin/env bash
# Whole-pipeline throughput of weir (flows and the built-in counter groups)
# on the 1.25-million-packet benchmark capture built from ../shared/pcaps,
# side by side with two peers reading the same file in the same run:
#   tcpdump -r FILE -w /dev/null     (the floor: read and copy every packet)
#   tshark -q -z conv,tcp -z conv,udp (a flow table; skip with NO_TSHARK=1)
#
#   bash benches/vs_tshark.sh [RUNS]      (default 3 rounds, interleaved)
#   WEIR_BEFORE=path/to/old/weir bash benches/vs_tshark.sh   (also time an older build)
#   WEIR_VARIANTS="nohash=--no-file-hashes flows=--no-metadata" bash benches/vs_tshark.sh
#       (also time this weir with other flags: NAME=FLAG[,FLAG...] each)
#
# Builds weir in release mode, builds the capture into target/bench/ when it
# is missing (../shared/pcaps/make-bench-pcap.sh; never committed), warms the
# page cache, then per round runs tcpdump, weir with 1 and 2 workers (and
# WEIR_BEFORE likewise), and tshark. Prints each run's wall time and, per
# weir variant, the median wall time and its ratio to tcpdump's median.
# (weir streams the capture through one buffer: its peak RSS is its own state.)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
pcap=target/bench/bench.pcap
shared=${WEIR_SHARED:-../shared}
mkdir -p target/bench
[ -f "$pcap" ] || bash "$shared/pcaps/make-bench-pcap.sh" "$pcap"
cargo build --release -q -p weir
command -v tcpdump >/dev/null || { echo "tcpdump is needed (apt-get install tcpdump)" >&2; exit 1; }
[ -n "${NO_TSHARK:-}" ] || command -v tshark >/dev/null || { echo "tshark is needed (apt-get install tshark)" >&2; exit 1; }
cat "$pcap" >/dev/null

wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
declare -A times
variants=("weir:target/release/weir:")
[ -n "${WEIR_BEFORE:-}" ] && variants+=("before:$WEIR_BEFORE:")
for extra in ${WEIR_VARIANTS:-}; do
  variants+=("${extra%%=*}:target/release/weir:${extra#*=}")
done
for i in $(seq "$runs"); do
  t=$(wall tcpdump -r "$pcap" -w /dev/null); times[tcpdump]+="$t "
  line="run $i: tcpdump $(printf %.3f "$t")"
  for v in "${variants[@]}"; do
    name=${v%%:*} rest=${v#*:}
    bin=${rest%%:*} flags=${rest#*:}
    # shellcheck disable=SC2086
    for w in 1 2; do
      t=$(wall "$bin" run --pcap "$pcap" --out target/bench/out --quiet --workers "$w" ${flags//,/ })
      times[$name-w$w]+="$t "; line+=", $name -w $w $(printf %.3f "$t")"
    done
  done
  if [ -z "${NO_TSHARK:-}" ]; then
    t=$(wall tshark -n -q -r "$pcap" -z conv,tcp -z conv,udp); times[tshark]+="$t "
    line+=", tshark $(printf %.3f "$t")"
  fi
  echo "$line"
done
# shellcheck disable=SC2086
td=$(median ${times[tcpdump]})
printf 'median: tcpdump %.3f s\n' "$td"
for v in "${variants[@]}"; do
  name=${v%%:*}
  for w in 1 2; do
    # shellcheck disable=SC2086
    m=$(median ${times[$name-w$w]})
    printf 'median: %s -w %d %.3f s (%.2f Mpkt/s), %s/tcpdump = %.2f\n' \
      "$name" "$w" "$m" "$(echo "1245800 / $m / 1000000" | bc -l)" "$name" "$(echo "$m / $td" | bc -l)"
  done
done
if [ -z "${NO_TSHARK:-}" ]; then
  # shellcheck disable=SC2086
  ts=$(median ${times[tshark]})
  m=$(median ${times[weir-w1]})
  printf 'median: tshark %.3f s; weir -w 1/tshark = %.4f\n' "$ts" "$(echo "$m / $ts" | bc -l)"
fi
