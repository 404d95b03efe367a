import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { RequestValidationError } from '../common/request-validation.error';
import { CreateOrderDto } from './create-order.dto';
import { ListOrdersQuery } from './list-orders.query';
import { OrdersService } from './orders.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @HttpCode(201)
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Repeat a request safely: same key and body return the same order' })
  @ApiCreatedResponse({ description: 'The order, PENDING until the saga decides it' })
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
  @ApiOkResponse({ description: 'The order with its status, reason when cancelled, and history' })
  get(@Param('id', new ParseUUIDPipe({ version: undefined })) id: string) {
    return this.orders.get(id);
  }

  @Get()
  @ApiOkResponse({ description: 'Orders, newest first, with a cursor for the next page' })
  list(@Query() query: ListOrdersQuery) {
    return this.orders.list(query);
  }
}
