/**
 * KIP-848 regex subscriptions (ConsumerGroupHeartbeat v1 SubscribedTopicRegex): the coordinator, not
 * the client, matches the pattern against the cluster's topic names, whole names only (RE2J's
 * `matcher(name).matches()` in Kafka). An empty pattern is no regex subscription at all — librdkafka
 * sends one on every full heartbeat of a member subscribed by names only.
 *
 * Patterns are compiled with re2js, the JavaScript port of RE2J, the engine Kafka uses: the same
 * syntax is accepted and refused, and matching takes time linear in the name, so no client pattern
 * can stall the broker (JavaScript's backtracking RegExp could: `(a+)+b` on a long name).
 */
import { RE2JS } from 're2js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';

const compiled = new Map<string, RE2JS>();
/** Patterns kept compiled; a group rarely has more than a few. */
const MAX_COMPILED = 1000;

/** Is this a regex subscription (a non-empty pattern)? */
export function hasRegex(regex: string | null): regex is string {
  return regex !== null && regex !== '';
}

/** The compiled pattern; throws INVALID_REGULAR_EXPRESSION as Kafka does for a pattern RE2J refuses. */
export function compileTopicRegex(regex: string): RE2JS {
  const known = compiled.get(regex);
  if (known !== undefined) return known;
  let pattern: RE2JS;
  try {
    pattern = RE2JS.compile(regex);
  } catch (err) {
    throw new KafkaError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${regex}\` is not a valid regular expression: ${(err as Error).message}.`);
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(regex, pattern);
  return pattern;
}

/** The topic names the pattern matches whole. */
export function resolveTopicRegex(regex: string, topicNames: Iterable<string>): string[] {
  const pattern = compileTopicRegex(regex);
  const matched: string[] = [];
  for (const name of topicNames) if (pattern.matches(name)) matched.push(name);
  return matched;
}
