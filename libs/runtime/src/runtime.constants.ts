/** Injection token for the running service's name (`order-service`, ...). */
export const SERVICE_NAME = 'RUNTIME:SERVICE_NAME';
