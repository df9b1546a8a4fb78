#!/usr/bin/env bash
# Lab 09 cleanup (idempotent): the lab's containers, boxes and ctrkit-lab-09* namespaces
# (lib.sh clean_lab_host), a cl09-br made by mistake outside on_host, and the lab dir.
source "$(dirname "$0")/../lib.sh"
clean_lab_host ctrkit-lab-09
# only a bridge of ours, by its name, in the machine's own namespace (a step run without on_host)
ip -d link show cl09-br 2>/dev/null | grep -q ' bridge ' && ip link del cl09-br
umount_under "$LAB_TMP"
rm -rf "$LAB_TMP"
exit 0
