import { freePort, type ServiceProcess, SERVICES, startService, waitForHttp } from '../support/stack';

describe.each(SERVICES.map((s) => s.name))('%s', (name) => {
  let service: ServiceProcess | undefined;

  afterEach(async () => {
    await service?.stop('SIGKILL');
    service = undefined;
  });

  it('boots from its bundle, answers /health/live with 200, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    service = startService(name, { PORT: String(port), LOG_LEVEL: 'warn' });
    await waitForHttp(`http://127.0.0.1:${port}/health/live`, { timeoutMs: 60_000 });
    const body = await (await fetch(`http://127.0.0.1:${port}/health/live`)).json();
    expect(body).toMatchObject({ status: 'ok' });
    expect(await service.stop('SIGTERM')).toBe(0);
  }, 90_000);
});
