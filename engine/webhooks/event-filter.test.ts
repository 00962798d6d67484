import { describe, expect, it } from 'vitest'
import { filterProblem, matchesFilters, typesMatching } from './event-filter.ts'

describe('webhook event filters', () => {
  it('match exact names and prefix wildcards', () => {
    expect(matchesFilters(['chat.execution.*'], 'chat.execution.updated')).toBe(true)
    expect(matchesFilters(['chat.execution.*'], 'chat.executionx')).toBe(false)
    expect(matchesFilters(['chat.*'], 'chat.session.opened')).toBe(true)
    expect(matchesFilters(['conversion.recorded'], 'conversion.recorded')).toBe(true)
    expect(matchesFilters(['chat.session.opened'], 'chat.session.expired')).toBe(false)
    expect(matchesFilters([], 'chat.session.opened')).toBe(false)
  })

  it('refuse names and wildcards that match no subscribable type', () => {
    expect(filterProblem('chat.execution.*')).toBeUndefined()
    expect(filterProblem('chat.execution.started')).toBeUndefined()
    expect(filterProblem('chat.execution.exploded')).toMatch(/no event type matches/)
    expect(filterProblem('webhook.test')).toMatch(/no event type matches/)
    expect(filterProblem('*')).toMatch(/expected an event type/)
    expect(filterProblem('Chat.Session')).toMatch(/expected an event type/)
  })

  it('expand filters to the types they cover', () => {
    expect(typesMatching(['chat.execution.*'])).toEqual([
      'chat.execution.started',
      'chat.execution.updated',
      'chat.execution.completed',
      'chat.execution.failed',
      'chat.execution.aborted',
    ])
  })
})
