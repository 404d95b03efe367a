/**
 * A parsed JSON document that a test reads field by field (HTTP answers, log lines, stored events, SQL rows). It is
 * `any` on purpose, and only here: each assertion states the shape it expects, which a cast per field would repeat.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the one untyped-JSON alias of the tests (see above)
export type Json = any;
