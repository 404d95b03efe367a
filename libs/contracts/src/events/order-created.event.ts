import { isRecord } from '../validation/plain-values';
import { Currency, LIMITS, MinorUnits, OpaqueId, OrderId } from './event-fields';
import { OrderLine, OrderLineV1 } from './line-item';
import { Describe, DescribeClass, NestedArray } from './schema-hints';

/** `orders.created` version 2 (current): an order was placed and is PENDING. */
@DescribeClass('An order was placed and is PENDING; inventory reserves its lines next.')
export class OrderCreatedData {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @Currency()
  currency!: string;

  @NestedArray(() => OrderLine, { min: 1, max: LIMITS.maxItems })
  @Describe('The ordered lines, at least one.')
  items!: OrderLine[];

  @MinorUnits('Sum of quantity x unitPrice over the lines.')
  totalAmount!: number;
}

/**
 * `orders.created` version 1, kept to document what the upcaster reads: prices were decimal major units.
 * Nothing publishes it any more.
 */
@DescribeClass('orders.created version 1 (superseded): prices as decimal major units.')
export class OrderCreatedDataV1 {
  @OrderId()
  orderId!: string;

  @OpaqueId('The customer who placed the order.')
  customerId!: string;

  @Currency()
  currency!: string;

  @NestedArray(() => OrderLineV1, { min: 1, max: LIMITS.maxItems })
  @Describe('The ordered lines, at least one.')
  items!: OrderLineV1[];
}

/**
 * ISO 4217 minor-unit exponents that differ from 2. Upcasting decimal prices must scale by the currency's own
 * exponent (1 JPY is 1 minor unit, 1 KWD is 1000).
 */
const MINOR_UNIT_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  UYI: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
  CLF: 4,
  UYW: 4,
});

/** Minor units per major unit for a currency (100 for most, 1 for JPY, 1000 for KWD). */
export function minorUnitFactor(currency: string): number {
  return 10 ** (MINOR_UNIT_EXPONENTS[currency] ?? 2);
}

/** Converts a decimal amount of major units to integer minor units, rounding away float noise (19.99 -> 1999). */
export function toMinorUnits(amount: number, currency: string): number {
  return Math.round(amount * minorUnitFactor(currency));
}

/**
 * Upcaster `orders.created` 1 -> 2: each line's decimal `price` becomes integer `unitPrice` in minor units, and
 * `totalAmount` (absent in version 1, or decimal if a producer added it) is computed from the lines.
 * Anything it cannot convert is left as is, so validation afterwards reports it by path.
 */
export function upcastOrderCreatedV1(data: unknown): unknown {
  if (!isRecord(data) || !Array.isArray(data.items)) return data;
  const currency = typeof data.currency === 'string' ? data.currency : '';
  const items = data.items.map((item: unknown) => {
    if (!isRecord(item) || typeof item.price !== 'number' || !Number.isFinite(item.price)) return item;
    const { price, ...rest } = item;
    return { ...rest, unitPrice: toMinorUnits(price, currency) };
  });
  const upcast: Record<string, unknown> = { ...data, items };
  const computable = items.every((item) => isRecord(item) && Number.isInteger(item.unitPrice) && Number.isInteger(item.quantity));
  if (computable) {
    upcast.totalAmount = (items as Array<{ unitPrice: number; quantity: number }>).reduce((sum, item) => sum + item.unitPrice * item.quantity, 0);
  } else if (typeof data.totalAmount === 'number' && !Number.isInteger(data.totalAmount)) {
    upcast.totalAmount = toMinorUnits(data.totalAmount, currency);
  }
  return upcast;
}
