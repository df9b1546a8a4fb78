#!/usr/bin/env bash
# Lab 13 setup: a scratch dir and a copy of sleep named lab13-probe (easy to count).
set -eu
source "$(dirname "$0")/../lib.sh"
mkdir -p "$LAB_TMP/bin"
cp "$(type -P sleep)" "$LAB_TMP/bin/lab13-probe"
