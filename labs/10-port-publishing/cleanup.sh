#!/usr/bin/env bash
# Lab 10 cleanup (idempotent): the lab's containers and its ctrkit-lab-10 namespace
# (lib.sh clean_lab_host), and the lab dir.
source "$(dirname "$0")/../lib.sh"
clean_lab_host ctrkit-lab-10
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
exit 0
