import { ApiProblems } from '@app/runtime';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';

import { StockService } from './stock.service';
import { StockLevel } from './stock-level.doc';

/** Stock levels, for operators and tests: `available` can be sold, `reserved` is held by pending orders. */
@ApiTags('inventory')
@Controller('inventory')
export class InventoryController {
  constructor(private readonly stock: StockService) {}

  @Get(':sku')
  @ApiParam({ name: 'sku', example: 'SKU-001' })
  @ApiOkResponse({ description: 'Stock level of the SKU', type: StockLevel })
  @ApiProblems([404, 'No such SKU'], 503)
  level(@Param('sku') sku: string) {
    return this.stock.level(sku);
  }
}
