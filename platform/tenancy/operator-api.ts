import type { CreateTenantInput, CreateWidgetKeyInput } from './tenancy-schemas.ts'
import type { IssuedSecretKey, TenancyService, Tenant, WidgetKey } from './tenancy-service.ts'

/**
 * What an operator can do to a whole installation. The CLI calls it in-process when it owns the data
 * directory and over HTTP (operator routes) when a running server does; both paths end here.
 */
export interface OperatorApi {
  migrate(): Promise<{ applied: string[] }>
  createTenant(input: CreateTenantInput): Promise<{ tenant: Tenant; adminKey: IssuedSecretKey }>
  listTenants(): Promise<Tenant[]>
  createWidgetKey(tenantSlug: string, input: CreateWidgetKeyInput): Promise<WidgetKey>
}

export function createOperatorApi(
  tenancy: TenancyService,
  migrate: () => Promise<{ applied: string[] }>,
): OperatorApi {
  return {
    migrate,
    createTenant: (input) => tenancy.createTenant(input),
    listTenants: () => tenancy.listTenants(),
    async createWidgetKey(tenantSlug, input) {
      const tenant = await tenancy.requireTenant(tenantSlug)
      return tenancy.createWidgetKey(tenant.id, input)
    },
  }
}
