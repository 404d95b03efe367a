import { LIMITS, OrderId } from './event-fields';
import { StockLine } from './line-item';
import { Describe, DescribeClass, NestedArray } from './schema-hints';

/** `inventory.released`: the compensation for a cancelled order; reserved units are available again. */
@DescribeClass('Compensation of a cancelled order: its reserved units are available again.')
export class InventoryReleasedData {
  @OrderId()
  orderId!: string;

  @NestedArray(() => StockLine, { min: 1, max: LIMITS.maxItems })
  @Describe('The released lines.')
  items!: StockLine[];
}
