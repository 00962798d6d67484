import Fastify from 'fastify'

/**
 * The floor: the same Fastify as the product, no plugins, no logger, one POST route that answers 202
 * with an empty body. Fastify still parses the JSON body (its built-in parser), as any route would.
 * Run as a child process like the real server; prints `{"url": ...}` once listening.
 */
const app = Fastify({ logger: false })
app.post('/v1/telemetry', async (_request, reply) => reply.status(202).send())

const url = await app.listen({ host: '127.0.0.1', port: 0 })
process.stdout.write(`${JSON.stringify({ url, fastify: app.version })}\n`)
process.on('SIGTERM', () => {
  void app.close().then(() => process.exit(0))
})
