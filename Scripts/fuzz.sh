#!/usr/bin/env bash
# Fuzzes the cleaner, the classifier, the WARC reader, the other archive readers (ARC, MHTML,
# WACZ), the PDF reader and the config loaders with libFuzzer.
#
#   Scripts/fuzz.sh [TARGET|all] [SECONDS_PER_TARGET]      (default: all, 300)
#   Scripts/fuzz.sh --fork TARGET SECONDS [JOBS]           (keep going past finds, then group them)
#
# Builds `dccorpus-fuzz` with -sanitize=fuzzer,address in .build-fuzz/, seeds a corpus per target
# from the test fixtures and, for the cleaner and the classifier, from real pages (the WCXB and
# article-extraction benchmark pages in ../shared/bench, FUZZ_REAL_PAGES of them, default 800, with
# both selector bytes: pages nobody tuned the code on find what fixtures do not), and keeps the
# corpus between runs (.build-fuzz/corpus/TARGET). A crash stops that target and leaves its input
# in .build-fuzz/crashes/TARGET/; once fixed, copy the input to Tests/Fixtures/fuzz/TARGET/ so the
# test suite replays it for ever. --fork runs libFuzzer in fork mode with -ignore_crashes=1 for the
# given time, then replays every find with the ordinary build and groups them by the promise they
# broke (one line per class, with a count and an example).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
fork=0
if [ "${1:-}" = --fork ]; then
    fork=1
    shift
    [ $# -ge 2 ] || { echo "usage: Scripts/fuzz.sh --fork TARGET SECONDS [JOBS]" >&2; exit 2; }
fi
target=${1:-all}
seconds=${2:-300}
jobs=${3:-2}
build=.build-fuzz

swift build -c release --build-path "$build" --product dccorpus-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING \
    -Xswiftc -Xclang-linker -Xswiftc -fuse-ld=lld 2>&1 | grep -v "Cannot export local symbol" | tail -1
binary=$build/release/dccorpus-fuzz

seed_real_pages() {  # seed_real_pages CORPUS: once per corpus, real pages with both selectors
    local corpus=$1 marker=$1/.real-pages
    [ -e "$marker" ] && return
    local bench=$root/../shared/bench count=${FUZZ_REAL_PAGES:-800} i=0
    [ -d "$bench" ] || return 0
    local pages=("$bench"/article-extraction-benchmark/html/*.html.gz "$bench"/wcxb-dev/html/*.html.gz)
    for page in "${pages[@]:0:$count}"; do
        for selector in '\x00' '\x01'; do
            # head closes the pipe early: gzip's SIGPIPE is expected, not a failure.
            { printf "$selector"; gzip -dc "$page" | head -c 60000 || true; } > "$corpus/real-$i"; i=$((i + 1))
        done
    done
    touch "$marker"
}

seed() {  # seed TARGET: fills the corpus folder on the first run
    local name=$1 corpus=$build/corpus/$1
    mkdir -p "$corpus" "$build/crashes/$name"
    case $name in cleaner|classifier) seed_real_pages "$corpus" ;; esac
    [ -n "$(ls "$corpus")" ] && return
    case $name in
        cleaner|classifier)
            local i=0
            for file in Tests/Fixtures/seeds/* Tests/Fixtures/pages/*; do
                # The targets read their first byte as a selector (format, header charset).
                for selector in '\x00' '\x01'; do
                    { printf "$selector"; head -c 60000 "$file"; } > "$corpus/seed-$i"; i=$((i + 1))
                done
            done ;;
        warc)
            . Scripts/lib.sh
            local scratch; scratch=$(dc_root)
            cp Tests/Fixtures/pages/lesson-5.news.html Tests/Fixtures/seeds/002_33b4e771621f73b9.txt "$scratch/Inbox/"
            "$(dc_binary)" run --offline --root "$scratch" > /dev/null
            local n=0
            for warc in "$scratch"/Archive/data/warc/*.warc.gz; do
                head -c 60000 "$warc" > "$corpus/gz-$n"; gzip -dc "$warc" | head -c 60000 > "$corpus/plain-$n"; n=$((n + 1))
            done
            rm -rf "$scratch" ;;
        config)
            cp Config/pipeline.toml Config/lexicon.toml Config/sources.toml "$corpus/" ;;
        archive)  # the first byte picks the reader: 0 ARC, 1 MHTML, 2 WACZ, 3 WACZ manifest
            local i=0
            for file in Tests/Fixtures/foreign/*/*.arc; do { printf '\x00'; cat "$file"; } > "$corpus/arc-$i"; i=$((i + 1)); done
            for file in Tests/Fixtures/browser/*.mhtml; do { printf '\x01'; head -c 60000 "$file"; } > "$corpus/mhtml-$i"; i=$((i + 1)); done
            for file in Tests/Fixtures/foreign/pywb/*.wacz Tests/Fixtures/packages/lesson-5.wacz; do
                { printf '\x02'; cat "$file"; } > "$corpus/wacz-$i"; i=$((i + 1))
            done
            unzip -p Tests/Fixtures/packages/lesson-5.wacz datapackage.json | { printf '\x03'; cat; } > "$corpus/manifest-$i" ;;
        pdf)
            cp Tests/Fixtures/browser/*.pdf Tests/Fixtures/packages/*.pdf "$corpus/" ;;
    esac
}

fuzz() {  # fuzz TARGET
    local name=$1
    seed "$name"
    echo "== $name: ${seconds}s"
    local max_len=65536 leaks=1 rss=2048
    # TOMLKit leaks on every config input (Scripts/fuzz-lsan.supp): per-input leak checks would
    # run on every input (35 instead of 1,200 inputs/s), and over ~400,000 inputs the leaks add up
    # to 2 GB: no leak checks and no RSS limit there (each malloc is still capped).
    [ "$name" = config ] && max_len=16384 leaks=0 rss=0
    # poppler makes large allocations for some damaged fonts and streams; AddressSanitizer maps
    # and poisons them, which takes seconds (an input that takes 0.1 s without the sanitizer took
    # 17 s with it): a pdf input gets 60 s before it counts as a hang.
    local timeout=10
    [ "$name" = pdf ] && max_len=262144 timeout=60
    local dictionary=html
    [ "$name" = warc ] && dictionary=warc
    [ "$name" = config ] && dictionary=config
    DCCORPUS_FUZZ_TARGET=$name DCCORPUS_ROOT=$root SWIFT_BACKTRACE=enable=no \
        LSAN_OPTIONS=suppressions=$root/Scripts/fuzz-lsan.supp \
        "$binary" "$build/corpus/$name" Tests/Fixtures/fuzz/"$name" \
        -max_total_time="$seconds" -max_len=$max_len -timeout=$timeout -rss_limit_mb=$rss -malloc_limit_mb=1024 -detect_leaks=$leaks \
        -dict=Tests/Fixtures/fuzz/dictionaries/$dictionary.dict -artifact_prefix="$build/crashes/$name/" -print_final_stats=1 2>&1 \
        | grep -E "^#[0-9]+ +(DONE|pulse)|^stat::|ERROR|Fatal error|FuzzFailure|panic|==[0-9]+==|SUMMARY|Test unit written" | tail -25
}

fork_and_group() {  # fork_and_group TARGET: fork mode past finds, then the finds by promise
    local name=$1
    seed "$name"
    local finds=$build/finds/$name dictionary=html
    [ "$name" = warc ] && dictionary=warc
    [ "$name" = config ] && dictionary=config
    mkdir -p "$finds"
    echo "== $name: fork mode, $jobs jobs, ${seconds}s"
    DCCORPUS_FUZZ_TARGET=$name DCCORPUS_ROOT=$root SWIFT_BACKTRACE=enable=no \
        LSAN_OPTIONS=suppressions=$root/Scripts/fuzz-lsan.supp \
        "$binary" "$build/corpus/$name" Tests/Fixtures/fuzz/"$name" \
        -fork="$jobs" -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1 -max_total_time="$seconds" -max_len=65536 -timeout=10 \
        -rss_limit_mb=2048 -malloc_limit_mb=1024 -detect_leaks=0 \
        -dict=Tests/Fixtures/fuzz/dictionaries/$dictionary.dict -artifact_prefix="$finds/" 2>&1 \
        | grep -E "^#[0-9]+: cov|INFO: fuzzed for|crashes:" | tail -3
    # Replay each find with the ordinary build (no sanitizer): its one-line verdict names the
    # promise; strip what quotes the input so that finds of one class group together.
    swift build -c release --product dccorpus-fuzz 2>&1 | tail -1
    local verdicts
    verdicts=$(for file in "$finds"/*; do
        [ -f "$file" ] || continue
        line=$(.build/release/dccorpus-fuzz "$name" "$file" 2>&1 | tail -1 || true)
        class=$(printf '%s' "$line" | sed -E 's/^ok .*/(keeps every promise now)/; s/^FAIL [^:]*: ?//; s/"[^"]*"//g; s/[0-9]+/N/g' | cut -c1-90)
        printf '%s\t%s\n' "$class" "$(basename "$file")"
    done)
    echo "finds by promise (count, class, example):"
    printf '%s\n' "$verdicts" | { grep -v '^$' || true; } | sort | awk -F'\t' '{ n[$1]++; if (!($1 in ex)) ex[$1] = $2 } END { for (c in n) printf "  %5d  %s  (%s)\n", n[c], c, ex[c] }' | sort -rn
}

mkdir -p Tests/Fixtures/fuzz/{cleaner,classifier,warc,config,archive,pdf}
if [ "$fork" = 1 ]; then
    fork_and_group "$target"
    exit 0
fi
if [ "$target" = all ]; then
    for name in cleaner classifier warc config archive pdf; do fuzz "$name"; done
else
    fuzz "$target"
fi
