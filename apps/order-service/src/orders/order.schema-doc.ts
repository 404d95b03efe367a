import { CURRENCY_PATTERN, SKU_PATTERN } from '@app/contracts';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

import { ORDER_STATUSES } from './list-orders.query';

/*
 * The shapes the orders API answers with, for the OpenAPI document only (the service returns OrderView objects;
 * test/api/http-api.e2e-spec checks the document).
 */

export class OrderLine {
  @ApiProperty({ example: 'SKU-001', pattern: SKU_PATTERN.source })
  sku!: string;

  @ApiProperty({ type: 'integer', example: 2, minimum: 1 })
  quantity!: number;

  @ApiProperty({ type: 'integer', example: 1250, minimum: 0, description: 'Price of one unit in minor units' })
  unitPrice!: number;
}

export class OrderHistoryEntry {
  @ApiProperty({ example: 'inventory.reserved', description: 'Type of the saga event' })
  type!: string;

  @ApiProperty({ format: 'uuid', description: 'Id of the event' })
  eventId!: string;

  @ApiProperty({ format: 'date-time' })
  at!: string;
}

export class Order {
  @ApiProperty({ format: 'uuid' })
  id!: string;

  @ApiProperty({ example: 'customer-42' })
  customerId!: string;

  @ApiProperty({ example: 'EUR', pattern: CURRENCY_PATTERN.source })
  currency!: string;

  @ApiProperty({ type: [OrderLine] })
  items!: OrderLine[];

  @ApiProperty({ type: 'integer', example: 3499, description: 'Sum of quantity x unitPrice, in minor units' })
  totalAmount!: number;

  @ApiProperty({ enum: ORDER_STATUSES })
  status!: string;

  @ApiPropertyOptional({ example: 'OUT_OF_STOCK', description: 'Why the order was cancelled' })
  reason?: string;

  @ApiPropertyOptional({ example: 'Not enough stock for: SKU-001' })
  reasonMessage?: string;

  @ApiProperty({ format: 'date-time' })
  createdAt!: string;

  @ApiProperty({ format: 'date-time' })
  updatedAt!: string;

  @ApiPropertyOptional({ type: [OrderHistoryEntry], description: 'Saga steps, in `GET /orders/{id}` only' })
  history?: OrderHistoryEntry[];
}

export class OrderPage {
  @ApiProperty({ type: [Order] })
  items!: Order[];

  @ApiPropertyOptional({ description: 'Pass as `cursor` to get the next page; absent on the last page' })
  nextCursor?: string;
}
