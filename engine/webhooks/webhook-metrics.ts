import { Counter, Histogram, type Registry } from 'prom-client'

export interface WebhookMetrics {
  attempts: Counter<'outcome'>
  latency: Histogram
  disabled: Counter<'reason'>
}

export function createWebhookMetrics(registry: Registry): WebhookMetrics {
  return {
    attempts: new Counter({
      name: 'comerix_webhook_attempts_total',
      help: 'Webhook delivery attempts by outcome (delivered, retry, failed, gone)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    latency: new Histogram({
      name: 'comerix_webhook_attempt_seconds',
      help: 'Time from sending a webhook to its answer (or failure)',
      buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
      registers: [registry],
    }),
    disabled: new Counter({
      name: 'comerix_webhook_endpoints_disabled_total',
      help: 'Webhook endpoints disabled by delivery: gone (answered 410) or failing (failed for days)',
      labelNames: ['reason'],
      registers: [registry],
    }),
  }
}
