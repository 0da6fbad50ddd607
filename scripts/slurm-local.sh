#!/usr/bin/env bash
# A one-node SLURM cluster for trying and testing `hydra/launcher=slurm` on this machine.
#
#   scripts/slurm-local.sh up   [DIR]   start munged, slurmctld and slurmd; wait until the node is idle;
#                                       print the `export SLURM_CONF=...` line for the client commands
#   scripts/slurm-local.sh down [DIR]   cancel the cluster's jobs, stop exactly the daemons `up` started (by
#                                       their pids), remove DIR
#   scripts/slurm-local.sh check        say whether `up` can run here (exit 0) or what is missing (exit 1)
#
# DIR (default $SLURM_LOCAL_DIR, else ${TMPDIR:-/tmp}/protsweep-slurm) holds everything the cluster writes:
# slurm.conf, the munge key and socket, state, logs and pid files; nothing under /etc is read or changed.
# Needs: root (slurmd starts jobs as their users), the Debian packages `slurm-wlm` and `munge` (SLURM 22.05;
# `apt-get install -y slurm-wlm munge`), and free TCP ports $SLURM_LOCAL_PORT and the next one (default 6817).
# One node, one partition `local` (default), SelectType=select/cons_tres, the node's real CPUs and memory,
# no accounting database (submitit is told to read job states from squeue; see protsweep.launch.slurm_status).
set -euo pipefail

usage() { echo "usage: $0 up|down|check [DIR]" >&2; exit 2; }
[[ $# -ge 1 ]] || usage
cmd=$1
dir=${2:-${SLURM_LOCAL_DIR:-${TMPDIR:-/tmp}/protsweep-slurm}}
port=${SLURM_LOCAL_PORT:-6817}
wait_s=${SLURM_LOCAL_WAIT_S:-60}

missing() {
    [[ $(id -u) -eq 0 ]] || { echo "needs root (slurmd runs jobs as their users): run it as root"; return; }
    local exe
    for exe in munged slurmctld slurmd sinfo scontrol; do
        command -v "$exe" >/dev/null || { echo "needs $exe: apt-get install -y slurm-wlm munge (SLURM 22.05)"; return; }
    done
    local version
    version=$(slurmctld -V | awk '{print $2}')
    [[ $version == 22.05* || $version > 22.05 ]] || { echo "needs SLURM 22.05 or newer, found $version"; return; }
}

refuse() { echo "slurm-local: $*" >&2; exit 1; }

stop_pids() {  # stop the daemons listed in $dir/pids, newest first, and wait until they are gone
    [[ -f $dir/pids ]] || return 0
    local pid
    for pid in $(tac "$dir/pids"); do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        local alive=0
        for pid in $(cat "$dir/pids"); do kill -0 "$pid" 2>/dev/null && alive=1; done
        [[ $alive -eq 0 ]] && break
        sleep 0.2
    done
    for pid in $(cat "$dir/pids"); do kill -9 "$pid" 2>/dev/null || true; done
    rm -f "$dir/pids"
}

start() {  # start NAME PIDFILE CMD...: run a forking daemon, record the pid from its pid file
    local name=$1 pidfile=$2; shift 2
    "$@" || refuse "$name did not start (see $dir/$name.log)"
    for _ in $(seq 50); do [[ -s $pidfile ]] && break; sleep 0.1; done
    [[ -s $pidfile ]] || refuse "$name wrote no pid file (see $dir/$name.log)"
    cat "$pidfile" >> "$dir/pids"
}

up() {
    local why; why=$(missing)
    [[ -z $why ]] || refuse "$why"
    [[ ! -f $dir/pids ]] || refuse "a cluster is already up in $dir ($0 down $dir stops it)"
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        refuse "port $port is in use (another slurmctld?): set SLURM_LOCAL_PORT"
    fi
    local started
    started=$(date +%s.%N)
    mkdir -p "$dir"/{state,spool,log}
    chmod 700 "$dir"
    local host node
    host=$(hostname -s)
    node=$(slurmd -C | head -n1 | sed -E 's/ ?(Boards|SocketsPerBoard|CoresPerSocket|ThreadsPerCore)=[0-9]+//g')
    cat > "$dir/slurm.conf" <<CONF
ClusterName=protsweep-local
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=root
AuthType=auth/munge
# cred_expire: also how long a requeued job waits before it may start again (default 120 s)
AuthInfo=socket=$dir/munge.socket,cred_expire=10
CredType=cred/munge
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/slurmctld.log
SlurmdLogFile=$dir/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
JobRequeue=1
SlurmdTimeout=30
InactiveLimit=0
KillWait=5
MinJobAge=300
$node NodeAddr=127.0.0.1 State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
    [[ -f $dir/munge.key ]] || { dd if=/dev/urandom of="$dir/munge.key" bs=1024 count=1 status=none; chmod 400 "$dir/munge.key"; }
    export SLURM_CONF=$dir/slurm.conf
    start munged "$dir/munged.pid" munged --force --socket="$dir/munge.socket" --key-file="$dir/munge.key" \
        --pid-file="$dir/munged.pid" --log-file="$dir/munged.log" --seed-file="$dir/munge.seed"
    start slurmctld "$dir/slurmctld.pid" slurmctld -i
    start slurmd "$dir/slurmd.pid" slurmd
    local state=""
    for _ in $(seq $((wait_s * 5))); do
        state=$(sinfo -h -n "$host" -o %T 2>/dev/null || true)
        [[ $state == idle ]] && break
        sleep 0.2
    done
    if [[ $state != idle ]]; then
        stop_pids
        refuse "the node did not become idle in ${wait_s}s (state: ${state:-none}; logs in $dir)"
    fi
    echo "slurm-local: up in $(awk "BEGIN {printf \"%.1f\", $(date +%s.%N) - $started}")s: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %T')" >&2
    echo "export SLURM_CONF=$dir/slurm.conf"
}

cancel_jobs() {  # the scheduler stops its jobs' processes (they are not children of the daemons)
    [[ -f $dir/pids ]] || return 0
    export SLURM_CONF=$dir/slurm.conf
    local ids
    ids=$(squeue -h -o %A 2>/dev/null || true)
    [[ -n $ids ]] || return 0
    # shellcheck disable=SC2086
    scancel $ids 2>/dev/null || true
    for _ in $(seq 100); do
        [[ -z $(squeue -h -t PD,R,CG,S -o %A 2>/dev/null || true) ]] && break
        sleep 0.2
    done
}

down() {
    [[ -d $dir ]] || { echo "slurm-local: nothing is up in $dir" >&2; return 0; }
    cancel_jobs
    stop_pids
    rm -rf "$dir"
    echo "slurm-local: down ($dir removed)" >&2
}

case $cmd in
    up) up ;;
    down) down ;;
    check) why=$(missing); [[ -z $why ]] || { echo "slurm-local: $why"; exit 1; } ;;
    *) usage ;;
esac
