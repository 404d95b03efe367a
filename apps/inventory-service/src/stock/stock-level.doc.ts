import { SKU_PATTERN } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';

/** `GET /inventory/{sku}`'s answer, for the OpenAPI document. */
export class StockLevel {
  @ApiProperty({ example: 'SKU-001', pattern: SKU_PATTERN.source })
  sku!: string;

  @ApiProperty({ type: 'integer', example: 98, description: 'Units that can be sold' })
  available!: number;

  @ApiProperty({ type: 'integer', example: 2, description: 'Units held by pending orders' })
  reserved!: number;
}
