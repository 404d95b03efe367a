/**
 * @app/contracts: the order saga's events on the wire, declared once for every service.
 * Internals (the DTO classes behind each event, the validators, the JSON Schemas) stay inside: apps publish with
 * `createEvent`, consume `EventEnvelope<subject>`, and build their HTTP DTOs from the same field rules.
 */
// Subjects and streams
export { type StreamDeclaration, Streams, type Subject, Subjects } from './subjects';

// Field rules, shared with the HTTP API so whatever it accepts is publishable
export { Currency, CURRENCY_PATTERN, LIMITS, MinorUnits, OpaqueId, Quantity, Sku, SKU_PATTERN } from './events/event-fields';

// Envelope, creation and the wire codec
export type { EventEnvelope } from './envelope/event-envelope';
export { createEvent, type CreateEventOptions } from './envelope/create-event';
export { type CloudEventCodec, cloudEventCodec } from './codec/cloud-event.codec';

// AsyncAPI (the YAML rendering and its command are tools/asyncapi.ts: `yaml` is a dev dependency)
export { buildAsyncApiDocument } from './asyncapi/asyncapi.document';
