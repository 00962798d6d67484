import type { JsonSchema } from './schema-arbitrary.ts'

export interface Parameter {
  name: string
  in: 'path' | 'query' | 'header'
  required: boolean
  schema: JsonSchema
}

/** One method of one path in the OpenAPI document: what the fuzzer sends to. */
export interface Operation {
  /** `GET /v1/admin/reports/{reportId}`: the name findings and figures use. */
  id: string
  method: string
  path: string
  parameters: Parameter[]
  /** JSON Schema of the JSON body, when the document declares one. */
  body: JsonSchema | undefined
  security: 'secretKey' | 'operatorToken' | 'widget' | 'none'
}

interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>
}

interface OpenApiOperation {
  parameters?: Array<{ name: string; in: string; required?: boolean; schema?: JsonSchema }>
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> }
  security?: Array<Record<string, unknown>>
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete'])

/** Every route and method of the document, deletions last so the seeded objects live as long as possible. */
export function listOperations(document: OpenApiDocument): Operation[] {
  const operations: Operation[] = []
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      if (!METHODS.has(method)) continue
      const parameters = (operation.parameters ?? []).map((parameter) => ({
        name: parameter.name,
        in: parameter.in as Parameter['in'],
        required: parameter.required ?? false,
        schema: parameter.schema ?? {},
      }))
      operations.push({
        id: `${method.toUpperCase()} ${path}`,
        method: method.toUpperCase(),
        path,
        parameters,
        body: operation.requestBody?.content?.['application/json']?.schema,
        security: securityOf(operation, parameters),
      })
    }
  }
  const rank = (operation: Operation) => (operation.method === 'DELETE' ? 1 : 0)
  return operations.sort((a, b) => rank(a) - rank(b))
}

function securityOf(operation: OpenApiOperation, parameters: Parameter[]): Operation['security'] {
  const schemes = (operation.security ?? []).flatMap((entry) => Object.keys(entry))
  if (schemes.includes('operatorToken')) return 'operatorToken'
  if (schemes.includes('secretKey')) return 'secretKey'
  if (parameters.some((parameter) => parameter.name === 'publicKey')) return 'widget'
  return 'none'
}
