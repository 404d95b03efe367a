import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { getMetadataStorage } from 'class-validator';

import { InventoryServiceEnv } from '../../apps/inventory-service/src/config/inventory.env';
import { NotificationServiceEnv } from '../../apps/notification-service/src/config/notification.env';
import { OrderServiceEnv } from '../../apps/order-service/src/config/order.env';
import { PaymentServiceEnv } from '../../apps/payment-service/src/config/payment.env';
import { REPO_ROOT } from '../support/stack';

/** Every variable a service validates at boot, from the class-validator metadata of its env class. */
function variablesOf(envClass: new () => object): string[] {
  const metadata = getMetadataStorage().getTargetValidationMetadatas(envClass, '', true, false);
  return [...new Set(metadata.map((m) => m.propertyName))].sort();
}

describe('.env.example', () => {
  const documented = new Set(
    readFileSync(join(REPO_ROOT, '.env.example'), 'utf8')
      .split('\n')
      .map((line) => /^#?\s*([A-Z][A-Z0-9_]*)=/.exec(line)?.[1])
      .filter((name): name is string => Boolean(name)),
  );

  it.each([
    ['order-service', OrderServiceEnv],
    ['inventory-service', InventoryServiceEnv],
    ['payment-service', PaymentServiceEnv],
    ['notification-service', NotificationServiceEnv],
  ] as const)('documents every variable %s reads', (_, envClass) => {
    const variables = variablesOf(envClass);
    expect(variables.length).toBeGreaterThan(10);
    expect(variables.filter((name) => !documented.has(name))).toEqual([]);
  });
});
