import { pino } from 'pino'
import { afterAll, describe, expect, it } from 'vitest'
import { looksLikeSessionToken } from '../../ingest/chat-session-id.ts'
import { createStateStore } from '../../platform/state/create-state-store.ts'
import { tempDir } from '../../test/support/temp-dir.ts'
import { SessionStore } from './session-store.ts'

const state = await createStateStore(
  { dataDir: await tempDir(), redisUrl: undefined },
  pino({ level: 'silent' }),
)
afterAll(() => state.close())
const sessions = new SessionStore(state, 60_000)
const open = () => sessions.open({ tenantId: 't-1', publicKey: 'pk_1', anonymousId: 'anon-1' })

describe('SessionStore', () => {
  it('issues a public session id that is not a token, and a token the intake recognises as one', async () => {
    const { token, session } = await open()
    expect(session.chatSessionId).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
    )
    expect(looksLikeSessionToken(token)).toBe(true)
    expect(looksLikeSessionToken(session.chatSessionId)).toBe(false)
  })

  it('finds the session by its token only, never by its public id', async () => {
    const { token, session } = await open()
    expect(await sessions.authenticate(`Bearer ${token}`, 'pk_1')).toEqual(session)
    await expect(sessions.authenticate(`Bearer ${session.chatSessionId}`, 'pk_1')).rejects.toMatchObject({
      code: 'unauthorized',
    })
    await expect(sessions.authenticate(`Bearer ${token}`, 'pk_2')).rejects.toMatchObject({
      code: 'unauthorized',
    })
  })
})
