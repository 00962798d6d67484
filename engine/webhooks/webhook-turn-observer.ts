import type { FlowService } from '../flows/flow-service.ts'
import type { TurnChange, TurnObserver } from '../runtime/turn-observer.ts'
import type { EndpointService } from './endpoint-service.ts'
import { turnEvents } from './turn-events.ts'
import type { WebhookEmitter } from './webhook-emitter.ts'

/** Queues the webhook events of every execution change, before the change is saved. */
export class WebhookTurnObserver implements TurnObserver {
  constructor(
    private readonly endpoints: EndpointService,
    private readonly emitter: WebhookEmitter,
    private readonly flows: FlowService,
  ) {}

  async observe(change: TurnChange): Promise<void> {
    const { after } = change
    // Most tenants have no endpoint: one cached lookup, no flow load, no write.
    if ((await this.endpoints.liveEndpoints(after.tenantId)).length === 0) return
    const flow = await this.flows.loadVersion(after.tenantId, after.flowId, after.flowVersion)
    await this.emitter.emit(after.tenantId, turnEvents(change, flow.exports ?? []), after.executionId)
  }
}
