import packageJson from '../../package.json';
import type { Operation } from '../http/operation';
import { batchPathItems } from './batch';
import { sortKeys } from './json';
import { pathItems } from './operations';
import { errorResponses } from './responses';
import { Components, ERROR_SCHEMA, odataError } from './schemas';
import { securitySchemes } from './security';

/*
 * The OpenAPI 3.1 description of the service, generated from the operation descriptors: one path
 * item per registered route, one operation per registration. Every body schema is converted from the
 * zod schema the pipeline validates with, security comes from the permission table `authorize`
 * enforces, and nothing here is written per operation, so a new descriptor is documented by
 * regenerating. `npm run openapi` writes the document to openapi.json.
 */

/**
 * The whole document for the operations it is given (the caller passes them: shared/ does not import
 * functions/). Deterministic:
 * the same descriptors always give the same JSON, key order included.
 */
export function buildOpenApiDocument(operations: readonly Operation[]): Record<string, unknown> {
  const components = new Components();
  components.add(ERROR_SCHEMA, odataError, 'output');
  const paths = sortKeys({ ...pathItems(operations, components), ...batchPathItems() });
  return {
    openapi: '3.1.0',
    info: {
      title: packageJson.name,
      version: packageJson.version,
      description: packageJson.description,
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    servers: [
      {
        url: '{origin}',
        description: 'A deployment (paths carry the version segment, e.g. /beta)',
        variables: {
          origin: {
            default: 'http://127.0.0.1:7071',
            description: 'The origin of the deployment, e.g. https://<app>.azurewebsites.net (default: npm start)',
          },
        },
      },
    ],
    paths,
    components: {
      schemas: components.all(),
      responses: errorResponses(),
      securitySchemes: securitySchemes(operations),
    },
  };
}
