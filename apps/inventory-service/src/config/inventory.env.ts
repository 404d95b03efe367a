import { WithResilienceEnv } from '@app/resilience';
import { CommonEnv } from '@app/runtime';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';

/** inventory-service's environment: the common variables, its default port, and the product seed. */
export class InventoryServiceEnv extends WithResilienceEnv(CommonEnv) {
  override PORT = 3001;

  /** Products created by the first start of an empty database: SKU-001 .. SKU-<n>. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 0 and 999' })
  @Min(0, { message: 'must be an integer between 0 and 999' })
  @Max(999, { message: 'must be an integer between 0 and 999' })
  INVENTORY_SEED_COUNT: number = 10;

  /** Units of each seeded product. */
  @Type(() => Number)
  @IsInt({ message: 'must be a whole number >= 0' })
  @Min(0, { message: 'must be a whole number >= 0' })
  INVENTORY_SEED_STOCK: number = 100;
}
