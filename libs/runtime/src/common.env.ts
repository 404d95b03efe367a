import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';

import { IsNatsServerList, IsPostgresUrl } from './env.validators';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Variables every service reads. Each app extends this class with its own; `.env.example` documents them all.
 * Values arrive as strings from the environment and are converted explicitly (`@Type`), so `PORT=abc` is an error,
 * never a silent NaN.
 */
export class CommonEnv {
  /** HTTP port (health, metrics, and the API on order-service). The default differs per app. */
  @Type(() => Number)
  @IsInt({ message: 'must be an integer between 1 and 65535' })
  @Min(1, { message: 'must be an integer between 1 and 65535' })
  @Max(65535, { message: 'must be an integer between 1 and 65535' })
  PORT!: number;

  /** Comma-separated NATS server URLs. */
  @IsNatsServerList()
  NATS_URL: string = 'nats://127.0.0.1:4222';

  @IsIn(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevel = 'info';

  /** PostgreSQL connection string; unset selects the embedded database under DATA_DIR. */
  @IsOptional()
  @IsPostgresUrl()
  DATABASE_URL?: string;

  /** Where embedded data (PGlite, a NATS store started by `npm start`) lives. */
  @IsString()
  @MinLength(1, { message: 'must not be empty' })
  DATA_DIR: string = '.data';
}
