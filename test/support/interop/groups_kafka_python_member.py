"""A kafka-python group member (line protocol: groups_member_lines.py).

Classic protocol with kafka-python's own assignors (range, roundrobin); version 2.0.2 has no
static membership. The rebalance listener prints the whole assignment after each change (eager:
everything is revoked, then the new assignment given). Each batch is printed, then committed
synchronously; close() sends LeaveGroup.
"""
from kafka import KafkaConsumer, OffsetAndMetadata, TopicPartition
from kafka.consumer.subscription_state import ConsumerRebalanceListener
from kafka.coordinator.assignors.range import RangePartitionAssignor
from kafka.coordinator.assignors.roundrobin import RoundRobinPartitionAssignor
from kafka.errors import KafkaError

from groups_member_lines import assigned, close_requested, emit, member_config, next_offsets

ASSIGNORS = {'range': RangePartitionAssignor, 'roundrobin': RoundRobinPartitionAssignor}


def offset_and_metadata(offset):
    # kafka-python 2.1 added a leader epoch field.
    try:
        return OffsetAndMetadata(offset, None)
    except TypeError:
        return OffsetAndMetadata(offset, None, -1)


def generation_of(consumer):
    generation = getattr(consumer._coordinator, '_generation', None)
    if generation is None:
        return None, None
    return generation.generation_id, generation.member_id


def main():
    config = member_config()
    topic = config['topic']
    strategy = [ASSIGNORS[config['assignor']]] if config.get('assignor') else [RangePartitionAssignor, RoundRobinPartitionAssignor]
    consumer = KafkaConsumer(
        bootstrap_servers=config['bootstrap'], group_id=config['groupId'], client_id=config['clientId'],
        enable_auto_commit=False, auto_offset_reset='earliest', fetch_max_wait_ms=200,
        session_timeout_ms=config['sessionTimeoutMs'], heartbeat_interval_ms=config['heartbeatIntervalMs'],
        max_poll_interval_ms=config['rebalanceTimeoutMs'], partition_assignment_strategy=strategy)

    class Listener(ConsumerRebalanceListener):
        def on_partitions_revoked(self, revoked):
            assigned([])

        def on_partitions_assigned(self, partitions):
            generation_id, member_id = generation_of(consumer)
            assigned([tp.partition for tp in partitions if tp.topic == topic], generation_id, member_id)

    consumer.subscribe([topic], listener=Listener())
    closing = close_requested()
    while not closing.is_set():
        batches = consumer.poll(timeout_ms=200, max_records=100)
        records = [(tp.partition, r.offset, (r.value or b'').decode('utf-8'))
                   for tp, rs in sorted(batches.items()) for r in rs]
        if not records:
            continue
        emit({'event': 'records', 'records': records})
        offsets = next_offsets(records)
        try:
            consumer.commit({TopicPartition(topic, p): offset_and_metadata(o) for p, o in offsets})
            emit({'event': 'committed', 'offsets': offsets})
        except KafkaError as e:
            # A rebalance under way fences the commit; the next owner reads these records again.
            emit({'event': 'warning', 'message': 'commit failed: %s' % e})
    consumer.close(autocommit=False)
    emit({'event': 'closed'})


main()
