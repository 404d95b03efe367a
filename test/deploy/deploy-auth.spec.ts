/**
 * order-service refuses to start without authentication configured (issue 14), so every deployment file must
 * configure it: checked statically, with the app's own validation and its boot-time check.
 */
import { join } from 'node:path';

import { validateEnv } from '@app/runtime';

import { authConfigFromEnv } from '../../apps/order-service/src/auth/auth.config';
import { OrderServiceEnv } from '../../apps/order-service/src/config/order.env';
import { composeEnvironment, type Doc, DOCKER_DIR, K8S_DIR, readYaml, readYamlDocuments } from './manifests';

describe('order-service is deployed with authentication', () => {
  it('docker/compose.yaml configures a key, mounted read-only at the path it names', () => {
    const service = (readYaml(join(DOCKER_DIR, 'compose.yaml')).services as Record<string, Doc>)['order-service'];
    const env = validateEnv(OrderServiceEnv, composeEnvironment(service.environment));
    expect(() => authConfigFromEnv(env)).not.toThrow();
    const mount = ((service.volumes ?? []) as Doc[]).find((volume) => volume.target === env.AUTH_JWT_PUBLIC_KEY_FILE);
    expect(mount).toMatchObject({ type: 'bind', read_only: true });
  });

  it('docker/k8s configures a JWKS URL, issuer and audience on the order-service container, never AUTH_DISABLED', () => {
    const deployment = readYamlDocuments(join(K8S_DIR, 'order-service.yaml')).find((object) => object.kind === 'Deployment')!;
    const container = (deployment.spec.template.spec.containers as Doc[]).find((c) => c.name === 'order-service')!;
    const env = Object.fromEntries(
      ((container.env ?? []) as Doc[]).filter((e) => e.value !== undefined).map((e) => [e.name as string, String(e.value)]),
    );
    expect(authConfigFromEnv(validateEnv(OrderServiceEnv, env))).toMatchObject({ mode: 'jwt', source: { kind: 'jwks' } });
    expect(env.AUTH_DISABLED).toBeUndefined();
  });
});
