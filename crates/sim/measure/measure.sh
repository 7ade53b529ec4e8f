#!/bin/bash
# Peak memory of a `shiftgate sim` process (GNU time -v) while drive.py plays one hostile client class:
# put N (one REST PUT of N mutually overlapping activities), uploads (six 254 KB gzip bodies of 256 MiB each),
# bomb (one 1 GiB gzip bomb, then the update). MODE=before sends no token to the REST PUT (the old default).
# Example: crates/sim/measure/measure.sh target/debug/shiftgate put after 18801 2000
# usage: measure.sh BIN CLASS MODE PORT [N]
BIN=$1; CLASS=$2; MODE=$3; PORT=$4; N=$5
OUT=/tmp/m-$CLASS-$MODE
/usr/bin/time -v $BIN sim --listen 127.0.0.1:$PORT --snapshot $(dirname "$0")/../../../fixtures/schedules/design-example.json > $OUT.log 2> $OUT.time &
TPID=$!
sleep 2
CHILD=$(pgrep -P $TPID)
timeout 300 python3 "$(dirname "$0")/drive.py" $CLASS http://127.0.0.1:$PORT $MODE $N > $OUT.drive 2>&1
sleep 1
kill -INT $CHILD
wait $TPID
echo "== $CLASS $MODE"; cat $OUT.drive | cut -c1-400; grep -E "Maximum resident|Elapsed" $OUT.time
