/** The scopes of the orders API, as they appear in a token's space-separated `scope` claim. */
export const Scope = Object.freeze({
  /** Place orders for oneself (the token's subject). */
  Write: 'orders:write',
  /** Read one's own orders. */
  Read: 'orders:read',
  /** Read and list every customer's orders. */
  Admin: 'orders:admin',
});
export type Scope = (typeof Scope)[keyof typeof Scope];

/** What the API knows about the caller of a request. */
export interface Principal {
  /** The token's `sub`: the customer the caller acts as. Undefined only with AUTH_DISABLED=true. */
  subject?: string;
  scopes: ReadonlySet<string>;
  /** AUTH_DISABLED=true: every scope, no customer restriction. */
  unrestricted: boolean;
}

/** The caller with AUTH_DISABLED=true: may do anything, as any customer. */
export const UNRESTRICTED: Principal = Object.freeze({ subject: undefined, scopes: new Set<string>(Object.values(Scope)), unrestricted: true });

/** True when the caller may see every customer's orders. */
export function seesEveryCustomer(principal: Principal): boolean {
  return principal.unrestricted || principal.scopes.has(Scope.Admin);
}

/** The customer whose orders the caller is confined to, or undefined when it sees all of them. */
export function confinedTo(principal: Principal): string | undefined {
  return seesEveryCustomer(principal) ? undefined : principal.subject;
}
