import { SESSION_TOKEN_BYTES, SESSION_TOKEN_PREFIX } from '../../ingest/chat-session-id.ts'
import { AppError } from '../../platform/errors/catalog.ts'
import { newId, newToken, sha256Hex } from '../../platform/ids.ts'
import type { StateStore } from '../../platform/state/state-store.ts'

export interface ChatSession {
  /**
   * The public id of the chat (a UUID, never a credential): `sessionId` in the open answer, stored as
   * `chat_session_id` on every event of the chat, and what the shop reports as a sale's `chatSessionId`.
   */
  chatSessionId: string
  tenantId: string
  publicKey: string
  anonymousId: string
  createdAt: number
  expiresAt: number
}

/** Chat sessions on the state port, found by the hash of their bearer token (the token is never stored). */
export class SessionStore {
  constructor(
    private readonly state: StateStore,
    private readonly ttlMs: number,
  ) {}

  async open(
    fields: Pick<ChatSession, 'tenantId' | 'publicKey' | 'anonymousId'>,
  ): Promise<{ token: string; session: ChatSession }> {
    const now = Date.now()
    const session: ChatSession = {
      ...fields,
      chatSessionId: newId(),
      createdAt: now,
      expiresAt: now + this.ttlMs,
    }
    const token = newToken(SESSION_TOKEN_PREFIX, SESSION_TOKEN_BYTES)
    await this.state.set(sessionKey(token), JSON.stringify(session), { ttlMs: this.ttlMs })
    return { token, session }
  }

  /** The session behind a bearer token issued for this widget key; 401 otherwise. */
  async authenticate(authorization: string | undefined, publicKey: string): Promise<ChatSession> {
    const token = authorization?.startsWith('Bearer ')
      ? authorization.slice('Bearer '.length).trim()
      : undefined
    if (!token) throw new AppError('unauthorized', 'send the session token as Authorization: Bearer cs_...')
    const raw = await this.state.get(sessionKey(token))
    const session = raw === null ? undefined : (JSON.parse(raw) as ChatSession)
    if (!session || session.expiresAt <= Date.now()) {
      throw new AppError('unauthorized', 'the chat session is unknown or expired; open a new one')
    }
    if (session.publicKey !== publicKey)
      throw new AppError('unauthorized', 'the chat session belongs to another widget key')
    return session
  }
}

const sessionKey = (token: string) => `chat:session:${sha256Hex(token)}`
