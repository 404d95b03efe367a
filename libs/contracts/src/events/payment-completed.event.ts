import { Currency, MinorUnits, OpaqueId, OrderId } from './event-fields';
import { DescribeClass } from './schema-hints';

/** `payments.completed`: the gateway approved the charge. */
@DescribeClass('The payment gateway approved the charge; the order is confirmed next.')
export class PaymentCompletedData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @OpaqueId("The payment gateway's transaction id.")
  paymentId!: string;

  @MinorUnits('The amount charged.')
  amount!: number;

  @Currency()
  currency!: string;
}
