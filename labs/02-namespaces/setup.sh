#!/usr/bin/env bash
# Lab 02 setup: a scratch dir and copies of sleep/touch with names (comm) easy to find.
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/bin"
cp "$(type -P sleep)" "$LAB_TMP/bin/lab02-sleep"
cp "$(type -P touch)" "$LAB_TMP/bin/lab02-orphan"
hostname > "$LAB_TMP/host-hostname"
