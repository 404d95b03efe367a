/** Products seeded by the first start: `SKU-001`..`SKU-<count>` with `stock` units each. */
export interface ProductSeed {
  count: number;
  stock: number;
}

export function skuName(index: number): string {
  return `SKU-${String(index).padStart(3, '0')}`;
}

/**
 * inventory-service's schema changes, applied in order at start-up. Append only. The seed is a migration too, so
 * it runs once per database; changing INVENTORY_SEED_* later does not touch existing stock.
 */
export function inventoryMigrations(seed: ProductSeed) {
  const rows = Array.from({ length: seed.count }, (_, i) => `('${skuName(i + 1)}', ${seed.stock}, 0)`);
  return [
    {
      id: '0001_inventory',
      sql: `
        CREATE TABLE inventory.products (
          sku text PRIMARY KEY,
          available integer NOT NULL CHECK (available >= 0),
          reserved integer NOT NULL CHECK (reserved >= 0)
        );
        CREATE TABLE inventory.reservations (
          order_id uuid PRIMARY KEY,
          status text NOT NULL CHECK (status IN ('RESERVED', 'REJECTED', 'RELEASED', 'COMMITTED')),
          items jsonb NOT NULL,
          created_at timestamptz NOT NULL,
          updated_at timestamptz NOT NULL
        );
      `,
    },
    {
      id: '0002_seed_products',
      sql: rows.length ? `INSERT INTO inventory.products (sku, available, reserved) VALUES ${rows.join(', ')} ON CONFLICT DO NOTHING;` : 'SELECT 1;',
    },
  ];
}
