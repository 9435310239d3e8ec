"""kafka-python driven by the interop tests: one command per run, api_version negotiated.

Commands (request JSON on stdin, result JSON on stdout):
  create-topics  KafkaAdminClient.create_topics, then list_topics
  produce        KafkaProducer (acks=all, the given compression); RecordMetadata per record
  consume        KafkaConsumer without a group: assign(), seek_to_beginning(), read to the end
  offsets        beginning_offsets, end_offsets, offsets_for_times (ListOffsets)
"""
import time

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import KafkaAdminClient, NewTopic
from kafka.errors import KafkaError

from interop_json import headers_from_json, record_json, run, unb64


def create_topics(req):
    admin = KafkaAdminClient(bootstrap_servers=req['bootstrap'], request_timeout_ms=15000)
    new = [NewTopic(t['name'], num_partitions=t['partitions'], replication_factor=1,
                    topic_configs=t.get('configs', {})) for t in req['topics']]
    try:
        response = admin.create_topics(new)
        results = {name: code for name, code, *_ in response.topic_errors}
    except KafkaError as e:
        # kafka-python raises on the first topic error instead of returning it.
        results = {t['name']: e.errno for t in req['topics']}
    listed = admin.list_topics()
    version = list(admin.config['api_version'])
    admin.close()
    return {'results': results, 'topics': sorted(listed), 'apiVersion': version}


def produce(req):
    codec = req.get('codec', 'none')
    producer = KafkaProducer(bootstrap_servers=req['bootstrap'], acks='all',
                             compression_type=None if codec == 'none' else codec, linger_ms=5)
    futures = []
    for r in req['records']:
        futures.append(producer.send(req['topic'], key=unb64(r['key']), value=unb64(r['value']),
                                     partition=r['partition'], headers=headers_from_json(r['headers']),
                                     timestamp_ms=r.get('timestamp')))
    producer.flush(20)
    acks = []
    for f in futures:
        try:
            md = f.get(timeout=20)
            acks.append({'partition': md.partition, 'offset': md.offset, 'timestamp': md.timestamp,
                         'errorCode': 0, 'error': None})
        except KafkaError as e:
            acks.append({'partition': -1, 'offset': -1, 'timestamp': None,
                         'errorCode': getattr(e, 'errno', -1), 'error': type(e).__name__})
    version = list(producer.config['api_version'])
    producer.close(10)
    return {'acks': acks, 'apiVersion': version}


def consume(req):
    consumer = KafkaConsumer(bootstrap_servers=req['bootstrap'], group_id=None, enable_auto_commit=False)
    tps = [TopicPartition(req['topic'], p) for p in req['partitions']]
    consumer.assign(tps)
    consumer.seek_to_beginning()
    end = consumer.end_offsets(tps)
    records = []
    deadline = time.time() + req.get('timeoutMs', 20000) / 1000.0
    while any(consumer.position(tp) < end[tp] for tp in tps) and time.time() < deadline:
        for tp, messages in consumer.poll(timeout_ms=500).items():
            for m in messages:
                records.append(dict(record_json(m.partition, m.offset, m.key, m.value, m.headers, m.timestamp),
                                    timestampType=m.timestamp_type))
    consumer.close()
    return {'records': records, 'endOffsets': {str(tp.partition): o for tp, o in end.items()}}


def offsets(req):
    consumer = KafkaConsumer(bootstrap_servers=req['bootstrap'], group_id=None, enable_auto_commit=False)
    tp = TopicPartition(req['topic'], req['partition'])
    found = [consumer.offsets_for_times({tp: ts})[tp] for ts in req['timestamps']]
    result = {
        'low': consumer.beginning_offsets([tp])[tp],
        'high': consumer.end_offsets([tp])[tp],
        'forTimes': [None if f is None else {'offset': f.offset, 'timestamp': f.timestamp} for f in found],
    }
    consumer.close()
    return result


run({'create-topics': create_topics, 'produce': produce, 'consume': consume, 'offsets': offsets})
