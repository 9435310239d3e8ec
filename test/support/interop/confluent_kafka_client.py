"""confluent-kafka-python (librdkafka) driven by the interop tests: one command per run.

Commands (request JSON on stdin, result JSON on stdout):
  create-topics  AdminClient.create_topics, then list_topics
  list-topics    AdminClient.list_topics: brokers, topics, partitions, leaders
  produce        Producer with the given compression and acks; one delivery report per record
  produce-stream keeps producing and prints each delivery report as a line as it arrives
  consume        Consumer.assign() from OFFSET_BEGINNING (no subscribe, no commits) to the end
  offsets        watermarks and offsets_for_times (ListOffsets)
"""
import time

from confluent_kafka import OFFSET_BEGINNING, Consumer, KafkaError, KafkaException, Producer, TopicPartition
from confluent_kafka.admin import AdminClient, NewTopic

from interop_json import b64, headers_from_json, record_json, reply, run, unb64


def create_topics(req):
    admin = AdminClient({'bootstrap.servers': req['bootstrap']})
    new = [NewTopic(t['name'], num_partitions=t['partitions'], replication_factor=1, config=t.get('configs', {}))
           for t in req['topics']]
    results = {}
    for name, future in admin.create_topics(new, request_timeout=15).items():
        try:
            future.result(timeout=20)
            results[name] = None
        except KafkaException as e:
            results[name] = e.args[0].name()
    return {'results': results}


def list_topics(req):
    md = AdminClient({'bootstrap.servers': req['bootstrap']}).list_topics(timeout=15)
    return {
        'clusterId': md.cluster_id,
        'controllerId': md.controller_id,
        'brokers': [{'id': b.id, 'host': b.host, 'port': b.port} for b in md.brokers.values()],
        'topics': {
            name: {
                'error': t.error.name() if t.error else None,
                'partitions': [{'id': p.id, 'leader': p.leader, 'replicas': list(p.replicas), 'isrs': list(p.isrs)}
                               for p in sorted(t.partitions.values(), key=lambda p: p.id)],
            }
            for name, t in md.topics.items()
        },
    }


def producer_config(req):
    conf = {'bootstrap.servers': req['bootstrap'], 'compression.type': req.get('codec', 'none'),
            'acks': str(req.get('acks', 'all')), 'linger.ms': 5}
    conf.update(req.get('config', {}))
    return conf


def ack_json(err, msg):
    ts_type, ts = msg.timestamp()
    return {'partition': msg.partition(), 'offset': msg.offset(), 'timestamp': ts,
            'errorCode': err.code() if err else 0, 'error': err.name() if err else None}


def produce(req):
    producer = Producer(producer_config(req))
    acks = [None] * len(req['records'])

    def on_delivery_for(index):
        return lambda err, msg: acks.__setitem__(index, ack_json(err, msg))

    for i, r in enumerate(req['records']):
        kwargs = {'value': unb64(r['value']), 'key': unb64(r['key']), 'partition': r['partition'],
                  'headers': headers_from_json(r['headers']), 'on_delivery': on_delivery_for(i)}
        if r.get('timestamp') is not None:
            kwargs['timestamp'] = r['timestamp']
        try:
            producer.produce(req['topic'], **kwargs)
        except KafkaException as e:
            # Refused before sending, e.g. larger than the client's own message.max.bytes.
            acks[i] = {'partition': r['partition'], 'offset': -1, 'timestamp': None,
                       'errorCode': e.args[0].code(), 'error': e.args[0].name(), 'refusedByClient': True}
        if req.get('flushEach'):
            producer.flush(15)
    remaining = producer.flush(20)
    return {'acks': acks, 'undelivered': remaining}


def produce_stream(req):
    state = {'acked': 0, 'failed': 0, 'broker_lost': False}

    def on_error(err):
        # _TRANSPORT / _ALL_BROKERS_DOWN: the broker went away; stop sending more.
        state['broker_lost'] = True

    producer = Producer(dict(producer_config(req), error_cb=on_error))

    def on_delivery(err, msg):
        state['failed' if err else 'acked'] += 1
        reply({'ack': dict(ack_json(err, msg), key=b64(msg.key()), value=b64(msg.value()))})

    for i in range(req['count']):
        if state['failed'] > 0 or state['broker_lost']:
            break
        producer.produce(req['topic'], key=b'key-%d' % i, value=b'value-%d' % i, partition=req['partition'],
                         on_delivery=on_delivery)
        producer.poll(0)
        time.sleep(req.get('pauseMs', 1) / 1000.0)
    remaining = producer.flush(30)
    return {'done': True, 'acked': state['acked'], 'failed': state['failed'], 'undelivered': remaining,
            'brokerLost': state['broker_lost']}


def consume(req):
    consumer = Consumer({'bootstrap.servers': req['bootstrap'], 'group.id': req.get('groupId', 'samsa-interop'),
                         'enable.auto.commit': False, 'enable.partition.eof': True,
                         'auto.offset.reset': 'earliest'})
    partitions = req['partitions']
    consumer.assign([TopicPartition(req['topic'], p, OFFSET_BEGINNING) for p in partitions])
    records, errors, at_end = [], [], set()
    deadline = time.time() + req.get('timeoutMs', 20000) / 1000.0
    while len(at_end) < len(partitions) and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None:
            continue
        if msg.error():
            if msg.error().code() == KafkaError._PARTITION_EOF:
                at_end.add(msg.partition())
            else:
                errors.append(msg.error().name())
            continue
        at_end.discard(msg.partition())
        ts_type, ts = msg.timestamp()
        records.append(dict(record_json(msg.partition(), msg.offset(), msg.key(), msg.value(), msg.headers(), ts),
                            timestampType=ts_type))
    consumer.close()
    return {'records': records, 'errors': errors, 'reachedEnd': sorted(at_end)}


def offsets(req):
    consumer = Consumer({'bootstrap.servers': req['bootstrap'], 'group.id': 'samsa-interop', 'enable.auto.commit': False})
    topic, partition = req['topic'], req['partition']
    low, high = consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout=15, cached=False)
    # One request per timestamp: librdkafka merges entries for the same partition within one call.
    found = [consumer.offsets_for_times([TopicPartition(topic, partition, ts)], timeout=15)[0] for ts in req['timestamps']]
    consumer.close()
    return {'low': low, 'high': high, 'forTimes': [{'offset': tp.offset, 'error': tp.error.name() if tp.error else None}
                                                   for tp in found]}


run({'create-topics': create_topics, 'list-topics': list_topics, 'produce': produce,
     'produce-stream': produce_stream, 'consume': consume, 'offsets': offsets})
