import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';

import { Expect } from '../common/field-expectation';
import { PRINTABLE_TEXT } from './create-order.dto';

export const ORDER_STATUSES = ['PENDING', 'CONFIRMED', 'CANCELLED'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/** Query of `GET /orders`: filters plus keyset pagination (newest first). */
export class ListOrdersQuery {
  @ApiPropertyOptional({ maxLength: 128 })
  @Expect('a string of at most 128 characters')
  @IsOptional()
  @IsString()
  @MaxLength(128)
  @Matches(PRINTABLE_TEXT, { message: 'customerId must not contain control characters or unpaired surrogates' })
  customerId?: string;

  @ApiPropertyOptional({ enum: ORDER_STATUSES })
  @Expect(`one of ${ORDER_STATUSES.join(', ')}`)
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @Expect('an integer from 1 to 100')
  @IsOptional()
  @Type(() => Number) // query strings are text; this is the one deliberate conversion
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from the previous page', maxLength: 200 })
  @Expect('the nextCursor of a previous page')
  @IsOptional()
  @IsString()
  @MaxLength(200)
  cursor?: string;
}
