import { type ArgumentsHost, Catch, type ExceptionFilter, IntrinsicException, Logger } from '@nestjs/common';
import { BaseExceptionFilter } from '@nestjs/core';
import { BaseRpcExceptionFilter } from '@nestjs/microservices';
import { type Observable, throwError } from 'rxjs';

import { JetStreamContext } from './jetstream.context';

/**
 * Nest's RPC layer turns a handler's exception into `{ status: 'error', message: 'Internal server error' }` before
 * the transport sees it (DESIGN.md pitfalls). This filter, registered by `MessagingModule` as a global filter,
 * hands a JetStream handler's original exception back untouched, so the transport classifies it (PermanentError ->
 * DLQ) and puts the real message in the DLQ headers. A filter runs only when a handler fails, so it costs nothing
 * per successful message (an interceptor would run on every one).
 *
 * Every other host gets Nest's default answer (HTTP error response, RPC error object). An app whose own catch-all
 * filter is selected first must hand `rpc` errors back the same way (`throwError(() => exception)`), as
 * order-service's `ProblemDetailsFilter` does.
 */
@Catch()
export class JetStreamExceptionFilter extends BaseExceptionFilter implements ExceptionFilter {
  private readonly rpcDefault = new BaseRpcExceptionFilter();
  /** Nest's own RPC exception handler logs under this context; handler errors keep reading the same in the logs. */
  private readonly rpcLogger = new Logger('RpcExceptionsHandler');

  override catch(exception: unknown, host: ArgumentsHost): void | Observable<never> {
    if (host.getType() === 'rpc') {
      if (host.switchToRpc().getContext<unknown>() instanceof JetStreamContext) {
        // Logged here, inside the message's span, as Nest would log it; the transport then logs how it settled.
        if (!(exception instanceof IntrinsicException)) this.rpcLogger.error(exception);
        return throwError(() => exception);
      }
      return this.rpcDefault.catch(exception, host) as Observable<never>;
    }
    return super.catch(exception, host);
  }
}
