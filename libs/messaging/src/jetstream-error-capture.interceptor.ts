import { type CallHandler, type ExecutionContext, Injectable, type NestInterceptor } from '@nestjs/common';
import { catchError, type Observable, throwError } from 'rxjs';

import { JetStreamContext } from './jetstream.context';

/**
 * Nest's RPC layer turns a handler's exception into `{ status: 'error', message: 'Internal server error' }` before
 * the transport sees it (DESIGN.md pitfalls). This global interceptor (registered by `MessagingModule` as
 * `APP_INTERCEPTOR`) sits inside that layer, records the original exception on the `JetStreamContext` and rethrows,
 * so the transport can classify it (PermanentError -> DLQ) and put the real message in the DLQ headers.
 */
@Injectable()
export class JetStreamErrorCaptureInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'rpc') return next.handle();
    const rpcContext = context.switchToRpc().getContext<unknown>();
    if (!(rpcContext instanceof JetStreamContext)) return next.handle();
    return next.handle().pipe(
      catchError((error: unknown) => {
        rpcContext.captureError(error);
        return throwError(() => error);
      }),
    );
  }
}
