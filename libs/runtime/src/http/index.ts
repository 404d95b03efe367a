import type { NestFastifyApplication } from '@nestjs/platform-fastify';

import { HTTP_BODY_LIMIT_BYTES } from '../runtime.constants';
import { parseJsonBody } from './json-body.parser';
import { ProblemDetailsFilter } from './problem-details';

export { BodyParseError, parseJsonBody } from './json-body.parser';
export { ApiProblems, Problem, serveOpenApi } from './problem.openapi';
export { answerFrameworkError, isDatabaseOutage, type ProblemDetails, ProblemDetailsFilter, sendProblem, toProblem } from './problem-details';

/**
 * What every app's HTTP side shares: RFC 9457 problem documents for every error (unknown routes, wrong methods,
 * Fastify's own errors) and a JSON body parser whose errors say what is wrong.
 */
export function configureHttpErrors(app: NestFastifyApplication): void {
  app.useBodyParser('application/json', { bodyLimit: HTTP_BODY_LIMIT_BYTES }, (_request, body, done) => {
    try {
      done(null, parseJsonBody(body));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
  app.useGlobalFilters(new ProblemDetailsFilter());
}
