import { IsEnum } from 'class-validator';

import { HumanMessage, LIMITS, OpaqueId, OrderId } from './event-fields';
import { StockLine } from './line-item';
import { InventoryRejectionReason } from './reasons';
import { Describe, DescribeClass, NestedArray } from './schema-hints';

/** `inventory.rejected`: the order cannot be reserved (nothing was held); the order gets cancelled. */
@DescribeClass('The order could not be reserved and nothing was held; the order is cancelled next.')
export class InventoryRejectedData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @IsEnum(InventoryRejectionReason)
  @Describe('Machine-readable reason.')
  reason!: InventoryRejectionReason;

  @HumanMessage()
  message!: string;

  @NestedArray(() => StockLine, { min: 1, max: LIMITS.maxItems })
  @Describe('The lines that were requested.')
  items!: StockLine[];
}
