import { ApiProblems } from '@app/runtime';
import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { RequestValidationError } from '../common/request-validation.error';
import { CreateOrderDto } from './create-order.dto';
import { ListOrdersQuery } from './list-orders.query';
import { Order, OrderPage } from './order.schema-doc';
import { OrdersService } from './orders.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeat a request safely: same key and body return the same order' })
  @ApiCreatedResponse({
    description: 'The order, PENDING until the saga decides it (with `idempotent-replayed: true` when an Idempotency-Key replayed it)',
    type: Order,
  })
  @ApiProblems(400, 413, 415, [422, 'Idempotency-Key already used with another body'], 503)
  async create(
    @Body() dto: CreateOrderDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new RequestValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' }]);
    }
    const { order, replayed } = await this.orders.create(dto, idempotencyKey);
    void reply.header('location', `/orders/${order.id}`);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return order;
  }

  @Get(':id')
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ description: 'The order with its status, reason when cancelled, and history', type: Order })
  @ApiProblems([400, 'id is not a UUID'], [404, 'No such order'], 503)
  get(@Param('id', new ParseUUIDPipe({ version: undefined })) id: string) {
    return this.orders.get(id);
  }

  @Get()
  @ApiOkResponse({ description: 'Orders, newest first, with a cursor for the next page', type: OrderPage })
  @ApiProblems(400, [422, 'cursor is not one this API issued'], 503)
  list(@Query() query: ListOrdersQuery) {
    return this.orders.list(query);
  }
}
