import { RequestValidationError } from '../../apps/order-service/src/common/request-validation.error';
import { createValidationPipe } from '../../apps/order-service/src/common/request-validation.pipe';
import { CreateOrderDto } from '../../apps/order-service/src/orders/create-order.dto';
import { ListOrdersQuery } from '../../apps/order-service/src/orders/list-orders.query';
import { VALID_ORDER_BODY } from '../support/hostile-bodies';

/** What a client reads in `errors` of a 400: one message per failing field, saying what was expected. */
const pipe = createValidationPipe();

async function fieldErrors(
  value: unknown,
  metatype: abstract new (...args: never[]) => unknown,
  type: 'body' | 'query' = 'body',
): Promise<{ field: string; message: string }[]> {
  try {
    await pipe.transform(value, { type, metatype: metatype as never, data: '' });
  } catch (error) {
    if (error instanceof RequestValidationError) return error.fields;
    throw error;
  }
  throw new Error('the value was accepted');
}

describe('validation messages of the orders API', () => {
  it('a wrong type gives one message for the field, saying what was expected', async () => {
    expect(await fieldErrors({ ...VALID_ORDER_BODY, customerId: 5 }, CreateOrderDto)).toEqual([
      { field: 'customerId', message: 'customerId must be a string of 1 to 128 characters' },
    ]);
  });

  it('limit=abc says an integer from 1 to 100 is expected', async () => {
    expect(await fieldErrors({ limit: 'abc' }, ListOrdersQuery, 'query')).toEqual([
      { field: 'limit', message: 'limit must be an integer from 1 to 100' },
    ]);
  });

  it('every failing field is listed once, nested ones by path', async () => {
    const errors = await fieldErrors({ customerId: '', currency: 'EURO', items: [{ sku: '', quantity: 0, unitPrice: -1 }] }, CreateOrderDto);
    expect(errors.map((e) => e.field)).toEqual(['customerId', 'currency', 'items[0].sku', 'items[0].quantity', 'items[0].unitPrice']);
    expect(errors.find((e) => e.field === 'currency')?.message).toBe('currency must be a three-letter ISO 4217 currency code such as EUR');
    expect(errors.find((e) => e.field === 'items[0].quantity')?.message).toBe('quantity must be an integer from 1 to 1000');
  });

  it('an unknown field is named as such', async () => {
    expect(await fieldErrors({ ...VALID_ORDER_BODY, admin: true }, CreateOrderDto)).toEqual([
      { field: 'admin', message: 'admin is not a known field; remove it' },
    ]);
  });

  it('items that are not an array get one message', async () => {
    const errors = await fieldErrors({ ...VALID_ORDER_BODY, items: 'many' }, CreateOrderDto);
    expect(errors).toEqual([{ field: 'items', message: expect.stringMatching(/^items must be an array of 1 to 100 order lines/) }]);
  });

  it('a null body lists the fields it needs', async () => {
    expect((await fieldErrors(null, CreateOrderDto)).map((e) => e.field)).toEqual(['customerId', 'currency', 'items']);
  });
});
