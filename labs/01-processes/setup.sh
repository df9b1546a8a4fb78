#!/usr/bin/env bash
# Lab 01 setup: a scratch dir and copies of sleep/true whose names (comm) are easy to find.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/bin"
cp "$(type -P sleep)" "$LAB_TMP/bin/lab01-sleep"
cp "$(type -P true)" "$LAB_TMP/bin/lab01-true"
