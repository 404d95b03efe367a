import { IsNumber, Max, Min } from 'class-validator';

import { MinorUnits, Quantity, Sku } from './event-fields';
import { Describe, DescribeClass } from './schema-hints';

/** A SKU and a number of units (reservations, releases, rejections). */
@DescribeClass('A SKU and a number of units.')
export class StockLine {
  @Sku()
  sku!: string;

  @Quantity()
  quantity!: number;
}

/** One line of an order, priced in minor units. */
@DescribeClass('One line of an order, priced per unit in minor units.')
export class OrderLine {
  @Sku()
  sku!: string;

  @Quantity()
  quantity!: number;

  @MinorUnits('Price of one unit.')
  unitPrice!: number;
}

/** Version 1 of an order line: `price` was a decimal amount of major units (e.g. 12.5 for 12.50). Read only. */
@DescribeClass('orders.created version 1 line: price as a decimal number of major units (superseded by version 2).')
export class OrderLineV1 {
  @Sku()
  sku!: string;

  @Quantity()
  quantity!: number;

  @Describe('Price of one unit as a decimal number of major units (e.g. 12.5).')
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  price!: number;
}
