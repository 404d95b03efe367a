import { Writable } from 'node:stream';

import { Controller, Get, Logger as NestLogger, Module, Post, ServiceUnavailableException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Logger, LoggerModule } from 'nestjs-pino';

import { configureHttpErrors } from './http';
import { buildPinoHttpOptions } from './logger.options';
import { QuietBootLogger } from './quiet-boot.logger';

@Controller()
class ProbeController {
  @Post('fine')
  fine(): { ok: true } {
    return { ok: true };
  }

  @Get('down')
  down(): never {
    throw new ServiceUnavailableException('the database is unreachable');
  }

  @Get('boom')
  boom(): never {
    throw new Error('the database driver threw something unexpected');
  }
}

// Log lines as parsed JSON, asserted field by field.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed JSON log line; each assertion states its shape
type Line = Record<string, any>;

/** An app with the services' real logger options, its log lines captured instead of written to stdout. */
async function appLogging(level: 'info' | 'debug', lines: Line[]): Promise<{ app: NestFastifyApplication; url: string; logger: QuietBootLogger }> {
  const params = buildPinoHttpOptions('probe-service', level, 'json');
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString().split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Line);
      done();
    },
  });
  @Module({ imports: [LoggerModule.forRoot({ ...params, pinoHttp: [params.pinoHttp as object, sink] })], controllers: [ProbeController] })
  class ProbeModule {}
  const app = await NestFactory.create<NestFastifyApplication>(ProbeModule, new FastifyAdapter(), { bufferLogs: true });
  const logger = new QuietBootLogger(app.get(Logger));
  app.useLogger(logger);
  configureHttpErrors(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  logger.booted();
  const address = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${address.port}`, logger };
}

const settle = () => new Promise((r) => setTimeout(r, 100));

// One app for the file: nestjs-pino keeps its root logger in a module-level variable, so a second app in the same
// module registry would log to the first one's sink.
describe('service log lines', () => {
  const lines: Line[] = [];
  let app: NestFastifyApplication;
  let url: string;

  beforeAll(async () => {
    ({ app, url } = await appLogging('info', lines));
  });

  afterAll(async () => {
    await app?.close();
  });

  it('a request line names method, URL, status and time, without the request or response headers', async () => {
    await fetch(`${url}/fine`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer secret', 'x-tenant': 't-1' },
      body: '{}',
    });
    await settle();
    const request = lines.find((line) => line.req?.url === '/fine');
    expect(request).toMatchObject({
      level: 30,
      service: 'probe-service',
      req: { method: 'POST', url: '/fine' },
      res: { statusCode: 201 },
      responseTime: expect.any(Number),
    });
    expect(request!.req.headers).toBeUndefined();
    expect(request!.res.headers).toBeUndefined();
    expect(JSON.stringify(request)).not.toContain('secret');
  });

  it('one 500 is one error entry, carrying the request and the stack', async () => {
    const response = await fetch(`${url}/boom`);
    expect(response.status).toBe(500);
    await settle();
    const errors = lines.filter((line) => line.level >= 50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ req: { method: 'GET', url: '/boom' }, res: { statusCode: 500 } });
    expect(errors[0].err.stack).toContain('the database driver threw something unexpected');
  });

  it('a 503 (a dependency down) is warnings naming the cause, without a stack', async () => {
    const before = lines.length;
    expect((await fetch(`${url}/down`)).status).toBe(503);
    await settle();
    const entries = lines.slice(before);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((line) => line.level === 40 && line.err === undefined)).toBe(true);
    expect(entries.some((line) => String(line.msg).includes('the database is unreachable'))).toBe(true);
  });

  it("Nest's boot lines are debug; the app's own lines after boot stay info", async () => {
    new NestLogger('Orders').log('order o-1 confirmed');
    await settle();
    expect(lines.filter((line) => ['InstanceLoader', 'RoutesResolver', 'RouterExplorer', 'NestApplication'].includes(line.context))).toEqual([]);
    expect(lines).toContainEqual(expect.objectContaining({ level: 30, context: 'Orders', msg: 'order o-1 confirmed' }));
  });
});
