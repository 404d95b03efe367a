// Subjects and streams
export { ALL_SUBJECTS, isSubject, streamForSubject, Streams, Subjects } from './subjects';
export type { StreamDeclaration, Subject } from './subjects';

// Event data DTOs and the catalog
export { EventCatalog } from './events/event-catalog';
export type { EventData, EventDataMap, EventDefinition, Upcaster } from './events/event-catalog';
// Field rules, shared with the HTTP API so whatever it accepts is publishable
export { Currency, CURRENCY_PATTERN, LIMITS, MinorUnits, OpaqueId, Quantity, Sku, SKU_PATTERN } from './events/event-fields';
export { OrderLine, OrderLineV1, StockLine } from './events/line-item';
export { InventoryRejectionReason, NotificationChannel, OrderCancellationReason, PaymentFailureReason } from './events/reasons';
export { minorUnitFactor, OrderCreatedData, OrderCreatedDataV1, toMinorUnits, upcastOrderCreatedV1 } from './events/order-created.event';
export { OrderConfirmedData } from './events/order-confirmed.event';
export { OrderCancelledData } from './events/order-cancelled.event';
export { InventoryReservedData } from './events/inventory-reserved.event';
export { InventoryRejectedData } from './events/inventory-rejected.event';
export { InventoryReleasedData } from './events/inventory-released.event';
export { PaymentCompletedData } from './events/payment-completed.event';
export { PaymentFailedData } from './events/payment-failed.event';
export { NotificationSentData } from './events/notification-sent.event';

// Envelope, creation, validation
export {
  CLOUDEVENTS_CONTENT_TYPE,
  CLOUDEVENTS_SPEC_VERSION,
  DATA_CONTENT_TYPE,
  ENVELOPE_ATTRIBUTES,
  EventEnvelopeSchema,
} from './envelope/event-envelope';
export type { AnyEventEnvelope, EventEnvelope } from './envelope/event-envelope';
export { createEvent } from './envelope/create-event';
export type { CreateEventOptions } from './envelope/create-event';
export { validateEvent } from './validation/validate-event';
export { validateEventFast } from './validation/validate-event-fast';
export type {
  EventValidationResult,
  EventValidator,
  UpcasterRegistry,
  ValidateEventOptions,
  ValidationMode,
} from './validation/validation-flow';
export { EventValidationError } from './validation/event-validation.error';
export type { EventValidationErrorKind, FieldError } from './validation/event-validation.error';

// Wire codec
export { cloudEventCodec, createCloudEventCodec } from './codec/cloud-event.codec';
export type { CloudEventCodec, CloudEventCodecOptions, DecodeResult, EncodedEvent } from './codec/cloud-event.codec';

// AsyncAPI (the YAML rendering and its command are tools/asyncapi.ts: `yaml` is a dev dependency)
export { ASYNCAPI_DOCUMENT_VERSION, buildAsyncApiDocument } from './asyncapi/asyncapi.document';
