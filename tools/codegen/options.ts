/**
 * Generator options: the few places where what Samsa serves differs from what the spec files say.
 * Each entry says why.
 */

/**
 * Versions flagged `latestVersionUnstable` in the specs that Kafka 4.0 released as stable and that
 * current clients send: ConsumerGroupHeartbeat v1 (KIP-848, librdkafka 2.12 sends exactly v1) and
 * EndTxn v5 (KIP-890 part 2). Other unstable versions are generated but not advertised.
 */
export const STABLE_OVERRIDES: Readonly<Record<string, number>> = {
  ConsumerGroupHeartbeat: 1,
  EndTxn: 5,
};

/** APIs whose version 0 uses request header v0 (no client id); every other non-flexible version uses v1. */
export const REQUEST_HEADER_V0: Readonly<Record<number, number>> = {
  7: 0, // ControlledShutdown v0
};

/** ApiVersions answers with response header v0 at every version, so a client can parse it before it knows ours. */
export const RESPONSE_HEADER_V0_ALWAYS: readonly number[] = [18];

/**
 * Message types whose fields a version lacks are dropped silently when encoding, as if every
 * field were `ignorable`. Responses: the broker fills a response once and encodes it at whatever
 * version the client asked, and Kafka's own handlers get the same effect by setting newer fields
 * only for newer versions. Requests keep Kafka's rule (a non-default value the version cannot
 * carry is an error), which is what protects a client from silently losing, say, a transactional id.
 */
export const DROP_ABSENT_FIELDS_OF: readonly string[] = ['response'];
