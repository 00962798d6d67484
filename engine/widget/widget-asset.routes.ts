import { readFile } from 'node:fs/promises'
import type { FastifyPluginAsync } from 'fastify'
import { AppError } from '../../platform/errors/catalog.ts'
import { entityTag } from '../public/render-edge-documents.ts'
import { matchesIfNoneMatch } from '../public/send-edge-entry.ts'

/** Where `npm run build:widget` writes the bundle (gitignored; `npm start` and `npm test` build it first). */
export const WIDGET_BUNDLE = new URL('./dist/widget.js', import.meta.url)

/**
 * `GET /widget.js`: the reference widget, embedded with
 * `<script src="https://api.example/widget.js" data-key="pk_..."></script>`. Read once per process.
 */
export function widgetAssetRoutes(): FastifyPluginAsync {
  let bundle: Promise<{ body: string; etag: string }> | undefined
  const load = () => {
    bundle ??= readFile(WIDGET_BUNDLE, 'utf8').then(
      (body) => ({ body, etag: entityTag(body) }),
      (error: NodeJS.ErrnoException) => {
        bundle = undefined
        if (error.code === 'ENOENT')
          throw new AppError('not_found', 'the widget is not built: run npm run build:widget')
        throw error
      },
    )
    return bundle
  }
  return async (routes) => {
    routes.get('/widget.js', { schema: { hide: true } }, async (request, reply) => {
      const { body, etag } = await load()
      void reply.headers({
        etag,
        'cache-control': 'public, max-age=300, stale-while-revalidate=3600',
        'x-content-type-options': 'nosniff',
      })
      if (matchesIfNoneMatch(request.headers['if-none-match'], etag)) return reply.status(304).send()
      return reply.type('text/javascript; charset=utf-8').send(body)
    })
  }
}
