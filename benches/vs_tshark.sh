#!/usr/bin/env bash
# Flow-table throughput of weir against tshark's conversation tables, on the
# 1.25-million-packet benchmark capture built from ../shared/pcaps.
#
#   bash benches/vs_tshark.sh [RUNS]      (default 3 runs of each, interleaved)
#
# Builds weir in release mode, builds the capture into target/bench/ when it
# is missing (../shared/pcaps/make-bench-pcap.sh; never committed), then runs
# `weir run` and `tshark -z conv,tcp -z conv,udp` in turn and prints the wall
# time of each run and the median ratio. Both read the same file from the page
# cache (one warm-up read first). weir's peak RSS includes the memory-mapped
# capture itself.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
pcap=target/bench/bench.pcap
shared=${WEIR_SHARED:-../shared}
mkdir -p target/bench
[ -f "$pcap" ] || bash "$shared/pcaps/make-bench-pcap.sh" "$pcap"
cargo build --release -q -p weir
command -v tshark >/dev/null || { echo "tshark is needed (apt-get install tshark)" >&2; exit 1; }
cat "$pcap" >/dev/null

wall() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); echo "$e - $s" | bc -l; }
weir_t=(); tshark_t=()
for i in $(seq "$runs"); do
  weir_t+=("$(wall target/release/weir run --pcap "$pcap" --out target/bench/out --quiet)")
  tshark_t+=("$(wall tshark -n -q -r "$pcap" -z conv,tcp -z conv,udp)")
  printf 'run %d: weir %.3f s, tshark %.3f s\n' "$i" "${weir_t[-1]}" "${tshark_t[-1]}"
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
w=$(median "${weir_t[@]}"); t=$(median "${tshark_t[@]}")
printf 'median: weir %.3f s (%.2f Mpkt/s), tshark %.3f s; weir/tshark = %.4f\n' \
  "$w" "$(echo "1245800 / $w / 1000000" | bc -l)" "$t" "$(echo "$w / $t" | bc -l)"
