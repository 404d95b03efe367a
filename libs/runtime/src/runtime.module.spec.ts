import { Inject, Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Test } from '@nestjs/testing';

import { CommonEnv } from './common.env';
import { validateEnv } from './load-env';
import { APP_ENV } from './runtime.constants';
import { RuntimeModule } from './runtime.module';

class ProbeEnv extends CommonEnv {
  override PORT = 3999;
}

@Injectable()
class Reader {
  constructor(
    @Inject(APP_ENV) readonly env: ProbeEnv,
    readonly config: ConfigService<ProbeEnv, true>,
  ) {}
}

describe('RuntimeModule.forRoot', () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it('provides the environment validated at boot under APP_ENV and through ConfigService, without reading process.env again', async () => {
    const env = validateEnv(ProbeEnv, { NATS_MAX_DELIVER: '7' });
    process.env.NATS_MAX_DELIVER = '99'; // changed after validation: nothing may pick it up
    const moduleRef = await Test.createTestingModule({
      imports: [RuntimeModule.forRoot({ serviceName: 'probe-service', env })],
      providers: [Reader],
    }).compile();
    const reader = moduleRef.get(Reader);

    expect(reader.env).toBe(env);
    expect(reader.env.NATS_MAX_DELIVER).toBe(7);
    expect(reader.config.get('NATS_MAX_DELIVER', { infer: true })).toBe(7);
    expect(reader.config.get('PORT', { infer: true })).toBe(3999);
    await moduleRef.close();
  });
});
