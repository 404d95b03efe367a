/**
 * Machine-readable reasons carried beside a human message. Values are wire contracts: add, never rename.
 */
export const OrderCancellationReason = {
  OutOfStock: 'OUT_OF_STOCK',
  UnknownSku: 'UNKNOWN_SKU',
  PaymentDeclined: 'PAYMENT_DECLINED',
  PaymentUnavailable: 'PAYMENT_UNAVAILABLE',
} as const;
export type OrderCancellationReason = (typeof OrderCancellationReason)[keyof typeof OrderCancellationReason];

/** Why inventory could not reserve an order. */
export const InventoryRejectionReason = {
  UnknownSku: 'UNKNOWN_SKU',
  OutOfStock: 'OUT_OF_STOCK',
} as const;
export type InventoryRejectionReason = (typeof InventoryRejectionReason)[keyof typeof InventoryRejectionReason];

/** Why a payment failed: the gateway declined it, or stayed unavailable through every retry. */
export const PaymentFailureReason = {
  Declined: 'DECLINED',
  Unavailable: 'UNAVAILABLE',
} as const;
export type PaymentFailureReason = (typeof PaymentFailureReason)[keyof typeof PaymentFailureReason];

/** Channels a notification can go out on. */
export const NotificationChannel = {
  Email: 'email',
} as const;
export type NotificationChannel = (typeof NotificationChannel)[keyof typeof NotificationChannel];
