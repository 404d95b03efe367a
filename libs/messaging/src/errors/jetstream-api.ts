import { ErrorCode } from 'nats';

/** JetStream API "not found" (stream, consumer or stored message) or a 404. */
export function isNotFound(error: unknown): boolean {
  const e = error as { api_error?: { code?: number; err_code?: number }; message?: string };
  if (e?.api_error?.code === 404) return true;
  // 10059 stream, 10014 consumer, 10037 message (a DLQ sequence that was purged).
  if ([10059, 10014, 10037].includes(e?.api_error?.err_code ?? 0)) return true;
  return typeof e?.message === 'string' && /not found|no message found/i.test(e.message);
}

/** The server refused a request for this NATS user's permissions (`-ERR 'Permissions Violation for Publish to ...'`). */
export function isPermissionDenied(error: unknown): boolean {
  return (error as { code?: string })?.code === ErrorCode.PermissionsViolation;
}
