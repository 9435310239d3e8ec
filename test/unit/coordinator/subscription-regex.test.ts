import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTopicRegex, resolveTopicRegex } from '../../../src/coordinator/group/subscription-regex.js';
import { ErrorCode, KafkaError } from '../../../src/protocol/error-codes.js';

const TOPICS = ['orders', 'orders-1', 'orders-eu', 'ORDERS-2', 'payments'];

test('a pattern matches whole topic names, in RE2 syntax (inline flags, Perl classes)', () => {
  assert.deepEqual(resolveTopicRegex('orders', TOPICS), ['orders']);
  assert.deepEqual(resolveTopicRegex('orders-.*', TOPICS), ['orders-1', 'orders-eu']);
  assert.deepEqual(resolveTopicRegex('(?i)orders-\\d+', TOPICS), ['orders-1', 'ORDERS-2']);
  assert.deepEqual(resolveTopicRegex('[[:lower:]]+', TOPICS), ['orders', 'payments']);
});

test('what RE2J refuses is INVALID_REGULAR_EXPRESSION: bad syntax, lookaround, backreferences', () => {
  for (const pattern of ['ord(', 'a(?=b)', '(a)\\1', '(?<!x)y']) {
    assert.throws(() => compileTopicRegex(pattern), (err: unknown) => err instanceof KafkaError && err.code === ErrorCode.INVALID_REGULAR_EXPRESSION, pattern);
  }
});

test('a pattern that backtracks exponentially in JavaScript matches in linear time', { timeout: 10_000 }, () => {
  // With RegExp, `(a+)+b` against this name runs for hours; RE2 answers at once.
  assert.deepEqual(resolveTopicRegex('(a+)+b', ['a'.repeat(200) + 'c', 'aab']), ['aab']);
});
