#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: every cargo-fuzz target of fuzz/ into $OUT, with its
# dictionary ($OUT/<target>.dict) and, when fuzz/corpus/<target>/ holds seeds (written by
# `cargo run -p toolcage-fuzzing --bin fuzz-seeds`), its seed corpus
# ($OUT/<target>_seed_corpus.zip).
#
# The services set OUT, SRC, WORK, SANITIZER, FUZZING_ENGINE, RUSTFLAGS, CC, CXX, CFLAGS and
# CXXFLAGS; `cargo fuzz build` turns SANITIZER into its own `--sanitizer` and keeps RUSTFLAGS.
# Run here with those variables set by hand (docs/FUZZING.md, "OSS-Fuzz").

cd "${SRC}/toolcage"
# OSS-Fuzz's default toolchain is nightly already; elsewhere ask rustup for it.
export RUSTUP_TOOLCHAIN="${RUSTUP_TOOLCHAIN:-nightly}"

case "${SANITIZER:-address}" in
  address | memory | thread | leak) sanitizer="${SANITIZER}" ;;
  *) sanitizer=none ;; # coverage, undefined, introspector: plain instrumentation
esac
if [ "${FUZZING_ENGINE:-libfuzzer}" != libfuzzer ]; then
  echo "build.sh: only libFuzzer targets are built (FUZZING_ENGINE=${FUZZING_ENGINE})" >&2
  exit 1
fi

# The fuzz crate's own target directory lives under $WORK, so repeated builds are incremental.
export CARGO_TARGET_DIR="${WORK}/cargo-target"
cargo fuzz build --release --debug-assertions --sanitizer "${sanitizer}"

release="${CARGO_TARGET_DIR}/x86_64-unknown-linux-gnu/release"
for source in fuzz/fuzz_targets/*.rs; do
  target=$(basename "${source}" .rs)
  cp "${release}/${target}" "${OUT}/"
  if [ -f "fuzz/dict/${target}.dict" ]; then
    cp "fuzz/dict/${target}.dict" "${OUT}/${target}.dict"
  fi
  if [ -d "fuzz/corpus/${target}" ]; then
    (cd "fuzz/corpus/${target}" && zip -q -r "${OUT}/${target}_seed_corpus.zip" .)
  fi
done
