#!/usr/bin/env bash
# Makes the small audio/video fixtures that MediaProbe's tests read, with Debian's ffmpeg
# (apt-get install ffmpeg), into Tests/Fixtures/media/, and records ffprobe's own reading of
# each (format and per-stream durations) in Tests/Fixtures/media/ffprobe.json: the judge the
# tests compare MediaProbe's numbers with. The files are checked in; run this again only to
# remake them (the same ffmpeg makes the same bytes: bitexact, no metadata, one thread).
#
#   progressive.mp4   H.264 4 s + AAC 4 s, moov before mdat (+faststart)
#   moov-at-end.mp4   the same, moov after mdat
#   short-audio.mp4   H.264 4 s + AAC cut to 2 s on its input (-t), not -shortest
#   fragmented.mp4    fragmented MP4 (empty moov, durations in moof/traf/trun)
#   clip.webm         VP8 3 s + Opus 3 s
#   hls/              master.m3u8 naming two variants: low/ (clear) and high/ (AES-128),
#                     each a VOD media playlist of 1-second MPEG-TS segments
set -euo pipefail
cd "$(dirname "$0")/.."
for tool in ffmpeg ffprobe; do
  command -v "$tool" >/dev/null || { echo "make-media-fixtures: needs $tool (apt-get install ffmpeg)" >&2; exit 1; }
done
out=Tests/Fixtures/media
rm -rf "$out"
mkdir -p "$out/hls/low" "$out/hls/high"

# Tiny synthetic sources: a 64x48 test pattern at 5 frames a second, a 440 Hz sine.
video() { echo "testsrc=size=${2:-64x48}:rate=5:duration=$1"; }
audio() { echo "sine=frequency=440:sample_rate=22050:duration=$1"; }
# ffmpeg GLOBAL INPUTS… "${exact[@]}" OUTPUT-OPTIONS… FILE
global=(-hide_banner -loglevel error -y)
exact=(-map_metadata -1 -fflags +bitexact -flags:v +bitexact -flags:a +bitexact -threads 1)
# A keyframe every second (5 frames), so fragments and HLS segments can cut there.
h264=(-c:v libx264 -preset ultrafast -crf 40 -pix_fmt yuv420p -g 5 -keyint_min 5 -sc_threshold 0)
aac=(-c:a aac -b:a 16k -ac 1)

ffmpeg "${global[@]}" -f lavfi -i "$(video 4)" -f lavfi -i "$(audio 4)" "${exact[@]}" "${h264[@]}" "${aac[@]}" \
  -movflags +faststart "$out/progressive.mp4"
ffmpeg "${global[@]}" -f lavfi -i "$(video 4)" -f lavfi -i "$(audio 4)" "${exact[@]}" "${h264[@]}" "${aac[@]}" \
  "$out/moov-at-end.mp4"
ffmpeg "${global[@]}" -f lavfi -i "$(video 4)" -t 2 -f lavfi -i "$(audio 4)" "${exact[@]}" "${h264[@]}" "${aac[@]}" \
  -movflags +faststart "$out/short-audio.mp4"
ffmpeg "${global[@]}" -f lavfi -i "$(video 4)" -f lavfi -i "$(audio 4)" "${exact[@]}" "${h264[@]}" "${aac[@]}" \
  -movflags frag_keyframe+empty_moov "$out/fragmented.mp4"
ffmpeg "${global[@]}" -f lavfi -i "$(video 3)" -f lavfi -i "$(audio 3)" "${exact[@]}" \
  -c:v libvpx -b:v 40k -g 5 -deadline realtime -cpu-used 8 -c:a libopus -b:a 16k -ac 1 "$out/clip.webm"

# HLS: two renditions of the same 4 s, in 1-second segments; the high one encrypted with a
# fixed AES-128 key and IV (key info file: the URI written in the playlist, the key's path, the IV).
hls=(-f hls -hls_time 1 -hls_playlist_type vod -hls_list_size 0 -hls_segment_type mpegts)
ffmpeg "${global[@]}" -f lavfi -i "$(video 4)" -f lavfi -i "$(audio 4)" "${exact[@]}" "${h264[@]}" -crf 45 "${aac[@]}" \
  "${hls[@]}" -hls_segment_filename "$out/hls/low/segment%d.ts" "$out/hls/low/index.m3u8"
printf '\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\xcc\xdd\xee\xff' > "$out/hls/high/key.bin"
keyinfo=$(mktemp)
trap 'rm -f "$keyinfo"' EXIT
printf 'key.bin\n%s\n%s\n' "$out/hls/high/key.bin" 0123456789abcdef0123456789abcdef > "$keyinfo"
ffmpeg "${global[@]}" -f lavfi -i "$(video 4 96x64)" -f lavfi -i "$(audio 4)" "${exact[@]}" "${h264[@]}" -crf 35 "${aac[@]}" \
  "${hls[@]}" -hls_key_info_file "$keyinfo" -hls_segment_filename "$out/hls/high/segment%d.ts" "$out/hls/high/index.m3u8"
# The master playlist, written here (ffmpeg's would need both variants in one run, so one key for
# both). CODECS is a quoted list with a comma inside, as real masters have.
cat > "$out/hls/master.m3u8" <<'EOF'
#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=140000,AVERAGE-BANDWIDTH=110000,CODECS="avc1.42c00a,mp4a.40.2",RESOLUTION=96x64,FRAME-RATE=5.000
high/index.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=70000,AVERAGE-BANDWIDTH=50000,CODECS="avc1.42c00a,mp4a.40.2",RESOLUTION=64x48,FRAME-RATE=5.000
low/index.m3u8
EOF

# ffprobe's reading of every file, as one JSON object: file name (relative to media/) → output.
probe() {
  ffprobe -v error -allowed_extensions ALL -show_entries format=duration:stream=index,codec_type,codec_name,duration \
    -of json "$1"
}
{
  echo "{"
  first=1
  for name in progressive.mp4 moov-at-end.mp4 short-audio.mp4 fragmented.mp4 clip.webm \
    hls/master.m3u8 hls/low/index.m3u8 hls/high/index.m3u8; do
    [ $first -eq 1 ] || echo ","
    first=0
    printf '"%s": ' "$name"
    (cd "$out" && probe "$name")
  done
  echo "}"
} > "$out/ffprobe.json.tmp"
mv "$out/ffprobe.json.tmp" "$out/ffprobe.json"
if command -v jq >/dev/null; then jq . "$out/ffprobe.json" > "$out/ffprobe.json.tmp" && mv "$out/ffprobe.json.tmp" "$out/ffprobe.json"; fi
(cd "$out" && find . -type f | sort | xargs ls -l | awk '{ printf "%8d  %s\n", $5, $9 }')
