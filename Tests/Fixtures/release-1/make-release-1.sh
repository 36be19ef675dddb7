#!/usr/bin/env bash
# How release-1.sqlite (and its head file) was made: the database a worker of the first release
# (journal schema 2, sandbox-job revision 1, commit 813e02b) leaves behind, for the upgrade tests.
# It was run once with that release's binaries; it is kept to say what the fixture holds, not to
# be run again (a later build would write a later schema).
#
#   usage: make-release-1.sh BUILD_DIR OUT_DIR   (BUILD_DIR holds `worker` and `runlog-supervisor`)
#
# Runs, in order of submission:
#   ok            two steps and a collected artifact: succeeded
#   fails         a step exits 3, no retry: failed
#   flaky         fails once, retried after its 1 s backoff: succeeded
#   cancelled     cancelled with `worker cancel` while its step runs: cancelled
#   late          its 3 s deadline passes while its step runs: failed
#   waiting       a step fails, its retry waits 120 s: left in retryWait (deadline 180 s)
#   parked        a non-idempotent step interrupted by SIGKILL, its sandbox then gone, so
#                 recovery cannot know whether it ran: left in needsAttention (deadline 120 s)
#   killed-redo   an idempotent step interrupted by SIGKILL, sandbox gone: left running
#   killed-once   a non-idempotent step interrupted by SIGKILL, sandbox gone: left running
#   queued-shell, queued-agent   submitted, never taken: left queued (deadline 60 s)
# Every deadline of an unfinished run has passed long before a test opens the fixture.
set -euo pipefail
bin=$(cd "$1" && pwd)
out=$2
work=$(mktemp -d)
chmod 755 "$work"
db=$work/release-1.sqlite
sandboxes=$work/sandboxes
worker() { "$bin/worker" "$@"; }
submit() { printf '%s' "$1" > "$work/spec.json"; worker submit --db "$db" "$work/spec.json"; }
drive() { worker run --db "$db" --sandboxes "$sandboxes" --until-idle --quiet "$@"; }
state() { worker status --db "$db" --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["run"]["state"])'; }
wait_state() {
    for _ in $(seq 1 200); do [ "$(state "$1")" = "$2" ] && return 0; sleep 0.1; done
    echo "run $1 never reached $2" >&2; exit 1
}
# Kills every supervisor of this sandbox root and removes the sandboxes: they are gone, as after
# a machine is replaced.
lose_sandboxes() {
    pkill -9 -f -- "$sandboxes" || true
    sleep 0.5
    rm -rf "$sandboxes"
}

submit '{"kind":"shell","name":"ok","steps":[{"name":"write","run":"echo hi > out.txt"},{"name":"show","run":"cat out.txt","idempotent":true}],"collect":["out.txt"]}'
submit '{"kind":"shell","name":"fails","steps":[{"run":"echo no >&2; exit 3"}]}'
submit '{"kind":"shell","name":"flaky","steps":[{"run":"test -e /workspace/again || { touch /workspace/again; exit 1; }","retry":{"maxAttempts":2,"backoffSeconds":1}}]}'
drive

cancelled=$(submit '{"kind":"shell","name":"cancelled","steps":[{"run":"sleep 30"}]}')
late=$(submit '{"kind":"shell","name":"late","deadlineSeconds":3,"steps":[{"run":"sleep 30"}]}')
drive --concurrency 4 &
driver=$!
wait_state "$cancelled" running
worker cancel --db "$db" "$cancelled" --reason "no longer needed"
wait "$driver"

submit '{"kind":"shell","name":"waiting","deadlineSeconds":180,"steps":[{"run":"exit 1","retry":{"maxAttempts":3,"backoffSeconds":120}}]}'
drive
lose_sandboxes

parked=$(submit '{"kind":"shell","name":"parked","deadlineSeconds":120,"steps":[{"run":"sleep 60"}]}')
drive &
driver=$!
wait_state "$parked" running
sleep 1
kill -9 "$driver"; wait "$driver" || true
lose_sandboxes
drive

redo=$(submit '{"kind":"shell","name":"killed-redo","deadlineSeconds":120,"steps":[{"run":"sleep 60","idempotent":true}]}')
once=$(submit '{"kind":"shell","name":"killed-once","deadlineSeconds":120,"steps":[{"run":"sleep 60"}]}')
drive &
driver=$!
wait_state "$redo" running
wait_state "$once" running
sleep 1
kill -9 "$driver"; wait "$driver" || true
lose_sandboxes

submit '{"kind":"shell","name":"queued-shell","deadlineSeconds":60,"steps":[{"run":"echo later"}]}'
submit '{"kind":"agent","name":"queued-agent","deadlineSeconds":60,"agent":{"model":"claude-sonnet-4-5","prompt":"Create hello.txt containing hi."}}'

worker verify --db "$db"
worker list --db "$db"
sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE);' >/dev/null
mkdir -p "$out"
cp "$db" "$db.head" "$out/"
rm -rf "$work"
