import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { ZodTypeProvider } from 'fastify-type-provider-zod'
import { z } from 'zod'
import { principalOf } from './auth.ts'

type Routes = FastifyInstance<
  FastifyInstance['server'],
  FastifyRequest['raw'],
  FastifyReply['raw'],
  FastifyInstance['log'],
  ZodTypeProvider
>

/** One operation of a collection: what OpenAPI says of it and the service call behind it. */
interface Operation<Run> {
  summary: string
  run: Run
}

/**
 * A tenant's collection of one kind of resource (connections, goals, reports, keys, ...) under a secret
 * key: `POST path` creates (201), `GET path` lists (`{ [listKey]: [...] }`), `GET path/:id` reads, `PUT` or
 * `PATCH path/:id` changes, `DELETE path/:id` removes (204). The tenant always comes from the credential.
 * Only the operations given are registered; routes a resource has beyond these stay in its own plugin.
 */
export interface CollectionSpec<Item, Create, Update> {
  path: `/${string}`
  id: { name: string; schema: z.ZodType<string> }
  tags: string[]
  item: z.ZodType<Item>
  listKey: string
  create?: Operation<(tenantId: string, body: Create) => Promise<Item>> & {
    body: z.ZodType<Create>
    /** What a created item is answered as, when it shows more than a listed one (a new key's value). */
    response?: z.ZodType<Item>
  }
  list?: Operation<(tenantId: string) => Promise<Item[]>>
  get?: Operation<(tenantId: string, id: string) => Promise<Item>>
  update?: Operation<(tenantId: string, id: string, body: Update) => Promise<Item>> & {
    body: z.ZodType<Update>
    method?: 'PUT' | 'PATCH'
  }
  remove?: Operation<(tenantId: string, id: string) => Promise<void>>
}

const security = [{ secretKey: [] }]

export function collectionRoutes<Item, Create = never, Update = never>(
  routes: Routes,
  spec: CollectionSpec<Item, Create, Update>,
): void {
  const { path, tags, item } = spec
  const one = `${path}/:${spec.id.name}`
  const params = z.object({ [spec.id.name]: spec.id.schema })
  const tenantOf = (request: FastifyRequest) => principalOf(request).tenantId
  const idOf = (request: FastifyRequest) => (request.params as Record<string, string>)[spec.id.name] as string
  const schema = (summary: string, parts: object) => ({ schema: { tags, summary, security, ...parts } })

  const { create, list, get, update, remove } = spec
  if (create) {
    routes.post(
      path,
      schema(create.summary, { body: create.body, response: { 201: create.response ?? item } }),
      async (request, reply) =>
        reply.status(201).send(await create.run(tenantOf(request), request.body as Create)),
    )
  }
  if (list) {
    const response = { 200: z.object({ [spec.listKey]: z.array(item) }) }
    routes.get(path, schema(list.summary, { response }), async (request) => ({
      [spec.listKey]: await list.run(tenantOf(request)),
    }))
  }
  if (get) {
    routes.get(one, schema(get.summary, { params, response: { 200: item } }), (request) =>
      get.run(tenantOf(request), idOf(request)),
    )
  }
  if (update) {
    routes.route({
      method: update.method ?? 'PUT',
      url: one,
      ...schema(update.summary, { params, body: update.body, response: { 200: item } }),
      handler: (request) => update.run(tenantOf(request), idOf(request), request.body as Update),
    })
  }
  if (remove) {
    routes.delete(one, schema(remove.summary, { params }), async (request, reply) => {
      await remove.run(tenantOf(request), idOf(request))
      return reply.status(204).send()
    })
  }
}
