/**
 * The public id of a chat session (`sessionId` of `POST /v1/chat/sessions`) is what events store as
 * `chat_session_id` and what a conversion names as `chatSessionId`. The session *token* is a bearer
 * credential: `cs_` and 43 base64url characters (32 random bytes). A value of that shape is refused
 * wherever a chat session id is accepted, so a live credential never lands in analytics; the error says
 * what to send instead.
 */
export const SESSION_TOKEN_PREFIX = 'cs_'
export const SESSION_TOKEN_BYTES = 32

const SESSION_TOKEN_SHAPE = /^cs_[A-Za-z0-9_-]{43}$/

export const SESSION_TOKEN_REFUSAL =
  'this is a session token (a credential), not a chat session id: send the sessionId answered by POST /v1/chat/sessions'

export function looksLikeSessionToken(value: string): boolean {
  return SESSION_TOKEN_SHAPE.test(value)
}
