import { Currency, MinorUnits, OpaqueId, OrderId } from './event-fields';
import { DescribeClass } from './schema-hints';

/** `orders.confirmed`: the payment went through; the order is final. */
@DescribeClass('The payment completed and the order is CONFIRMED (final).')
export class OrderConfirmedData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @MinorUnits('The amount charged.')
  totalAmount!: number;

  @Currency()
  currency!: string;
}
