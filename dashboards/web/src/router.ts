import { useEffect, useState } from 'preact/hooks'

/** Hash routes (`#/flows/<id>`): bookmarkable, and the server serves one page. */
export function currentRoute(): string[] {
  const hash = location.hash.replace(/^#\/?/, '')
  const [path = ''] = hash.split('?')
  return path.split('/').filter(Boolean).map(decodeURIComponent)
}

export function routeQuery(): URLSearchParams {
  const hash = location.hash
  const at = hash.indexOf('?')
  return new URLSearchParams(at >= 0 ? hash.slice(at + 1) : '')
}

export function navigate(path: string): void {
  location.hash = path.startsWith('#') ? path : `#${path}`
}

export function useRoute(): string[] {
  const [route, setRoute] = useState(currentRoute())
  useEffect(() => {
    const update = () => setRoute(currentRoute())
    addEventListener('hashchange', update)
    return () => removeEventListener('hashchange', update)
  }, [])
  return route
}
