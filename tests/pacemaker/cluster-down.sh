#!/bin/bash
# Stop the single-node test cluster started by cluster-up.sh and wipe its
# state so that the next cluster-up.sh starts from an empty CIB.
#
#   tests/pacemaker/cluster-down.sh STATE_DIR
#
# - stops pacemakerd, then corosync, by the pids that cluster-up.sh wrote in
#   STATE_DIR (TERM, bounded wait, then KILL -- never by process name);
# - removes what the daemons leave behind: CIB, scheduler inputs, blackbox,
#   corosync runtime files, libqb IPC files of those pids, the agents' state
#   files in /run (a stale "promoted" state file would be found by the first
#   probe of the next run);
# - puts back the /etc/corosync/corosync.conf that was there before.
#
# Safe to run twice, and after a cluster-up.sh that failed half-way.
# Always exits 0 unless STATE_DIR is missing: it is called from traps.
set -euo pipefail

STATE=${1:?usage: cluster-down.sh STATE_DIR}
[ -d "$STATE" ] || { echo "cluster-down: $STATE: no such directory" >&2; exit 2; }

# How long each daemon gets after TERM before KILL (seconds).  pacemakerd
# stops every resource first; with the berofos agent a stop is instant.
PCMK_STOP_TIMEOUT=${PCMK_STOP_TIMEOUT:-60}
COROSYNC_STOP_TIMEOUT=${COROSYNC_STOP_TIMEOUT:-20}

log() { echo "cluster-down: $*" >&2; }

# alive PID NAME: true when PID exists and runs the program NAME (guards
# against a recycled pid).
alive() {
    local comm
    comm=$(cat "/proc/$1/comm" 2>/dev/null) || return 1
    [ "$comm" = "$2" ]
}

# stop_pid PIDFILE NAME TIMEOUT
stop_pid() {
    local pidfile=$1 name=$2 timeout=$3 pid children i
    [ -s "$pidfile" ] || return 0
    pid=$(cat "$pidfile")
    if ! alive "$pid" "$name"; then
        rm -f "$pidfile"
        return 0
    fi
    # The children (pacemaker-based, -controld, ...) are remembered now: if
    # the parent must be killed, they are killed by these pids too.
    children=$(pgrep -P "$pid" || true)
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < timeout * 4; i++)); do
        alive "$pid" "$name" || break
        sleep 0.25
    done
    if alive "$pid" "$name"; then
        log "$name (pid $pid) still alive after ${timeout}s: KILL"
        kill -KILL "$pid" 2>/dev/null || true
    fi
    for c in $children; do
        if [ -e "/proc/$c" ]; then
            log "killing leftover child $c ($(cat /proc/$c/comm 2>/dev/null))"
            kill -KILL "$c" 2>/dev/null || true
        fi
    done
    for ((i = 0; i < 20; i++)); do
        alive "$pid" "$name" || break
        sleep 0.25
    done
    # libqb's shared-memory IPC is named after the server's pid; a clean exit
    # removes it, a KILL does not.  libqb 2.x makes one DIRECTORY per
    # connection (/dev/shm/qb-SERVER-CLIENT-N-XXXXXX/qb-*-data...): rm -r.
    rm -rf /dev/shm/qb-"$pid"-* 2>/dev/null || true
    for c in $children; do rm -rf /dev/shm/qb-"$c"-* 2>/dev/null || true; done
    rm -f "$pidfile"
}

# Pacemaker first (it needs corosync to shut down cleanly), then corosync.
stop_pid "$STATE/pacemakerd.pid" pacemakerd "$PCMK_STOP_TIMEOUT"
stop_pid "$STATE/corosync.pid" corosync "$COROSYNC_STOP_TIMEOUT"

# Fresh state for the next run.
rm -rf /var/lib/pacemaker/cib/* /var/lib/pacemaker/pengine/* \
       /var/lib/pacemaker/blackbox/* /var/lib/corosync/* \
       /run/corosync.pid 2>/dev/null || true
# State files of the berofos agent ($HA_RSCTMP) and of the Stateful stand-in.
rm -f /run/resource-agents/berofos-*.state /run/resource-agents/berofos-*.split \
      /run/Stateful-*.state \
      /run/Stateful-*.state.rc 2>/dev/null || true

# Put back the corosync.conf that cluster-up.sh replaced.
if [ -f "$STATE/corosync.conf.orig" ]; then
    cp -p "$STATE/corosync.conf.orig" /etc/corosync/corosync.conf
    rm -f "$STATE/corosync.conf.orig"
elif [ -f "$STATE/corosync.conf.none" ]; then
    rm -f /etc/corosync/corosync.conf "$STATE/corosync.conf.none"
fi
log "done (logs kept in $STATE)"
exit 0
