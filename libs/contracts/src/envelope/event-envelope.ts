import { IsIn, IsObject, IsOptional, IsRFC3339, IsString, Matches, MaxLength, MinLength } from 'class-validator';

import type { EventDataMap } from '../events/event-catalog';
import { Describe, DescribeClass } from '../events/schema-hints';
import { ALL_SUBJECTS, type Subject } from '../subjects';

/** The CloudEvents version every event declares. */
export const CLOUDEVENTS_SPEC_VERSION = '1.0';
/** `datacontenttype` of every event: `data` is JSON. */
export const DATA_CONTENT_TYPE = 'application/json';
/** Content type of a whole event on the wire (CloudEvents structured mode). */
export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

interface EnvelopeAttributes<Type extends string, Data> {
  /** Always `'1.0'`. */
  specversion: '1.0';
  /** Unique per event; also the `Nats-Msg-Id` (JetStream deduplication) and the inbox key. */
  id: string;
  /** The emitting service, e.g. `order-service`. */
  source: string;
  /** The event type, equal to the subject it is published on. */
  type: Type;
  /** The aggregate id (the order id). */
  subject: string;
  /** When it happened, RFC 3339. */
  time: string;
  datacontenttype: 'application/json';
  /** The schema version of `data` ('1', '2', ...). */
  dataversion: string;
  /** The id shared by every event of one saga (the first event's id). */
  correlationid: string;
  /** The id of the event that caused this one. */
  causationid?: string;
  data: Data;
}

/**
 * A CloudEvents 1.0 event in structured JSON mode. Extension attribute names are lowercase letters and digits only
 * (`correlationid`, `causationid`, `dataversion`), as the spec requires.
 *
 * - `EventEnvelope<'orders.created'>` (a subject): `type` and `data` of that event; a union of subjects gives a
 *   union of events, discriminated by `type`.
 * - `EventEnvelope<SomeData>` (anything else): `data: SomeData`, `type: string`.
 * - `EventEnvelope`: `data: unknown`.
 */
export type EventEnvelope<T = unknown> = T extends Subject ? EnvelopeAttributes<T, EventDataMap[T]> : EnvelopeAttributes<string, T>;

/** Any known event, current version, discriminated by `type`. */
export type AnyEventEnvelope = EventEnvelope<Subject>;

/** Envelope attribute names (everything but `data`), in wire order. */
export const ENVELOPE_ATTRIBUTES = [
  'specversion',
  'id',
  'source',
  'type',
  'subject',
  'time',
  'datacontenttype',
  'dataversion',
  'correlationid',
  'causationid',
] as const;

/** class-validator rules of the envelope; `data` is validated against the DTO its `type` names. */
@DescribeClass('CloudEvents 1.0 envelope (structured JSON mode).')
export class EventEnvelopeSchema {
  @IsIn([CLOUDEVENTS_SPEC_VERSION])
  @Describe('CloudEvents specification version.')
  specversion!: '1.0';

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Describe('Unique event id; also the Nats-Msg-Id used for JetStream deduplication.')
  id!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Describe('The emitting service, e.g. order-service.')
  source!: string;

  @IsIn([...ALL_SUBJECTS])
  @Describe('Event type; equal to the NATS subject it is published on.')
  type!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Describe('The aggregate id (the order id).')
  subject!: string;

  @IsRFC3339()
  @Describe('When the event happened, RFC 3339.')
  time!: string;

  @IsIn([DATA_CONTENT_TYPE])
  @Describe('Content type of data.')
  datacontenttype!: 'application/json';

  @Matches(/^[1-9][0-9]*$/)
  @Describe('Schema version of data (extension attribute); consumers upcast older versions.')
  dataversion!: string;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Describe('Id shared by every event of one saga (extension attribute).')
  correlationid!: string;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(256)
  @Describe('Id of the event that caused this one (extension attribute).')
  causationid?: string;

  @IsObject()
  @Describe('The event payload.')
  data!: object;
}
