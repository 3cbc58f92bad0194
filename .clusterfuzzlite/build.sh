#!/bin/bash -eu
# ClusterFuzzLite's build script: the OSS-Fuzz build, shared (fuzz/oss-fuzz/build.sh).
exec "${SRC}/toolcage/fuzz/oss-fuzz/build.sh"
