import type { DecodeResult, MessageCodec } from '@app/messaging';

/** The minimal event shape these tests publish (stands in for the contracts' envelope). */
export interface TestEvent {
  id: string;
  type: string;
  data: Record<string, unknown>;
}

/** A tiny JSON codec: `type` is the subject, `id` the msgId; anything without an id is 'invalid'. */
export const jsonTestCodec: MessageCodec<TestEvent> = {
  encode(event: TestEvent) {
    if (!event.id || !event.type) throw new Error('invalid test event');
    return { subject: event.type, msgId: event.id, data: new TextEncoder().encode(JSON.stringify(event)) };
  },
  decode(_subject: string, data: Uint8Array): DecodeResult<TestEvent> {
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder().decode(data));
    } catch (error) {
      return { ok: false, kind: 'malformed', reason: error instanceof Error ? error.message : String(error) };
    }
    const event = value as Partial<TestEvent>;
    if (typeof event !== 'object' || event === null || typeof event.id !== 'string' || typeof event.type !== 'string') {
      return { ok: false, kind: 'invalid', reason: 'id and type are required' };
    }
    return { ok: true, value: event as TestEvent };
  },
};
