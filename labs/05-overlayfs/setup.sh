#!/usr/bin/env bash
# Lab 05 setup: two lower layers (base, app) and a record of their exact bytes.
set -eu
source "$(dirname "$0")/../lib.sh"
B=$LAB_TMP/layers/base A=$LAB_TMP/layers/app
mkdir -p "$B/etc" "$B/data" "$A/etc" "$A/app" "$LAB_TMP/a" "$LAB_TMP/b"
echo "motd of the base layer" > "$B/etc/motd"
echo 'NAME="ctrkit lab base"' > "$B/etc/os-release"
echo "a from base" > "$B/data/a"
echo "b from base" > "$B/data/b"
echo "motd of the app layer (it hides base's)" > "$A/etc/motd"
printf '#!/bin/sh\necho app\n' > "$A/app/run.sh"; chmod 755 "$A/app/run.sh"
(cd "$LAB_TMP/layers" && find . -printf '%y %m %p\n' | sort && find . -type f -exec sha256sum {} + | sort) > "$LAB_TMP/layers.before"
