import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks'
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'

interface RequestContext {
  requestId: string
}

// One storage for the process: it holds no state of its own (each request brings its store), and the
// process guard must read the request of whatever async work failed, whichever server started it.
const storage = new AsyncLocalStorage<RequestContext>()
const scope = Symbol('comerix.requestScope')

/** The id of the request whose async work is running now, if any. */
export function currentRequestId(): string | undefined {
  return storage.getStore()?.requestId
}

/**
 * onRequest hook: runs the request's hooks, handler and everything they start inside a context holding
 * its id. The body arrives through stream events emitted in the connection's context, so the part from
 * preValidation on re-enters through the request's own async resource (see reenterRequestContext).
 */
export function enterRequestContext(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  storage.run({ requestId: request.id }, () => {
    const resource = new AsyncResource('comerix.request')
    const slots = request as unknown as Record<symbol, AsyncResource>
    slots[scope] = resource
    resource.runInAsyncScope(done)
  })
}

/** preValidation hook: back into the request's context after its body was read. */
export function reenterRequestContext(
  request: FastifyRequest,
  _reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  const resource = (request as unknown as Record<symbol, AsyncResource | undefined>)[scope]
  if (resource) resource.runInAsyncScope(done)
  else done()
}
