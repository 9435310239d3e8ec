"""A confluent-kafka-python (librdkafka) group member (line protocol: groups_member_lines.py).

Classic protocol with partition.assignment.strategy = the configured assignor (range,
roundrobin, cooperative-sticky). The rebalance callbacks apply each change themselves (only the
change under cooperative-sticky) and print the whole assignment after it. Each batch is
printed, then committed synchronously. With group.instance.id set, close() sends no LeaveGroup
(librdkafka lets the coordinator keep a static member's place for session.timeout.ms).
SAMSA_RDKAFKA_DEBUG in the environment sets librdkafka's `debug` (e.g. cgrp), logged to stderr.
"""
import os

from confluent_kafka import Consumer, KafkaException, TopicPartition

from groups_member_lines import assigned, close_requested, emit, member_config, next_offsets


def main():
    config = member_config()
    topic = config['topic']
    conf = {
        'bootstrap.servers': config['bootstrap'], 'group.id': config['groupId'], 'client.id': config['clientId'],
        'enable.auto.commit': False, 'auto.offset.reset': 'earliest', 'fetch.wait.max.ms': 200,
        'session.timeout.ms': config['sessionTimeoutMs'], 'heartbeat.interval.ms': config['heartbeatIntervalMs'],
        'max.poll.interval.ms': config['rebalanceTimeoutMs'],
    }
    if config.get('assignor'):
        conf['partition.assignment.strategy'] = config['assignor']
    if config.get('groupInstanceId'):
        conf['group.instance.id'] = config['groupInstanceId']
    if os.environ.get('SAMSA_RDKAFKA_DEBUG'):
        conf['debug'] = os.environ['SAMSA_RDKAFKA_DEBUG']
    cooperative = config.get('assignor') == 'cooperative-sticky'
    current = set()

    def on_assign(consumer, partitions):
        mine = {p.partition for p in partitions if p.topic == topic}
        if cooperative:
            current.update(mine)
            consumer.incremental_assign(partitions)
        else:
            current.clear()
            current.update(mine)
            consumer.assign(partitions)
        assigned(current)

    def on_revoke(consumer, partitions):
        mine = {p.partition for p in partitions if p.topic == topic}
        if cooperative:
            current.difference_update(mine)
            consumer.incremental_unassign(partitions)
        else:
            current.clear()
            consumer.unassign()
        assigned(current)

    consumer = Consumer(conf)
    consumer.subscribe([topic], on_assign=on_assign, on_revoke=on_revoke, on_lost=on_revoke)
    closing = close_requested()
    while not closing.is_set():
        records = []
        for msg in consumer.consume(num_messages=100, timeout=0.2):
            if msg.error():
                emit({'event': 'warning', 'message': 'consume error: %s' % msg.error().name()})
                continue
            records.append((msg.partition(), msg.offset(), (msg.value() or b'').decode('utf-8')))
        if not records:
            continue
        emit({'event': 'records', 'records': records})
        offsets = next_offsets(records)
        try:
            consumer.commit(offsets=[TopicPartition(topic, p, o) for p, o in offsets], asynchronous=False)
            emit({'event': 'committed', 'offsets': offsets})
        except KafkaException as e:
            # A rebalance under way fences the commit; the next owner reads these records again.
            emit({'event': 'warning', 'message': 'commit failed: %s' % e.args[0].name()})
    consumer.close()
    emit({'event': 'closed'})


main()
