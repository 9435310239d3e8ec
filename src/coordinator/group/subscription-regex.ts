/**
 * KIP-848 regex subscriptions (ConsumerGroupHeartbeat v1 SubscribedTopicRegex): the coordinator, not
 * the client, matches the pattern against the cluster's topic names, whole names only (RE2J's
 * `matcher(name).matches()` in Kafka). An empty pattern is no regex subscription at all — librdkafka
 * sends one on every full heartbeat of a member subscribed by names only.
 *
 * Kafka compiles patterns with RE2J; here JavaScript's RegExp runs them, refusing what RE2J refuses
 * and JavaScript would accept (backreferences, lookaround), so patterns stay linear-time. RE2's
 * leading inline flags `(?i)`, `(?s)`, `(?m)` are honoured; other RE2-only syntax is refused.
 */
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';

const compiled = new Map<string, RegExp>();
/** Patterns kept compiled; a group rarely has more than a few. */
const MAX_COMPILED = 1000;

/** Is this a regex subscription (a non-empty pattern)? */
export function hasRegex(regex: string | null): regex is string {
  return regex !== null && regex !== '';
}

/** The compiled pattern; throws INVALID_REGULAR_EXPRESSION as Kafka does for a pattern RE2J refuses. */
export function compileTopicRegex(regex: string): RegExp {
  const known = compiled.get(regex);
  if (known !== undefined) return known;
  const invalid = (reason: string): KafkaError =>
    new KafkaError(ErrorCode.INVALID_REGULAR_EXPRESSION, `SubscribedTopicRegex \`${regex}\` is not a valid regular expression: ${reason}.`);
  if (/\\[1-9]|\\k<|\(\?<?[=!]/.test(regex)) throw invalid('backreferences and lookaround are not supported');
  const inline = /^\(\?([ims]+)\)/.exec(regex);
  const flags = inline === null ? '' : [...new Set(inline[1])].join('');
  const body = inline === null ? regex : regex.slice(inline[0].length);
  let pattern: RegExp;
  try {
    pattern = new RegExp(`^(?:${body})$`, flags);
  } catch (err) {
    throw invalid((err as Error).message);
  }
  if (compiled.size >= MAX_COMPILED) compiled.clear();
  compiled.set(regex, pattern);
  return pattern;
}

/** The topic names the pattern matches whole. */
export function resolveTopicRegex(regex: string, topicNames: Iterable<string>): string[] {
  const pattern = compileTopicRegex(regex);
  const matched: string[] = [];
  for (const name of topicNames) if (pattern.test(name)) matched.push(name);
  return matched;
}
