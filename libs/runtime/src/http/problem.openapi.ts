import { applyDecorators } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiExtraModels, ApiProperty, ApiPropertyOptional, ApiResponse, DocumentBuilder, getSchemaPath, SwaggerModule } from '@nestjs/swagger';

import { packageVersion } from '../load-env';

class FieldProblem {
  @ApiProperty({ example: 'items[0].quantity' })
  field!: string;

  @ApiProperty({ example: 'quantity must be an integer from 1 to 1000' })
  message!: string;
}

/** RFC 9457 problem details, as every error of the API is sent (`application/problem+json`). */
export class Problem {
  @ApiProperty({ example: 'about:blank' })
  type!: string;

  @ApiProperty({ example: 'Bad Request' })
  title!: string;

  @ApiProperty({ type: 'integer', example: 400 })
  status!: number;

  @ApiPropertyOptional({ example: 'The request is invalid: 1 field failed validation.' })
  detail?: string;

  @ApiPropertyOptional({ example: '/orders' })
  instance?: string;

  @ApiPropertyOptional({ type: [FieldProblem], description: 'Each failing field of a 400, one message each' })
  errors?: FieldProblem[];
}

/** What each error status means, unless an operation says more. */
const DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or a failing field (each listed in `errors`)',
  401: 'No valid bearer token (see `WWW-Authenticate`)',
  403: 'The token does not allow this',
  404: 'Not found',
  405: 'The path exists but not with this method (see `Allow`)',
  413: 'Body over 64 KiB',
  415: 'Body not sent as application/json',
  422: 'Understood but refused',
  429: 'Too many requests; retry after `Retry-After` seconds',
  503: 'A dependency (the database) is unavailable; retry after `Retry-After` seconds',
};

/**
 * Documents the error answers of an operation as `application/problem+json` documents. Each entry is a status, or
 * a status with the operation's own description (`[404, 'No such order']`).
 */
export function ApiProblems(...responses: (number | [number, string])[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiExtraModels(Problem),
    ...responses.map((entry) => {
      const [status, description] = Array.isArray(entry) ? entry : [entry, DESCRIPTIONS[entry] ?? 'Error'];
      return ApiResponse({ status, description, content: { 'application/problem+json': { schema: { $ref: getSchemaPath(Problem) } } } });
    }),
  );
}

/** A bearer (JWT) security scheme for the document; operations name it with `@ApiSecurity(name, scopes)`. */
export interface BearerScheme {
  name: string;
  description: string;
}

/**
 * Serves the app's OpenAPI document at `/docs-json` and Swagger UI at `/docs`, with a bearer security scheme when
 * the API has one. Both are open: the document describes how to authenticate, so it cannot require it.
 */
export function serveOpenApi(app: NestFastifyApplication, info: { title: string; description: string; bearer?: BearerScheme }): void {
  const builder = new DocumentBuilder().setTitle(info.title).setDescription(info.description).setVersion(packageVersion());
  if (info.bearer)
    builder.addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: info.bearer.description }, info.bearer.name);
  const document = SwaggerModule.createDocument(app, builder.build(), { extraModels: [Problem] });
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
