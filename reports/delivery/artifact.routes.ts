import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod'
import { z } from 'zod'
import type { Db } from '../../platform/clickhouse/db.ts'
import type { Clock } from '../../platform/clock.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { checkArtifactLink } from './artifact-link.ts'
import { findArtifact } from './artifact-store.ts'

const params = z.object({ id: z.uuid() })
const querystring = z.object({
  expires: z.coerce.number().int().min(0).describe('Unix seconds after which the link answers 410'),
  signature: z.string().max(100).describe('base64url HMAC-SHA256 of "<id>.<expires>"'),
})

/** Downloads of report files through expiring signed links: the link is the credential. Mounted under /v1/reports. */
export function artifactRoutes(db: Db, clock: Clock): FastifyPluginAsyncZod {
  return async (routes) => {
    routes.get(
      '/artifacts/:id',
      {
        schema: {
          tags: ['report schedules'],
          summary: 'Download a report file through its expiring link (no Authorization header)',
          params,
          querystring,
          response: { 200: z.any().describe('The file, with its content type and filename') },
        },
      },
      async (request, reply) => {
        const { id } = request.params
        const { expires, signature } = request.query
        const artifact = await findArtifact(db, id)
        const check = artifact
          ? checkArtifactLink(artifact.link_key, id, expires, signature, clock.now())
          : 'invalid'
        if (check === 'invalid' || !artifact)
          throw new AppError('forbidden', 'the download link is invalid, or its file no longer exists')
        if (check === 'expired') throw new AppError('link_expired')
        const filename = artifact.filename.replace(/["\\\r\n]/g, '_')
        return reply
          .header('content-type', artifact.content_type)
          .header('content-disposition', `attachment; filename="${filename}"`)
          .header('cache-control', 'private, no-store')
          .send(Buffer.from(artifact.data, 'base64'))
      },
    )
  }
}
