import { CloudEvent, ValidationError } from 'cloudevents';

import { cloudEventCodec, createEvent } from '../index';
import { ALL_SUBJECTS } from '../subjects';
import { validData } from '../testing/event-fixtures';

/**
 * Every event the saga publishes must be accepted by the official CloudEvents SDK in strict mode: attribute names
 * lowercase alphanumeric, required attributes present, RFC 3339 time, valid extension values.
 */
describe('CloudEvents SDK compatibility', () => {
  it.each(ALL_SUBJECTS.map((s) => [s]))('the SDK accepts %s as created and as sent on the wire', (type) => {
    const event = createEvent(type, validData[type] as never, {
      source: 'test-service',
      correlationId: 'corr-1',
      causationId: 'cause-1',
    });
    const fromObject = new CloudEvent(event as never, true);
    expect(fromObject.validate()).toBe(true);
    expect(fromObject.type).toBe(type);
    expect(fromObject['correlationid']).toBe('corr-1');
    expect(fromObject['causationid']).toBe('cause-1');
    expect(fromObject['dataversion']).toBe(event.dataversion);

    const wire = JSON.parse(new TextDecoder().decode(cloudEventCodec.encode(event).data)) as Record<string, unknown>;
    expect(new CloudEvent(wire as never, true).validate()).toBe(true);
  });

  it('the SDK accepts an event without causation id', () => {
    const event = createEvent('orders.created', validData['orders.created'], { source: 'order-service' });
    expect(new CloudEvent(event as never, true).validate()).toBe(true);
  });

  it('the SDK refuses camelCase extension names, which is why ours are lowercase', () => {
    const event = createEvent('orders.created', validData['orders.created'], { source: 'order-service' });
    expect(() => new CloudEvent({ ...event, correlationId: 'x' } as never, true)).toThrow(ValidationError);
  });
});
