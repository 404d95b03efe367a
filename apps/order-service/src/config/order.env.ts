import { WithResilienceEnv } from '@app/resilience';
import { CommonEnv } from '@app/runtime';

import { WithAuthEnv } from '../auth/auth.env';
import { WithHttpEdgeEnv } from '../common/http-edge.env';

/** order-service's environment: the common variables, bearer authentication, the API edge, its own default port. */
export class OrderServiceEnv extends WithHttpEdgeEnv(WithAuthEnv(WithResilienceEnv(CommonEnv))) {
  override PORT = 3000;
}
