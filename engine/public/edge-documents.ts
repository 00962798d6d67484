import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import type { FormService } from '../forms/form-service.ts'
import type { WidgetSettingsService } from '../widget-settings/widget-settings-service.ts'
import {
  type FormEdgeDocument,
  renderFormDocument,
  renderWidgetDocument,
  type WidgetEdgeDocument,
} from './render-edge-documents.ts'

/**
 * Where a public answer came from, sent as `X-Edge-Source`:
 * - `edge`: the published document (this process's copy, or the one stored on the state port at publish);
 * - `origin`: no document was stored (state lost, published before this code ran), so it was built from the
 *   control tables in ClickHouse, and stored for every later read.
 */
export type EdgeSource = 'edge' | 'origin'

export interface EdgeLookup<Document> {
  document: Document | null
  source: EdgeSource
}

const STATE_PREFIX = 'public-edge:'

/**
 * The published edge documents of the public reads. Publishing renders a document once and stores it on
 * the state port (Redis in distributed mode), then evicts every process's copy through pub/sub, so every
 * API process serves the new version at once without a ClickHouse query.
 */
export class EdgeDocuments {
  private readonly cache: SharedCache<WidgetEdgeDocument | FormEdgeDocument | null>

  constructor(
    private readonly state: StateStore,
    private readonly settings: Pick<WidgetSettingsService, 'published'>,
    private readonly forms: Pick<FormService, 'published'>,
  ) {
    // Long TTL: publishing evicts; the TTL only bounds a message lost while a process was disconnected.
    this.cache = new SharedCache(state, {
      channel: 'public-edge:invalidate',
      ttlMs: 300_000,
      missTtlMs: 5_000,
    })
  }

  start(): Promise<void> {
    return this.cache.start()
  }

  stop(): Promise<void> {
    return this.cache.stop()
  }

  widget(tenantId: string, publicKey: string): Promise<EdgeLookup<WidgetEdgeDocument>> {
    return this.lookup(`w:${publicKey}`, async () => {
      const published = await this.settings.published(tenantId, publicKey)
      return published
        ? renderWidgetDocument(tenantId, publicKey, published.version, published.settings)
        : null
    }) as Promise<EdgeLookup<WidgetEdgeDocument>>
  }

  form(tenantId: string, formId: string): Promise<EdgeLookup<FormEdgeDocument>> {
    return this.lookup(`f:${tenantId}:${formId}`, async () => {
      const published = await this.forms.published(tenantId, formId)
      return published ? renderFormDocument(tenantId, formId, published.version, published.form) : null
    }) as Promise<EdgeLookup<FormEdgeDocument>>
  }

  /** After a publish: renders the key's document from the control tables, stores it, evicts every copy. */
  async refreshWidget(tenantId: string, publicKey: string): Promise<void> {
    const published = await this.settings.published(tenantId, publicKey)
    await this.store(
      `w:${publicKey}`,
      published ? renderWidgetDocument(tenantId, publicKey, published.version, published.settings) : null,
    )
  }

  async refreshForm(tenantId: string, formId: string): Promise<void> {
    const published = await this.forms.published(tenantId, formId)
    await this.store(
      `f:${tenantId}:${formId}`,
      published ? renderFormDocument(tenantId, formId, published.version, published.form) : null,
    )
  }

  private async store(key: string, document: WidgetEdgeDocument | FormEdgeDocument | null): Promise<void> {
    if (document) await this.state.set(STATE_PREFIX + key, JSON.stringify(document))
    else await this.state.delete(STATE_PREFIX + key)
    await this.cache.invalidate(key)
  }

  private async lookup(
    key: string,
    build: () => Promise<WidgetEdgeDocument | FormEdgeDocument | null>,
  ): Promise<EdgeLookup<WidgetEdgeDocument | FormEdgeDocument>> {
    let source: EdgeSource = 'edge'
    const document = await this.cache.getOrLoad(key, async () => {
      const stored = await this.state.get(STATE_PREFIX + key)
      if (stored !== null) return JSON.parse(stored) as WidgetEdgeDocument | FormEdgeDocument
      source = 'origin'
      const built = await build()
      // If absent only: a publish that stored a newer document meanwhile wins.
      if (built) await this.state.setIfAbsent(STATE_PREFIX + key, JSON.stringify(built))
      return built
    })
    return { document, source }
  }
}
