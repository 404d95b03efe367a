import 'reflect-metadata';

import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Constructor<T = object> = new (...args: any[]) => T;

/**
 * Default budget per caller: 30,000 requests a minute (500/s) is far above what one person or script sends by hand,
 * and leaves `npm run load -- --rate max` with a single token (about 150 POSTs/s plus polling on two cores) unthrottled.
 */
export const DEFAULT_RATE_LIMIT = Object.freeze({ max: 30_000, windowMs: 60_000 });

/** The edge variables as a plain shape. */
export interface HttpEdgeEnvVars {
  HTTP_RATE_LIMIT_MAX: number;
  HTTP_RATE_LIMIT_WINDOW_MS: number;
  HTTP_CORS_ORIGINS?: string;
}

/** Adds the API edge's variables (rate limiting, CORS) to an app's env schema. */
export function WithHttpEdgeEnv<TBase extends Constructor>(Base: TBase) {
  class HttpEdgeEnvMixin extends Base implements HttpEdgeEnvVars {
    /** Requests one caller (token subject, else client address) may send per window; the next ones get 429. */
    @Type(() => Number)
    @IsInt({ message: 'must be an integer between 1 and 10000000' })
    @Min(1, { message: 'must be an integer between 1 and 10000000' })
    @Max(10_000_000, { message: 'must be an integer between 1 and 10000000' })
    HTTP_RATE_LIMIT_MAX: number = DEFAULT_RATE_LIMIT.max;

    /** Length of the rate-limit window. */
    @Type(() => Number)
    @IsInt({ message: 'must be a whole number of milliseconds >= 1000' })
    @Min(1000, { message: 'must be a whole number of milliseconds >= 1000' })
    HTTP_RATE_LIMIT_WINDOW_MS: number = DEFAULT_RATE_LIMIT.windowMs;

    /** Comma-separated origins allowed to call the API from a browser; unset: no CORS headers at all. */
    @IsOptional()
    @IsString()
    @Matches(/^https?:\/\/[^\s,/]+(\s*,\s*https?:\/\/[^\s,/]+)*$/, {
      message: 'must be a comma-separated list of origins such as https://shop.example.com',
    })
    HTTP_CORS_ORIGINS?: string;
  }
  return HttpEdgeEnvMixin;
}
