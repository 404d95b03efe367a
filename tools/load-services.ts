/** What `npm run load` reads from the services besides the orders API: their CPU time and the stock levels. */

export const SERVICE_NAMES = ['order-service', 'inventory-service', 'payment-service', 'notification-service'] as const;

/** The default layout of `npm start`: order-service on the --url port, the other three on the next ports. */
export function neighbourPorts(orderUrl: string): string[] {
  const base = new URL(orderUrl);
  const port = Number(base.port || (base.protocol === 'https:' ? 443 : 80));
  return SERVICE_NAMES.map((_, i) => `${base.protocol}//${base.hostname}:${port + i}`);
}

/**
 * CPU seconds the service has used (user + system), from its `process_cpu_time_total` series on /metrics;
 * undefined when it cannot be read (telemetry off, another layout).
 */
export async function cpuSeconds(serviceUrl: string): Promise<number | undefined> {
  try {
    const response = await fetch(`${serviceUrl}/metrics`, { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return undefined;
    let total: number | undefined;
    for (const line of (await response.text()).split('\n')) {
      if (!line.startsWith('process_cpu_time_total')) continue;
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (Number.isFinite(value)) total = (total ?? 0) + value;
    }
    return total;
  } catch {
    return undefined;
  }
}

export async function cpuSnapshot(services: string[]): Promise<(number | undefined)[]> {
  return Promise.all(services.map(cpuSeconds));
}

/** One line per service: cores used over the run and CPU milliseconds per accepted order. */
export function cpuShareLines(before: (number | undefined)[], after: (number | undefined)[], seconds: number, orders: number): string[] {
  return SERVICE_NAMES.map((name, i) => {
    const start = before[i];
    const end = after[i];
    if (start === undefined || end === undefined) return `  ${name.padEnd(21)} n/a (no process_cpu_time_total on /metrics)`;
    const used = end - start;
    const perOrder = orders > 0 ? ((used * 1000) / orders).toFixed(1) : '-';
    return `  ${name.padEnd(21)} ${(used / seconds).toFixed(2)} cores  ${perOrder} ms CPU per accepted order`;
  });
}

/**
 * Units available over the SKUs the load orders, or undefined when inventory-service cannot be asked. A run that
 * orders more than this mostly measures OUT_OF_STOCK rejections.
 */
export async function availableUnits(inventoryUrl: string, skus: string[]): Promise<number | undefined> {
  try {
    let total = 0;
    for (const sku of skus) {
      const response = await fetch(`${inventoryUrl}/inventory/${sku}`, { signal: AbortSignal.timeout(2000) });
      if (!response.ok) return undefined;
      total += ((await response.json()) as { available: number }).available;
    }
    return total;
  } catch {
    return undefined;
  }
}
