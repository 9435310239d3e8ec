import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  ERRORS, ErrorCode, KafkaError, errorCodeOf, errorInfo, errorMessage, errorName, isRetriable,
} from '../../../src/protocol/error-codes.js';

describe('Kafka error codes', () => {
  test('well-known codes have Kafka\'s numbers', () => {
    assert.equal(ErrorCode.UNKNOWN_SERVER_ERROR, -1);
    assert.equal(ErrorCode.NONE, 0);
    assert.equal(ErrorCode.OFFSET_OUT_OF_RANGE, 1);
    assert.equal(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 3);
    assert.equal(ErrorCode.NOT_LEADER_OR_FOLLOWER, 6);
    assert.equal(ErrorCode.NOT_COORDINATOR, 16);
    assert.equal(ErrorCode.REBALANCE_IN_PROGRESS, 27);
    assert.equal(ErrorCode.UNSUPPORTED_VERSION, 35);
    assert.equal(ErrorCode.INVALID_REQUEST, 42);
    assert.equal(ErrorCode.KAFKA_STORAGE_ERROR, 56);
    assert.equal(ErrorCode.UNKNOWN_TOPIC_ID, 100);
    assert.equal(ErrorCode.INVALID_REGISTRATION, 119);
    assert.equal(ErrorCode.REBOOTSTRAP_REQUIRED, 129);
  });

  test('names and messages come back for a code', () => {
    assert.equal(errorName(1), 'OFFSET_OUT_OF_RANGE');
    assert.equal(errorName(-1), 'UNKNOWN_SERVER_ERROR');
    assert.equal(errorName(119), 'INVALID_REGISTRATION');
    assert.equal(errorMessage(7), 'The request timed out.');
    assert.equal(errorMessage(0), '');
    assert.deepEqual(errorInfo(3), {
      code: 3, name: 'UNKNOWN_TOPIC_OR_PARTITION', isRetriable: true, message: 'This server does not host this topic-partition.',
    });
  });

  test('retriable flags match Kafka\'s', () => {
    for (const code of [2, 3, 5, 6, 7, 13, 14, 15, 16, 19, 20, 41, 51, 56, 74, 75, 89, 100]) {
      assert.equal(isRetriable(code), true, errorName(code));
    }
    for (const code of [-1, 0, 1, 10, 22, 25, 27, 29, 35, 36, 42, 47, 59, 90, 110, 120]) {
      assert.equal(isRetriable(code), false, errorName(code));
    }
  });

  test('a code Kafka has not assigned gets a placeholder name and is not retriable', () => {
    assert.equal(errorInfo(9999), undefined);
    assert.equal(errorInfo(-2), undefined);
    assert.equal(errorName(9999), 'UNKNOWN_ERROR_CODE(9999)');
    assert.equal(isRetriable(9999), false);
    assert.match(errorMessage(-7), /-7/);
  });

  test('codes are unique, dense from -1 and fit an int16', () => {
    const codes = ERRORS.map((e) => e.code);
    assert.equal(new Set(codes).size, codes.length);
    assert.equal(codes.length, Object.keys(ErrorCode).length);
    codes.forEach((code, i) => assert.equal(code, i - 1));
    assert.ok(codes.every((c) => c >= -32768 && c <= 32767));
  });

  test('every code except NONE has a message, and the table agrees with the lookups', () => {
    for (const info of ERRORS) {
      assert.equal(ErrorCode[info.name], info.code);
      assert.equal(errorInfo(info.code), info);
      if (info.code !== ErrorCode.NONE) assert.ok(info.message.length > 0, info.name);
    }
  });
});

describe('KafkaError', () => {
  test('carries its code and a message that defaults to Kafka\'s', () => {
    const plain = new KafkaError(ErrorCode.NOT_COORDINATOR);
    assert.equal(plain.code, 16);
    assert.equal(plain.message, 'This is not the correct coordinator.');
    assert.equal(plain.isRetriable, true);
    assert.ok(plain instanceof Error);

    const detailed = new KafkaError(ErrorCode.OFFSET_OUT_OF_RANGE, 'offset 5 is below the log start offset 10');
    assert.equal(detailed.message, 'offset 5 is below the log start offset 10');
    assert.equal(detailed.name, 'KafkaError');
    assert.equal(detailed.isRetriable, false);
  });

  test('a handler maps a KafkaError to its code and anything else to UNKNOWN_SERVER_ERROR', () => {
    assert.equal(errorCodeOf(new KafkaError(ErrorCode.KAFKA_STORAGE_ERROR, 'disk gone')), 56);
    assert.equal(errorCodeOf(new RangeError('oops')), ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.equal(errorCodeOf('a string'), ErrorCode.UNKNOWN_SERVER_ERROR);
  });
});
