import { stat } from 'node:fs/promises'
import path from 'node:path'
import fastifyStatic from '@fastify/static'
import type { FastifyPluginAsync, FastifyReply } from 'fastify'

export interface AdminUiOptions {
  /** The built single-page app (`npm run build:admin` writes dashboards/web/dist). */
  distDir: string
}

// Scripts and styles come only from this server; ECharts and CodeMirror set inline styles.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ')

/** Serves the admin panel at /admin: hashed assets cached for a year, every other path the app's index. */
export function adminUiRoutes({ distDir }: AdminUiOptions): FastifyPluginAsync {
  const root = path.resolve(distDir)
  return async (routes) => {
    await routes.register(fastifyStatic, { root, serve: false })

    const sendIndex = async (reply: FastifyReply) => {
      if (!(await isFile(path.join(root, 'index.html')))) {
        return reply
          .status(503)
          .type('text/plain; charset=utf-8')
          .send('The admin panel is not built: run `npm run build:admin` (npm start and npm test build it).')
      }
      return reply
        .header('content-security-policy', CONTENT_SECURITY_POLICY)
        .header('cache-control', 'no-cache')
        .header('x-frame-options', 'DENY')
        .header('referrer-policy', 'same-origin')
        .sendFile('index.html', root)
    }

    routes.get('/admin', { schema: { hide: true } }, (_request, reply) => reply.redirect('/admin/'))
    routes.get<{ Params: { '*': string } }>(
      '/admin/*',
      { schema: { hide: true } },
      async (request, reply) => {
        const wanted = request.params['*'] ?? ''
        if (wanted.startsWith('assets/')) {
          const file = path.resolve(root, wanted)
          if (file.startsWith(`${root}${path.sep}`) && (await isFile(file))) {
            return reply
              .header('cache-control', 'public, max-age=31536000, immutable')
              .sendFile(path.relative(root, file), root)
          }
          return reply.status(404).type('text/plain; charset=utf-8').send('no such asset')
        }
        return sendIndex(reply)
      },
    )
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile()
  } catch {
    return false
  }
}
