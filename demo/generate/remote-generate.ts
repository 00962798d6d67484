import type { ErrorBody } from '../../platform/errors/catalog.ts'
import { OPERATOR_TOKEN_HEADER } from '../../platform/tenancy/auth.ts'
import type { GenerationLine } from './demo-generate.routes.ts'
import type { GenerationProgress } from './demo-generator.ts'
import type { GenerationInput } from './generation-options.ts'
import type { GenerationSummary } from './generation-summary.ts'

/** Runs a generation in a running server (`POST /v1/operator/demo/generate`), following its progress lines. */
export async function generateRemotely(
  baseUrl: string,
  token: string,
  input: GenerationInput,
  onProgress: (progress: GenerationProgress) => void,
): Promise<GenerationSummary> {
  const response = await fetch(`${baseUrl}/v1/operator/demo/generate`, {
    method: 'POST',
    headers: { [OPERATOR_TOKEN_HEADER]: token, 'content-type': 'application/json' },
    body: JSON.stringify(input),
  })
  if (!response.ok || !response.body) {
    const { error } = (await response.json()) as ErrorBody
    throw new Error(`${error.code}: ${error.message}`)
  }
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline = buffered.indexOf('\n')
    while (newline >= 0) {
      const line = JSON.parse(buffered.slice(0, newline)) as GenerationLine
      buffered = buffered.slice(newline + 1)
      if ('progress' in line) onProgress(line.progress)
      else if ('summary' in line) return line.summary
      else throw new Error(`${line.error.code}: ${line.error.message}`)
      newline = buffered.indexOf('\n')
    }
  }
  throw new Error('the server closed the generation stream before its summary')
}
