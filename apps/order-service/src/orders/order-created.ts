import { createEvent, type EventEnvelope, Subjects } from '@app/contracts';

import type { CreateOrderDto } from './create-order.dto';

/** The service name orders events are published under. */
export const ORDER_SERVICE = 'order-service';

/**
 * The `orders.created` event for a validated request body: the one place the HTTP shape turns into the event
 * shape, so the test that checks "every accepted body is publishable" exercises exactly what the service does.
 * Throws `EventValidationError` if the two ever disagree.
 */
export function orderCreatedEvent(orderId: string, dto: CreateOrderDto): EventEnvelope<typeof Subjects.OrderCreated> {
  const items = dto.items.map(({ sku, quantity, unitPrice }) => ({ sku, quantity, unitPrice }));
  const totalAmount = items.reduce((sum, item) => sum + item.quantity * item.unitPrice, 0);
  return createEvent(
    Subjects.OrderCreated,
    { orderId, customerId: dto.customerId, currency: dto.currency, items, totalAmount },
    { source: ORDER_SERVICE, subject: orderId },
  );
}
