import { CommonEnv } from '@app/runtime';

/** inventory-service's environment: the common variables with its own default port. */
export class InventoryServiceEnv extends CommonEnv {
  override PORT = 3001;
}
