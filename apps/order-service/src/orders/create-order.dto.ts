import { Currency, CURRENCY_PATTERN, LIMITS, MinorUnits, OpaqueId, Quantity, Sku, SKU_PATTERN } from '@app/contracts';
import { ApiProperty } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsObject, Matches, Max, ValidateNested } from 'class-validator';

import { Expect } from '../common/field-expectation';

/** The HTTP API's bounds, tighter than the events' (LIMITS) so that every accepted order is publishable. */
export const ORDER_LIMITS = Object.freeze({ maxItems: LIMITS.maxItems, maxQuantity: 1000, maxUnitPrice: 100_000_000 });

/*
 * Each field takes its rule from @app/contracts (the rule the orders.created event is validated with), plus the
 * HTTP API's tighter bounds: the API cannot accept a value the event contract would refuse to publish.
 */

/** No control characters (NUL included) and no unpaired surrogates: what a text column can store as sent. */
export const PRINTABLE_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;
export class OrderItemDto {
  @ApiProperty({ example: 'SKU-001', minLength: 1, maxLength: LIMITS.maxSkuLength, pattern: SKU_PATTERN.source })
  @Expect(`a string of 1 to ${LIMITS.maxSkuLength} letters, digits, dots, dashes or underscores, starting with a letter or digit`)
  @Sku()
  sku!: string;

  @ApiProperty({ type: 'integer', example: 2, minimum: 1, maximum: ORDER_LIMITS.maxQuantity })
  @Expect(`an integer from 1 to ${ORDER_LIMITS.maxQuantity}`)
  @Quantity()
  @Max(ORDER_LIMITS.maxQuantity)
  quantity!: number;

  @ApiProperty({
    type: 'integer',
    example: 1250,
    minimum: 0,
    maximum: ORDER_LIMITS.maxUnitPrice,
    description: 'Price of one unit in minor units (cents), an integer',
  })
  @Expect(`an integer number of minor units (cents) from 0 to ${ORDER_LIMITS.maxUnitPrice}`)
  @MinorUnits('Price of one unit.')
  @Max(ORDER_LIMITS.maxUnitPrice)
  unitPrice!: number;
}

/** Body of `POST /orders`. Validation is strict: unknown fields are refused and nothing is coerced but the currency's case. */
export class CreateOrderDto {
  @ApiProperty({ example: 'customer-42', minLength: 1, maxLength: LIMITS.maxIdLength })
  @Expect(`a string of 1 to ${LIMITS.maxIdLength} characters`)
  @OpaqueId('The customer who placed the order.')
  // PostgreSQL text cannot hold NUL, and an unpaired surrogate would be stored as U+FFFD: refuse both up front.
  @Matches(PRINTABLE_TEXT, { message: 'customerId must not contain control characters or unpaired surrogates' })
  customerId!: string;

  @ApiProperty({
    example: 'EUR',
    pattern: '^[A-Za-z]{3}$',
    description: `ISO 4217 currency code; upper-cased on receipt (\`eur\` is stored and published as \`EUR\`, ${CURRENCY_PATTERN.source})`,
  })
  @Expect('a three-letter ISO 4217 currency code such as EUR')
  // Normalised at the edge: events carry upper case only, and "eur" means EUR to any client.
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.toUpperCase() : value))
  @Currency()
  currency!: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: ORDER_LIMITS.maxItems })
  @Expect(`an array of 1 to ${ORDER_LIMITS.maxItems} order lines ({"sku","quantity","unitPrice"})`)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(ORDER_LIMITS.maxItems)
  // Without IsObject a nested array (`[[]]`) passes ValidateNested as "an array of nothing" and reaches the handler.
  @IsObject({ each: true, message: 'each item must be an object' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
