import { Currency, LIMITS, MinorUnits, OpaqueId, OrderId } from './event-fields';
import { StockLine } from './line-item';
import { Describe, DescribeClass, NestedArray } from './schema-hints';

/** `inventory.reserved`: every line of the order is held; payment charges the total next. */
@DescribeClass('Every line of the order is reserved; payment charges the total next.')
export class InventoryReservedData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @Currency()
  currency!: string;

  @MinorUnits('The amount to charge.')
  totalAmount!: number;

  @NestedArray(() => StockLine, { min: 1, max: LIMITS.maxItems })
  @Describe('The reserved lines (one per SKU).')
  items!: StockLine[];
}
