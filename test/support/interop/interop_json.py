"""JSON exchange between the interop tests and the Python client scripts.

A script reads one JSON request on stdin and prints one JSON object on stdout. Record keys,
values and header values travel as base64 (null kept), so any bytes survive the trip.
"""
import base64
import json
import sys


def b64(data):
    return None if data is None else base64.b64encode(data).decode('ascii')


def unb64(text):
    return None if text is None else base64.b64decode(text)


def read_request():
    return json.load(sys.stdin)


def reply(obj):
    json.dump(obj, sys.stdout)
    sys.stdout.write('\n')
    sys.stdout.flush()


def record_json(partition, offset, key, value, headers, timestamp):
    return {
        'partition': partition,
        'offset': offset,
        'key': b64(key),
        'value': b64(value),
        'headers': [[name, b64(v)] for name, v in (headers or [])],
        'timestamp': timestamp,
    }


def headers_from_json(pairs):
    return [(name, unb64(v)) for name, v in pairs]


def run(commands):
    """Runs the command named by argv[1] with the request read from stdin."""
    if len(sys.argv) != 2 or sys.argv[1] not in commands:
        sys.stderr.write('usage: %s {%s} < request.json\n' % (sys.argv[0], '|'.join(sorted(commands))))
        sys.exit(2)
    reply(commands[sys.argv[1]](read_request()))
