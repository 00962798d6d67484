/** A flow as the list shows it (GET /v1/admin/flows). */
export interface FlowSummary {
  flowId: string
  intent: string
  name: string
  publishedVersion: number
  latestVersion: number
  createdAt: string
  updatedAt: string
}
