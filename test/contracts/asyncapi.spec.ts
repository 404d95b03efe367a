import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

import { buildAsyncApiDocument, createEvent } from '@app/contracts';
import { Parser } from '@asyncapi/parser';
import { parse } from 'yaml';

import { EventCatalog } from '../../libs/contracts/src/events/event-catalog';
import { ALL_SUBJECTS } from '../../libs/contracts/src/subjects';
import { validData } from '../../libs/contracts/src/testing/event-fixtures';
// The renderer is not in the lib's index (yaml is a dev dependency), hence the path.
import { renderAsyncApiYaml } from '../../tools/asyncapi';

const DOC_PATH = resolve(__dirname, '../../docs/asyncapi.yaml');

/** Diagnostic severities of the AsyncAPI parser (Spectral): 0 error, 1 warning, 2 information, 3 hint. */
const ERROR = 0;
const WARNING = 1;

describe('AsyncAPI document', () => {
  it('is current: docs/asyncapi.yaml equals the generator output (run npm run docs:asyncapi)', () => {
    expect(readFileSync(DOC_PATH, 'utf8')).toBe(renderAsyncApiYaml());
  });

  it('parses without errors or warnings in the official AsyncAPI parser', async () => {
    const { document, diagnostics } = await new Parser().parse(readFileSync(DOC_PATH, 'utf8'));
    const problems = diagnostics.filter((d) => [ERROR, WARNING].includes(Number(d.severity)));
    expect(problems.map((d) => `${d.code}: ${d.message} at ${d.path.join('.')}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe('3.0.0');
    const addresses = document!
      .channels()
      .all()
      .map((channel) => channel.address());
    for (const subject of ALL_SUBJECTS) expect(addresses).toContain(subject);
  }, 60_000);

  it('names every subject as a channel with a send operation', () => {
    const doc = buildAsyncApiDocument() as {
      channels: Record<string, { address: string }>;
      operations: Record<string, { action: string; channel: { $ref: string } }>;
    };
    const addresses = Object.values(doc.channels).map((c) => c.address);
    expect(addresses).toEqual(expect.arrayContaining([...ALL_SUBJECTS]));
    const sentChannels = Object.values(doc.operations).map((o) => o.channel.$ref);
    for (const [key, channel] of Object.entries(doc.channels)) {
      if (ALL_SUBJECTS.includes(channel.address as never)) expect(sentChannels).toContain(`#/channels/${key}`);
    }
  });

  it('derives payload schemas from the DTO decorators', () => {
    const doc = parse(readFileSync(DOC_PATH, 'utf8')) as {
      components: { schemas: Record<string, { required?: string[]; properties: Record<string, Record<string, unknown>> }> };
    };
    const { schemas } = doc.components;
    expect(schemas.OrderCreatedData.required).toEqual(['orderId', 'customerId', 'currency', 'items', 'totalAmount']);
    expect(schemas.OrderCreatedData.properties.totalAmount).toMatchObject({ type: 'integer', minimum: 0 });
    expect(schemas.OrderCreatedData.properties.orderId).toMatchObject({ type: 'string', format: 'uuid' });
    expect(schemas.OrderCreatedData.properties.currency).toMatchObject({ type: 'string', pattern: '^[A-Z]{3}$' });
    expect(schemas.OrderCreatedData.properties.items).toMatchObject({
      type: 'array',
      minItems: 1,
      maxItems: 100,
      items: { $ref: '#/components/schemas/OrderLine' },
    });
    expect(schemas.OrderLine.properties.quantity).toMatchObject({ type: 'integer', minimum: 1 });
    expect(schemas.OrderLine.properties.unitPrice).toMatchObject({ type: 'integer' });
    expect(schemas.OrderCancelledData.properties.reason.enum).toEqual(['OUT_OF_STOCK', 'UNKNOWN_SKU', 'PAYMENT_DECLINED', 'PAYMENT_UNAVAILABLE']);
    expect(schemas.OrderCreatedEvent.properties.time).toMatchObject({ type: 'string', format: 'date-time' });
    expect(schemas.OrderCreatedEvent.properties.dataversion).toMatchObject({ const: '2' });
    expect(schemas.OrderCreatedEvent.required).not.toContain('causationid');
    expect(schemas.OrderCreatedDataV1.properties.items).toMatchObject({ items: { $ref: '#/components/schemas/OrderLineV1' } });
    for (const subject of ALL_SUBJECTS) {
      // every field a valid event carries is documented
      const name = EventCatalog[subject].dto.name;
      const event = createEvent(subject, validData[subject] as never, { source: 'test', causationId: 'c' });
      expect(Object.keys(schemas[name].properties).sort()).toEqual(Object.keys(event.data).sort());
      expect(Object.keys(schemas[`${name.replace(/Data$/, '')}Event`].properties).sort()).toEqual(Object.keys(event).sort());
    }
  });
});
