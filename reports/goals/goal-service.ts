import type { Db } from '../../platform/clickhouse/db.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newId } from '../../platform/ids.ts'
import { SharedCache } from '../../platform/state/shared-cache.ts'
import type { StateStore } from '../../platform/state/state-store.ts'
import { findGoal, type GoalRow, goalsTable, listGoals } from './goal-queries.ts'
import { type GoalInput, type GoalView, globToLike, goalInput, type ParsedGoal } from './goal-schemas.ts'

/** Tenant-defined goals: versioned rows in the `goals` control table, cached per tenant. */
export class GoalService {
  private readonly cache: SharedCache<GoalView[]>

  constructor(
    private readonly db: Db,
    state: StateStore,
  ) {
    this.cache = new SharedCache(state, { channel: 'goals:invalidate', ttlMs: 60_000 })
  }

  /** Evicts this process's cached goals of a tenant whenever any process changes one of them. */
  async start(): Promise<void> {
    await this.cache.start()
  }

  async stop(): Promise<void> {
    await this.cache.stop()
  }

  async list(tenantId: string): Promise<GoalView[]> {
    return this.cache.getOrLoad(tenantId, async () => (await listGoals(this.db, tenantId)).map(toView))
  }

  async get(tenantId: string, goalId: string): Promise<GoalView> {
    return toView(await this.require(tenantId, goalId))
  }

  async create(tenantId: string, input: GoalInput): Promise<GoalView> {
    const row = await goalsTable.write(
      this.db,
      toRow(tenantId, newId(), goalInput.parse(input)),
      undefined,
      Date.now(),
    )
    await this.cache.invalidate(tenantId)
    return toView(row)
  }

  /** Replaces the goal's definition; its id (and so its history in reports) stays. */
  async update(tenantId: string, goalId: string, input: GoalInput): Promise<GoalView> {
    const current = await this.require(tenantId, goalId)
    const row = await goalsTable.write(
      this.db,
      toRow(tenantId, goalId, goalInput.parse(input)),
      current,
      Date.now(),
    )
    await this.cache.invalidate(tenantId)
    return toView(row)
  }

  async delete(tenantId: string, goalId: string): Promise<void> {
    const current = await this.require(tenantId, goalId)
    await goalsTable.remove(this.db, current, Date.now())
    await this.cache.invalidate(tenantId)
  }

  private async require(tenantId: string, goalId: string): Promise<GoalRow> {
    const row = await findGoal(this.db, tenantId, goalId)
    if (!row) throw new AppError('not_found', `no goal "${goalId}"`)
    return row
  }
}

function toRow(tenantId: string, goalId: string, goal: ParsedGoal) {
  const event = goal.kind === 'event' ? goal : undefined
  const conversion = goal.kind === 'conversion' ? goal : undefined
  return {
    tenant_id: tenantId,
    goal_id: goalId,
    name: goal.name,
    kind: goal.kind,
    event_type: event?.eventType ?? '',
    filter_properties: event?.propertyFilters.map((filter) => filter.property) ?? [],
    filter_ops: event?.propertyFilters.map((filter) => filter.op) ?? [],
    filter_values: event?.propertyFilters.map((filter) => filter.value) ?? [],
    url_patterns: event?.urlPatterns ?? [],
    url_like: event?.urlPatterns.map(globToLike) ?? [],
    min_value_micros: Math.round((conversion?.minValue ?? 0) * 1e6),
    currency: conversion?.currency ?? '',
  }
}

function toView(row: GoalRow): GoalView {
  const common = {
    goalId: row.goal_id,
    name: row.name,
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  }
  if (row.kind === 'conversion') {
    const minValueMicros = Number(row.min_value_micros)
    return {
      ...common,
      kind: 'conversion',
      ...(minValueMicros > 0 ? { minValue: minValueMicros / 1e6 } : {}),
      ...(row.currency ? { currency: row.currency } : {}),
    }
  }
  return {
    ...common,
    kind: 'event',
    eventType: row.event_type,
    propertyFilters: row.filter_properties.map((property, index) => ({
      property,
      op: row.filter_ops[index] ?? '',
      value: row.filter_values[index] ?? '',
    })),
    urlPatterns: row.url_patterns,
  }
}
