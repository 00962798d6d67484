import { createContext } from 'preact'
import { useContext } from 'preact/hooks'
import { emptyNames, type Names } from './names.ts'

export interface Session {
  kind: 'tenant' | 'operator'
  tenant?: { id: string; slug: string; name: string }
  scopes: string[]
  csrfToken: string
  expiresAt: string
}

export interface AppContext {
  session: Session
  names: Names
  refreshNames: () => void
  can: (scope: 'admin' | 'analyst') => boolean
}

export const Ctx = createContext<AppContext>({
  session: { kind: 'tenant', scopes: [], csrfToken: '', expiresAt: '' },
  names: emptyNames(),
  refreshNames: () => {},
  can: () => false,
})

export const useApp = () => useContext(Ctx)
