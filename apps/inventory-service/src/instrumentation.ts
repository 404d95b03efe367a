// First import of main.ts: runs before any framework module is loaded, so instrumentation can patch them.
import { existsSync } from 'node:fs';

import { startTelemetry } from '@app/telemetry/sdk';

if (existsSync('.env')) process.loadEnvFile('.env');
startTelemetry({ serviceName: 'inventory-service' });
