import { Controller, Get, Param } from '@nestjs/common';

import { StockService } from './stock.service';

/** Stock levels, for operators and tests: `available` can be sold, `reserved` is held by pending orders. */
@Controller('inventory')
export class InventoryController {
  constructor(private readonly stock: StockService) {}

  @Get(':sku')
  level(@Param('sku') sku: string) {
    return this.stock.level(sku);
  }
}
