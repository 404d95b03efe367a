import { DLQ_STREAM_NAME } from '@app/messaging';

import { createEvent } from '../envelope/create-event';
import { CLOUDEVENTS_CONTENT_TYPE, EventEnvelopeSchema } from '../envelope/event-envelope';
import { EventCatalog } from '../events/event-catalog';
import { ALL_SUBJECTS, streamForSubject, type Subject } from '../subjects';
import { type JsonSchema, schemaForClass, schemaRef, type SchemaRegistry } from './json-schema';

/** Version of the documented API; bump it with any contract change (the drift test reminds you to regenerate). */
export const ASYNCAPI_DOCUMENT_VERSION = '1.0.0';

/** `orders.created` -> `ordersCreated` (channel and operation keys). */
function camel(subject: string): string {
  return subject.replace(/[.-](\w)/g, (_, letter: string) => letter.toUpperCase());
}

/** `OrderCreatedData` -> `OrderCreated` (message names). */
function messageName(subject: Subject): string {
  return EventCatalog[subject].dto.name.replace(/Data$/, '');
}

/**
 * Builds the AsyncAPI 3.0 document from the event catalog and the DTOs' class-validator metadata: one channel per
 * subject, one message per event type whose payload is the CloudEvents envelope with `data` as the type's schema.
 */
export function buildAsyncApiDocument(): Record<string, unknown> {
  const schemas: SchemaRegistry = new Map();
  const envelopeRef = schemaForClass(EventEnvelopeSchema, schemas);
  const envelopeSchema = schemas.get(envelopeRef.$ref!.split('/').pop()!)!;
  schemas.delete(EventEnvelopeSchema.name);

  const channels: Record<string, unknown> = {};
  const operations: Record<string, unknown> = {};
  const messages: Record<string, unknown> = {};

  for (const subject of ALL_SUBJECTS) {
    const definition = EventCatalog[subject];
    const name = messageName(subject);
    const dataRef = schemaForClass(definition.dto, schemas);
    for (const older of Object.values(definition.previousVersions ?? {})) schemaForClass(older, schemas);
    schemas.set(`${name}Event`, eventSchema(envelopeSchema, subject, definition.currentVersion, dataRef));

    const stream = streamForSubject(subject)?.name ?? 'none';
    const channelKey = camel(subject);
    const upcastFrom = Object.keys(definition.upcasters);
    messages[name] = {
      name,
      title: subject,
      summary: `${subject} (dataversion ${definition.currentVersion})`,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      description:
        `CloudEvents 1.0 structured-mode JSON; the NATS header Nats-Msg-Id equals the event id. ` +
        (upcastFrom.length
          ? `Consumers upcast dataversion ${upcastFrom.join(', ')} to ${definition.currentVersion}. ` +
            Object.entries(definition.previousVersions ?? {})
              .map(([version, dto]) => `Version ${version} data: schema ${dto.name}.`)
              .join(' ')
          : 'No older versions.'),
      payload: schemaRef(`${name}Event`),
      examples: [{ name: `${name}Example`, summary: `A valid ${subject} event.`, payload: exampleEvent(subject) }],
    };
    channels[channelKey] = {
      address: subject,
      title: subject,
      description: `${subject} events, stored in the JetStream stream ${stream}.`,
      messages: { [name]: { $ref: `#/components/messages/${name}` } },
    };
    operations[`send${name}`] = {
      action: 'send',
      title: `Publish ${subject}`,
      summary: `${definition.producer} publishes ${subject}.`,
      description: `Published by ${definition.producer} through its transactional outbox; consumed by ${definition.consumers.join(', ')}.`,
      channel: { $ref: `#/channels/${channelKey}` },
      messages: [{ $ref: `#/channels/${channelKey}/messages/${name}` }],
    };
  }

  channels.deadLetters = {
    address: 'dlq.{service}.{subject}',
    title: 'Dead letters',
    description:
      `Messages a consumer could not process (invalid, unsupported or out of deliveries), stored in the JetStream ` +
      `stream ${DLQ_STREAM_NAME}. The body is the original message unchanged; dlq-* headers carry the original ` +
      `subject, stream, sequence, message id, error, delivery count and consumer.`,
    parameters: {
      service: { description: 'The consuming service that gave up, e.g. inventory-service.' },
      subject: { description: 'The original subject, e.g. orders.created.' },
    },
    messages: { DeadLetter: { $ref: '#/components/messages/DeadLetter' } },
  };
  operations.sendDeadLetter = {
    action: 'send',
    title: 'Dead-letter a message',
    summary: 'A consumer moves a message it gives up on to the DLQ.',
    description: 'Published by any consumer of @app/messaging before it terminates the original delivery.',
    channel: { $ref: '#/channels/deadLetters' },
    messages: [{ $ref: '#/channels/deadLetters/messages/DeadLetter' }],
  };
  messages.DeadLetter = {
    name: 'DeadLetter',
    title: 'Dead letter',
    summary: 'The original message bytes, unchanged.',
    description: 'Usually one of the events of this document, but possibly malformed: that is why it is here.',
    payload: { description: 'The original message body.' },
  };

  return {
    asyncapi: '3.0.0',
    info: {
      title: 'Order saga events',
      version: ASYNCAPI_DOCUMENT_VERSION,
      description:
        'Events of the order-processing saga on NATS JetStream. Every event is a CloudEvents 1.0 envelope in ' +
        'structured JSON mode; type equals the subject. Money is integer minor units with an ISO 4217 currency. ' +
        'Consumers are tolerant readers (unknown data fields are ignored) and upcast older dataversions.',
      license: { name: 'MIT' },
    },
    defaultContentType: CLOUDEVENTS_CONTENT_TYPE,
    servers: {
      local: {
        host: '127.0.0.1:4222',
        protocol: 'nats',
        description: 'A local NATS server with JetStream enabled.',
      },
    },
    channels,
    operations,
    components: {
      messages,
      schemas: Object.fromEntries([...schemas.entries()].sort(([a], [b]) => a.localeCompare(b))),
    },
  };
}

/** The catalog's example data in a full envelope with fixed ids and time, so the document is reproducible. */
function exampleEvent(subject: Subject): unknown {
  // createEvent validates strictly: an example that breaks its own contract fails generation.
  return createEvent(subject, EventCatalog[subject].example as never, {
    source: EventCatalog[subject].producer,
    id: '0b9f7c1e-5d2a-4c3b-8e6f-1a2b3c4d5e6f',
    correlationId: '7d3e2a10-9b8c-4f5e-a6d7-c8b9a0e1f203',
    time: '2026-01-31T12:00:00.000Z',
  });
}

function eventSchema(envelope: JsonSchema, subject: Subject, version: string, dataRef: JsonSchema): JsonSchema {
  const properties = { ...envelope.properties };
  properties.type = { type: 'string', description: properties.type?.description, const: subject };
  properties.dataversion = { type: 'string', description: properties.dataversion?.description, const: version };
  properties.data = dataRef;
  return {
    type: 'object',
    description: `CloudEvents 1.0 envelope of ${subject}.`,
    required: envelope.required,
    properties,
  };
}
