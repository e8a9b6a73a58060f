#!/usr/bin/env bash
# upload-server ingest throughput: a 1 GiB file uploaded with curl in 50 MiB chunks
# (part N/21, one after another, as the official clients do) against `dd` writing the same
# bytes to the same disk with fsync. Prints both rates, their ratio and the server's peak RSS.
#   npm run bench:server            (SIZE_MIB=1024 CHUNK_MIB=50 by default)
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/env.sh"
size_mib=${SIZE_MIB:-1024}
chunk_mib=${CHUNK_MIB:-50}
# SERVER_BIN=path measures another build (an older one, to compare).
server_bin=${SERVER_BIN:-target/release/upload-server}
[ -n "${SERVER_BIN:-}" ] || cargo build --release -p upload-server >&2
work=$(mktemp -d "${TMPDIR:-/tmp}/ingest-bench.XXXXXX")
trap 'kill "$server_pid" 2>/dev/null || true; rm -rf "$work"' EXIT

head -c $((size_mib * 1048576)) /dev/urandom > "$work/source.bin"
split -b $((chunk_mib * 1048576)) -d -a 4 "$work/source.bin" "$work/chunk."
chunks=("$work"/chunk.*)
count=${#chunks[@]}

# Raw disk: the same bytes, written and fsynced by dd.
sync
dd_start=$(date +%s.%N)
dd if="$work/source.bin" of="$work/dd.out" bs=1M conv=fsync status=none
dd_end=$(date +%s.%N)
rm -f "$work/dd.out"

"$server_bin" --listen 127.0.0.1:0 \
  --data-dir "$work/data" --api-key bench > "$work/out" 2> "$work/log" &
server_pid=$!
for _ in $(seq 100); do grep -q 'listening on' "$work/out" 2>/dev/null && break; sleep 0.05; done
url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$work/out")
token=$("$server_bin" tokens create --data-dir "$work/data" | sed -n 's/.*"token": "\([^"]*\)".*/\1/p')

sync
start=$(date +%s.%N)
video_id=""
for i in "${!chunks[@]}"; do
  part=$((i + 1))
  args=(-sS -o "$work/response" -w '%{http_code}' -X POST "$url/upload?token=$token" -H "Content-Range: part $part/$count")
  [ -n "$video_id" ] && args+=(-F "videoId=$video_id")
  status=$(curl "${args[@]}" -F "file=@${chunks[$i]};filename=source.bin")
  case "$status" in 200|201) ;; *) echo "chunk $part: HTTP $status $(cat "$work/response")" >&2; exit 1 ;; esac
  [ -z "$video_id" ] && video_id=$(sed -n 's/.*"videoId":"\([^"]*\)".*/\1/p' "$work/response")
done
end=$(date +%s.%N)

cmp -s "$work/source.bin" "$work/data/videos/$video_id/source" || { echo "stored file differs" >&2; exit 1; }
# VmHWM is the process's peak resident set size.
rss_kib=$(awk '/^VmHWM:/ { print $2 }' "/proc/$server_pid/status")
kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
awk -v mib="$size_mib" -v chunks="$count" -v t_up="$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')" \
    -v t_dd="$(awk -v a="$dd_start" -v b="$dd_end" 'BEGIN { print b - a }')" -v rss="$rss_kib" 'BEGIN {
  up = mib / t_up; dd = mib / t_dd;
  printf "upload-server ingest: %d MiB in %d chunks in %.2f s = %.0f MiB/s (each chunk fsynced before its answer)\n", mib, chunks, t_up, up;
  printf "dd (conv=fsync), same disk: %.2f s = %.0f MiB/s\n", t_dd, dd;
  printf "ratio upload-server / dd: %.2f\n", up / dd;
  printf "upload-server peak RSS: %.1f MiB\n", rss / 1024;
}'
