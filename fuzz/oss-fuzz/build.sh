#!/bin/bash -eu
# OSS-Fuzz / ClusterFuzzLite build: every cargo-fuzz target of fuzz/ into $OUT, with its seed
# corpus ($OUT/<target>_seed_corpus.zip), its dictionary ($OUT/<target>.dict) where one exists,
# and its options ($OUT/<target>.options). Target `differential` reads the conformance corpus and
# the wasmi runtime's expectations at run time: they go to $OUT/differential-data/.
#
# The services set OUT, SRC, WORK, SANITIZER, FUZZING_ENGINE, RUSTFLAGS, CC, CXX, CFLAGS and
# CXXFLAGS; `cargo fuzz build` turns SANITIZER into its own `--sanitizer` and keeps RUSTFLAGS.
# Tested here with those variables set by hand (docs/FUZZING.md, "OSS-Fuzz").

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

# The seeds come from corpus/ through crate toolcage-fuzzing (an ordinary program, so built
# without the fuzzing flags and in its own target directory); a checkout that already holds
# fuzz/corpus/ keeps it.
if [ ! -d fuzz/corpus ]; then
  (
    unset RUSTFLAGS CFLAGS CXXFLAGS
    export CC=cc CXX=c++
    CARGO_TARGET_DIR="${WORK}/seeds-target" cargo run --locked -p toolcage-fuzzing --bin fuzz-seeds
  )
fi

# The fuzz crate's own target directory lives under $WORK, so repeated builds are incremental.
export CARGO_TARGET_DIR="${WORK}/cargo-target"
cargo fuzz build -O --debug-assertions --sanitizer "${sanitizer}"

release="${CARGO_TARGET_DIR}/x86_64-unknown-linux-gnu/release"
for target in $(cargo fuzz list); do
  cp "${release}/${target}" "${OUT}/"
  options="[libfuzzer]\ntimeout = 10\n"
  if [ -f "fuzz/dict/${target}.dict" ]; then
    cp "fuzz/dict/${target}.dict" "${OUT}/${target}.dict"
    options="${options}dict = ${target}.dict\n"
  fi
  printf "%b" "${options}" >"${OUT}/${target}.options"
  if [ -d "fuzz/corpus/${target}" ]; then
    rm -f "${OUT}/${target}_seed_corpus.zip"
    (cd "fuzz/corpus/${target}" && zip -q -r "${OUT}/${target}_seed_corpus.zip" .)
  else
    echo "build.sh: no seeds for ${target} (fuzz/corpus/${target})" >&2
    exit 1
  fi
done

# What target `differential` reads at run time (toolcage_fuzzing::differential), beside the
# binary but not named like it.
rm -rf "${OUT}/differential-data"
mkdir -p "${OUT}/differential-data"
cp -r corpus "${OUT}/differential-data/corpus"
cp adapters/wasmi/expectations.toml "${OUT}/differential-data/expectations.toml"
