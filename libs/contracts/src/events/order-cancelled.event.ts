import { IsEnum } from 'class-validator';

import { HumanMessage, OpaqueId, OrderId } from './event-fields';
import { OrderCancellationReason } from './reasons';
import { Describe, DescribeClass } from './schema-hints';

/** `orders.cancelled`: stock or payment failed; the order is final and any reservation is released. */
@DescribeClass('The order is CANCELLED (final); inventory releases any reservation in response.')
export class OrderCancelledData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @IsEnum(OrderCancellationReason)
  @Describe('Machine-readable reason.')
  reason!: OrderCancellationReason;

  @HumanMessage()
  message!: string;
}
