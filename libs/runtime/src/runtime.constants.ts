/** Injection token for the running service's name (`order-service`, ...). */
export const SERVICE_NAME = 'RUNTIME:SERVICE_NAME';

/** Largest accepted HTTP body; larger ones get 413. */
export const HTTP_BODY_LIMIT_BYTES = 64 * 1024;
