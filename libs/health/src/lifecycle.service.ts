import { Injectable } from '@nestjs/common';

/**
 * Process-wide lifecycle state. `beginShutdown()` is called the moment SIGTERM arrives, before anything closes,
 * so readiness can turn 503 at once while in-flight work finishes.
 */
@Injectable()
export class LifecycleService {
  private shuttingDown = false;

  beginShutdown(): void {
    this.shuttingDown = true;
  }

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }
}
