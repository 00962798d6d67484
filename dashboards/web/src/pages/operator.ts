import { api } from '../api.ts'
import { formatTime } from '../format.ts'
import { Empty, ErrorBox, html, Loading, PageHeader, useLoad } from '../ui.ts'

interface Tenant {
  id: string
  slug: string
  name: string
  createdAt: string
}

/** The operator's view: every tenant of this installation. */
export function OperatorPage() {
  const tenants = useLoad(() => api.get<{ tenants: Tenant[] }>('/v1/operator/tenants'))
  return html`<section>
    <${PageHeader} title="Tenants" />
    <${ErrorBox} error=${tenants.error} />
    ${tenants.loading && html`<${Loading} />`}
    ${
      tenants.data?.tenants.length === 0 &&
      html`<${Empty} title="No tenants yet">Create one with <code>npm run comerix -- tenant:create acme</code>.</${Empty}>`
    }
    ${
      tenants.data &&
      tenants.data.tenants.length > 0 &&
      html`<div class="table-wrap"><table class="data">
      <thead><tr><th scope="col">Name</th><th scope="col">Slug</th><th scope="col">Created</th></tr></thead>
      <tbody>${tenants.data.tenants.map(
        (tenant) =>
          html`<tr><td>${tenant.name}</td><td><code>${tenant.slug}</code></td><td>${formatTime(tenant.createdAt)}</td></tr>`,
      )}</tbody>
    </table></div>
    <p class="muted">Sign in with a tenant's admin key to manage its flows and analytics.</p>`
    }
  </section>`
}
