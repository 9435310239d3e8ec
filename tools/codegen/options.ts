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
