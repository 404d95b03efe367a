import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsISO4217CurrencyCode,
  IsObject,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateNested,
} from 'class-validator';

/** No control characters (NUL included) and no unpaired surrogates: what a text column can store as sent. */
export const PRINTABLE_TEXT = /^[^\p{Cc}\p{Cs}]*$/u;

export class OrderItemDto {
  @ApiProperty({ example: 'SKU-001', maxLength: 64 })
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'sku must be letters, digits, dot, dash or underscore' })
  sku!: string;

  @ApiProperty({ example: 2, minimum: 1, maximum: 1000 })
  @IsInt()
  @Min(1)
  @Max(1000)
  quantity!: number;

  @ApiProperty({ example: 1250, minimum: 0, description: 'Price of one unit in minor units (cents), an integer' })
  @IsInt()
  @Min(0)
  @Max(100_000_000)
  unitPrice!: number;
}

/** Body of `POST /orders`. Validation is strict: unknown fields are refused and nothing is coerced. */
export class CreateOrderDto {
  @ApiProperty({ example: 'customer-42', maxLength: 128 })
  @IsString()
  @MinLength(1)
  @MaxLength(128)
  // PostgreSQL text cannot hold NUL, and an unpaired surrogate would be stored as U+FFFD: refuse both up front.
  @Matches(PRINTABLE_TEXT, { message: 'customerId must not contain control characters or unpaired surrogates' })
  customerId!: string;

  @ApiProperty({ example: 'EUR', description: 'ISO 4217 currency code' })
  @IsString()
  @IsISO4217CurrencyCode()
  currency!: string;

  @ApiProperty({ type: [OrderItemDto], minItems: 1, maxItems: 100 })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(100)
  // Without IsObject a nested array (`[[]]`) passes ValidateNested as "an array of nothing" and reaches the handler.
  @IsObject({ each: true, message: 'each item must be an object' })
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}
