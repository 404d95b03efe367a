/**
 * A minimal OTLP/HTTP receiver for end-to-end tests: accepts `POST /v1/traces` in the JSON encoding
 * (`OTEL_EXPORTER_OTLP_PROTOCOL=http/json`) and keeps every span, flattened; `/v1/metrics` and `/v1/logs` are
 * answered 200 and dropped. Anything it cannot parse is answered 400 and remembered, so a test can tell "nothing
 * arrived" from "something arrived that we could not read".
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, inflateSync } from 'node:zlib';

import type { Json } from '../../support/json';

/** OTLP span kinds (the enum of the protocol, which starts at 1 for INTERNAL). */
export const OtlpSpanKind = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;

/** One span as exported, with the resource and scope it came from. */
export interface ExportedSpan {
  /** `service.name` of the exporting resource. */
  service: string;
  scope: string;
  traceId: string;
  spanId: string;
  /** Undefined for a root span. */
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  links: { traceId: string; spanId: string }[];
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code: number; message?: string };
  startNs: bigint;
  endNs: bigint;
}

export interface OtlpReceiver {
  /** `http://127.0.0.1:<port>`, the value for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  endpoint: string;
  /** Every span received so far, in arrival order. */
  spans(): ExportedSpan[];
  /** Requests that could not be read (wrong encoding, bad JSON), for failure messages. */
  rejected(): string[];
  close(): Promise<void>;
}

type OtlpAnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: number | string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
};
type OtlpKeyValue = { key: string; value?: OtlpAnyValue };

function anyValue(value: OtlpAnyValue | undefined): unknown {
  if (!value) return undefined;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  // proto3 JSON writes 64-bit integers as strings; the JS exporter writes numbers. Both read as numbers here.
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return value.doubleValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(anyValue);
  if (value.kvlistValue) return attributes(value.kvlistValue.values);
  return undefined;
}

function attributes(list: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const { key, value } of list ?? []) result[key] = anyValue(value);
  return result;
}

/** Ids are hex in the OTLP JSON encoding (the spec's one deviation from proto3 JSON); accept base64 too. */
function hexId(id: string | undefined): string | undefined {
  if (!id) return undefined;
  if (/^[0-9a-f]+$/i.test(id)) return id.toLowerCase();
  return Buffer.from(id, 'base64').toString('hex');
}

/** Flattens an `ExportTraceServiceRequest` in the JSON encoding. */
export function flattenTraceRequest(body: unknown): ExportedSpan[] {
  const result: ExportedSpan[] = [];
  const request = body as { resourceSpans?: Json[] };
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributes(resourceSpans.resource?.attributes);
    for (const scopeSpans of resourceSpans.scopeSpans ?? []) {
      for (const span of scopeSpans.spans ?? []) {
        const parentSpanId = hexId(span.parentSpanId);
        result.push({
          service: String(resource['service.name']),
          scope: scopeSpans.scope?.name ?? '',
          traceId: hexId(span.traceId)!,
          spanId: hexId(span.spanId)!,
          ...(parentSpanId ? { parentSpanId } : {}),
          name: span.name,
          kind: Number(span.kind),
          attributes: attributes(span.attributes),
          links: (span.links ?? []).map((link: { traceId: string; spanId: string }) => ({
            traceId: hexId(link.traceId)!,
            spanId: hexId(link.spanId)!,
          })),
          events: (span.events ?? []).map((event: { name: string; attributes?: OtlpKeyValue[] }) => ({
            name: event.name,
            attributes: attributes(event.attributes),
          })),
          status: { code: Number(span.status?.code ?? 0), ...(span.status?.message ? { message: span.status.message } : {}) },
          startNs: BigInt(span.startTimeUnixNano ?? 0),
          endNs: BigInt(span.endTimeUnixNano ?? 0),
        });
      }
    }
  }
  return result;
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function decode(raw: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return gunzipSync(raw);
  if (encoding === 'deflate') return inflateSync(raw);
  return raw;
}

/** Starts the receiver on a free port of 127.0.0.1. */
export async function startOtlpReceiver(): Promise<OtlpReceiver> {
  const spans: ExportedSpan[] = [];
  const rejected: string[] = [];

  const server: Server = createServer((request, response) => {
    const answer = (status: number, body = '{}') => {
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(body);
    };
    readBody(request)
      .then((raw) => {
        if (request.method !== 'POST') return answer(405);
        if (request.url === '/v1/metrics' || request.url === '/v1/logs') return answer(200);
        if (request.url !== '/v1/traces') return answer(404);
        const type = request.headers['content-type'] ?? '';
        if (!type.startsWith('application/json')) {
          rejected.push(`${request.url}: content-type ${type} (expected application/json: is OTEL_EXPORTER_OTLP_PROTOCOL http/json?)`);
          return answer(415);
        }
        try {
          spans.push(...flattenTraceRequest(JSON.parse(decode(raw, request.headers['content-encoding']).toString('utf8'))));
        } catch (error) {
          rejected.push(`${request.url}: ${(error as Error).message}`);
          return answer(400);
        }
        // An empty ExportTraceServiceResponse: everything accepted.
        return answer(200);
      })
      .catch((error: unknown) => {
        rejected.push(String(error));
        answer(500);
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    spans: () => [...spans],
    rejected: () => [...rejected],
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
