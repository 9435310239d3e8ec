"""The group-member line protocol for the Python clients (the same JSON as groups-member-protocol.ts).

A member script is run with its MemberConfig as JSON in argv[1]. It prints one JSON event per
line: `assigned` (its whole assignment, after every rebalance callback), `records` (a processed
batch, printed before its commit), `committed`, `warning`, and `closed` after a clean close. The
line `close` on stdin, or stdin ending, asks it to close.
"""
import json
import sys
import threading


def emit(event):
    sys.stdout.write(json.dumps(event) + '\n')
    sys.stdout.flush()


def member_config():
    if len(sys.argv) != 2:
        sys.stderr.write('usage: %s <MemberConfig JSON>\n' % sys.argv[0])
        sys.exit(2)
    return json.loads(sys.argv[1])


def close_requested():
    """An Event set when `close` arrives on stdin or stdin ends, read on a daemon thread."""
    requested = threading.Event()

    def watch():
        for line in sys.stdin:
            if line.strip() == 'close':
                break
        requested.set()

    threading.Thread(target=watch, daemon=True).start()
    return requested


def next_offsets(records):
    """Per partition, the offset after the last processed record: what a commit should name."""
    latest = {}
    for partition, offset, _ in records:
        latest[partition] = max(latest.get(partition, 0), offset + 1)
    return sorted(latest.items())


def assigned(partitions, generation_id=None, member_id=None):
    emit({'event': 'assigned', 'partitions': sorted(partitions), 'generationId': generation_id, 'memberId': member_id})
