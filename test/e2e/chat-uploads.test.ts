import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type App, createApp } from '../../bin/create-app.ts'
import { jsonApi } from '../support/json-api.ts'
import { tempDir } from '../support/temp-dir.ts'
import { testConfig } from '../support/test-config.ts'
import {
  htmlFile,
  jpegFile,
  pdfFile,
  pngFile,
  svgFile,
  svgWithXmlDeclaration,
} from '../support/upload-files.ts'

const ORIGIN = 'https://shop.example'
const PDF = await pdfFile()

const returnsFlow = {
  intent: 'returns',
  name: 'Returns',
  start: 'form',
  nodes: [
    {
      id: 'form',
      type: 'ask',
      input: {
        kind: 'form',
        fields: [
          { name: 'photo', label: 'Photo', type: 'file', accept: ['image/*'], maxBytes: 4_096 },
          { name: 'invoice', label: 'Invoice', type: 'file', accept: ['application/pdf'] },
          { name: 'attachment', label: 'Anything else', type: 'file' },
        ],
      },
      next: 'done',
    },
    { id: 'done', type: 'end', message: 'Got it.' },
  ],
}

/**
 * Uploads over real multipart requests on a real socket: the type comes from the bytes, scriptable
 * files never pass, and budgets per execution, session and key hold.
 */
