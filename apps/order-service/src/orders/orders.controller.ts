import { ApiProblems } from '@app/runtime';
import { Body, Controller, ForbiddenException, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';

import { AuthGuard } from '../auth/auth.guard';
import { confinedTo, type Principal, Scope } from '../auth/principal';
import { CurrentPrincipal, Scopes } from '../auth/scopes.decorator';
import { RequestValidationError } from '../common/request-validation.error';
import { CreateOrderDto } from './create-order.dto';
import { ListOrdersQuery } from './list-orders.query';
import { Order, OrderPage } from './order.schema-doc';
import { OrdersService } from './orders.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/**
 * The orders API. Every route needs a bearer token (AuthGuard) with the scopes its `@Scopes` names. The customer is
 * the token's `sub`: an order is placed only for it (a body naming another customer is refused with 403, not
 * rewritten), and without `orders:admin` a caller reads and lists only its own orders; another customer's order
 * answers 404 exactly like a missing one, so ids cannot be probed.
 */
@ApiTags('orders')
@Controller('orders')
@UseGuards(AuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Scopes(Scope.Write)
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
    @CurrentPrincipal() principal: Principal,
  ) {
    // Even an admin places orders only as itself: acting for customers is not a scope this API grants.
    if (principal.subject !== undefined && dto.customerId !== principal.subject) {
      throw new ForbiddenException('customerId must be the subject (sub) of your token: orders are placed only for yourself.');
    }
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new RequestValidationError([{ field: 'Idempotency-Key', message: 'must be 1 to 200 printable ASCII characters' }]);
    }
    const { order, replayed } = await this.orders.create(dto, idempotencyKey);
    void reply.header('location', `/orders/${order.id}`);
    if (replayed) void reply.header('idempotent-replayed', 'true');
    return order;
  }

  @Get(':id')
  @Scopes(Scope.Read, Scope.Admin)
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ description: 'The order with its status, reason when cancelled, and history', type: Order })
  @ApiProblems([400, 'id is not a UUID'], [404, 'No such order'], 503)
  get(@Param('id', new ParseUUIDPipe({ version: undefined })) id: string, @CurrentPrincipal() principal: Principal) {
    return this.orders.get(id, confinedTo(principal));
  }

  @Get()
  @Scopes(Scope.Read, Scope.Admin)
  @ApiOkResponse({
    description: "Orders, newest first, with a cursor for the next page: the caller's own, or every customer's with orders:admin",
    type: OrderPage,
  })
  @ApiProblems(400, [422, 'cursor is not one this API issued'], 503)
  list(@Query() query: ListOrdersQuery, @CurrentPrincipal() principal: Principal) {
    const customer = confinedTo(principal);
    if (customer !== undefined && query.customerId !== undefined && query.customerId !== customer) {
      throw new ForbiddenException("Listing another customer's orders needs the scope orders:admin.");
    }
    return this.orders.list(customer === undefined ? query : { ...query, customerId: customer });
  }
}
