/** Per-consumer health and load figures. */
export interface ConsumerRuntimeStats {
  durable: string;
  subject: string;
  stream?: string;
  running: boolean;
  inFlight: number;
  maxInFlight: number;
  acked: number;
  naked: number;
  deadLettered: number;
}