describe('chat uploads', () => {
  let app: App
  let base: string
  let tenantId: string
  const api = jsonApi(() => base, ORIGIN)

  beforeAll(async () => {
    app = await createApp(
      testConfig(await tempDir(), {
        CHAT_RATE_LIMIT_PER_SESSION: '1000',
        UPLOADS_PER_EXECUTION_FILES: '3',
        UPLOADS_PER_SESSION_FILES: '4',
        UPLOADS_PER_KEY_DAILY_BYTES: '6000',
      }),
    )
    base = await app.listen()
    const { tenant, adminKey } = await app.operator.createTenant({ slug: 'uploads-shop' })
    tenantId = tenant.id
    const admin = { authorization: `Bearer ${adminKey.key}` }
    const created = await api('POST', '/v1/admin/flows', returnsFlow, admin)
    expect(created.status, JSON.stringify(created.body)).toBe(201)
    await api('POST', `/v1/admin/flows/${created.body.flowId}/publish`, undefined, admin)
  })
  afterAll(async () => {
    await app?.close()
  })

  /** A fresh widget key, so each scenario has its own daily key budget. */
  const newKey = async () =>
    (await app.tenancy.createWidgetKey(tenantId, { allowedOrigins: [ORIGIN], intents: ['returns'] }))
      .publicKey
  const openSession = async (key: string) => {
    const opened = await api('POST', `/v1/chat/sessions?publicKey=${key}`, {})
    expect(opened.status).toBe(201)
    return { key, auth: { authorization: `Bearer ${opened.body.sessionToken}` } }
  }
  const trigger = async (session: { key: string; auth: Record<string, string> }) => {
    const started = await api(
      'POST',
      `/v1/chat/messages?publicKey=${session.key}`,
      { intentName: 'returns' },
      session.auth,
    )
    expect(started.body.status).toBe('waiting_input')
    return {
      ...session,
      executionId: started.body.executionId as string,
      waitToken: started.body.waitToken as string,
    }
  }
  const newExecution = async () => trigger(await openSession(await newKey()))
  type Execution = Awaited<ReturnType<typeof newExecution>>

  const upload = async (
    execution: Execution,
    field: string,
    bytes: Buffer,
    type: string,
    filename = 'file.bin',
  ) => {
    const form = new FormData()
    form.append('file', new Blob([bytes], { type }), filename)
    const response = await fetch(
      `${base}/v1/chat/uploads?publicKey=${execution.key}&executionId=${execution.executionId}&field=${field}`,
      { method: 'POST', headers: { origin: ORIGIN, ...execution.auth }, body: form },
    )
    // biome-ignore lint/suspicious/noExplicitAny: asserted field by field
    return { status: response.status, headers: response.headers, body: (await response.json()) as any }
  }
  const storedRow = async (uploadId: string) =>
    (
      await app.db.select<{ content_type: string; filename: string; size: string }>(
        `SELECT content_type, filename, size FROM ${app.db.tables.uploads}
         WHERE tenant_id = {tenantId:UUID} AND upload_id = {uploadId:String}`,
        { tenantId, uploadId },
      )
    )[0]

  it('accepts real PNG, JPEG and PDF files and stores the type read from their bytes', async () => {
    const execution = await newExecution()
    const png = await upload(execution, 'photo', pngFile(), 'application/octet-stream', 'IMG_0042.png')
    expect(png).toMatchObject({ status: 201, body: { filename: 'IMG_0042.png', contentType: 'image/png' } })
    expect(await storedRow(png.body.uploadId)).toMatchObject({ content_type: 'image/png' })

    const jpeg = await upload(execution, 'photo', jpegFile(), 'image/jpg', 'photo.jpg')
    expect(jpeg).toMatchObject({ status: 201, body: { contentType: 'image/jpeg', size: jpegFile().length } })

    const pdf = await upload(execution, 'invoice', PDF, 'application/pdf', '../../invoice.pdf')
    expect(pdf).toMatchObject({
      status: 201,
      body: { contentType: 'application/pdf', filename: 'invoice.pdf' },
    })
    expect(await storedRow(pdf.body.uploadId)).toMatchObject({ content_type: 'application/pdf' })

    const done = await api(
      'POST',
      `/v1/chat/messages?publicKey=${execution.key}`,
      {
        executionId: execution.executionId,
        waitToken: execution.waitToken,
        values: { photo: png.body.uploadId, invoice: pdf.body.uploadId },
      },
      execution.auth,
    )
    expect(done.body).toMatchObject({ status: 'completed' })
  })

  it.each([
    ['an SVG renamed .png and sent as image/png', 'photo', svgFile(), 'image/png', 'cat.png'],
    [
      'an SVG with an XML declaration sent as image/png',
      'photo',
      svgWithXmlDeclaration(),
      'image/png',
      'cat.png',
    ],
    ['an SVG sent as image/svg+xml to an image/* field', 'photo', svgFile(), 'image/svg+xml', 'cat.svg'],
    ['an HTML page sent as image/jpeg', 'photo', htmlFile(), 'image/jpeg', 'photo.jpg'],
    ['an HTML page to a field without an accept list', 'attachment', htmlFile(), 'text/plain', 'notes.txt'],
    ['a PNG sent as image/jpeg', 'photo', pngFile(), 'image/jpeg', 'photo.jpg'],
    ['a PDF to an image field', 'photo', PDF, 'application/octet-stream', 'photo.png'],
    ['unknown bytes sent as image/png', 'photo', Buffer.alloc(500, 1), 'image/png', 'photo.png'],
  ])('refuses %s with 415', async (_label, field, bytes, type, filename) => {
    const execution = await newExecution()
    const refused = await upload(execution, field, bytes, type, filename)
    expect(refused.status).toBe(415)
    expect(refused.body.error).toMatchObject({ code: 'unsupported_media_type', retryable: false })
    expect(refused.body.error.details.field).toBe(field)
  })

  it('refuses an empty file with 400 and a file over the field size with 413', async () => {
    const execution = await newExecution()
    const empty = await upload(execution, 'photo', Buffer.alloc(0), 'image/png', 'empty.png')
    expect(empty.status).toBe(400)
    expect(empty.body.error).toMatchObject({
      code: 'validation_failed',
      details: { fields: [{ field: 'photo', message: 'the file is empty' }] },
    })
    const big = await upload(execution, 'photo', pngFile(2, 5_000), 'image/png', 'big.png')
    expect(big.status).toBe(413)
    expect(big.body.error).toMatchObject({ code: 'payload_too_large' })
    expect(big.body.error.message).toMatch(/4096 bytes/)
  })

  it('refuses bodies that are not one multipart file with a catalog 4xx', async () => {
    const execution = await newExecution()
    const url = `${base}/v1/chat/uploads?publicKey=${execution.key}&executionId=${execution.executionId}&field=photo`
    const headers = { origin: ORIGIN, ...execution.auth }
    const plain = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'image/png' },
      body: pngFile(),
    })
    expect(plain.status).toBe(415)
    const none = await fetch(url, { method: 'POST', headers, body: new FormData() })
    expect(none.status).toBe(400)
    expect(((await none.json()) as { error: { code: string } }).error.code).toBe('bad_request')
  })

  it('holds the per-execution and per-session file budgets; refused files do not count', async () => {
    const first = await newExecution()
    expect((await upload(first, 'photo', svgFile(), 'image/png')).status).toBe(415)
    for (let i = 0; i < 3; i += 1)
      expect((await upload(first, 'photo', pngFile(), 'image/png')).status).toBe(201)
    const overExecution = await upload(first, 'attachment', pngFile(), 'image/png')
    expect(overExecution.status).toBe(429)
    expect(overExecution.body.error).toMatchObject({
      code: 'upload_quota_exceeded',
      retryable: false,
      details: { scope: 'execution', unit: 'files', limit: 3 },
    })

    const second = await trigger(first)
    expect((await upload(second, 'photo', pngFile(), 'image/png')).status).toBe(201)
    const overSession = await upload(second, 'photo', pngFile(), 'image/png')
    expect(overSession.status).toBe(429)
    expect(overSession.body.error.details).toEqual({ scope: 'session', unit: 'files', limit: 4 })
  })

  it("holds the widget key's daily byte budget across sessions, with Retry-After", async () => {
    const key = await newKey()
    const first = await trigger(await openSession(key))
    expect((await upload(first, 'photo', pngFile(2, 4_000), 'image/png')).status).toBe(201)
    const second = await trigger(await openSession(key))
    const over = await upload(second, 'photo', pngFile(2, 2_500), 'image/png')
    expect(over.status).toBe(429)
    expect(over.body.error.details).toEqual({ scope: 'key', unit: 'bytes', limit: 6_000 })
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0)
    expect((await upload(second, 'photo', pngFile(2, 1_500), 'image/png')).status).toBe(201)
  })
})
