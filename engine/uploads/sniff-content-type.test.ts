import { describe, expect, it } from 'vitest'
import {
  htmlFile,
  jpegFile,
  pdfFile,
  pngFile,
  svgFile,
  svgWithXmlDeclaration,
} from '../../test/support/upload-files.ts'
import { normalizeType, sniffContentType } from './sniff-content-type.ts'

describe('sniffContentType', () => {
  it('takes the type from the bytes, whatever generic type was declared', async () => {
    expect(await sniffContentType(pngFile(), 'image/png')).toEqual({ ok: true, contentType: 'image/png' })
    expect(await sniffContentType(pngFile(), 'application/octet-stream')).toEqual({
      ok: true,
      contentType: 'image/png',
    })
    expect(await sniffContentType(jpegFile(), '')).toEqual({ ok: true, contentType: 'image/jpeg' })
    expect(await sniffContentType(await pdfFile(), 'application/pdf')).toEqual({
      ok: true,
      contentType: 'application/pdf',
    })
  })

  it('folds the aliases browsers send into one name', async () => {
    expect(await sniffContentType(jpegFile(), 'image/jpg')).toEqual({ ok: true, contentType: 'image/jpeg' })
    expect(await sniffContentType(jpegFile(), 'IMAGE/PJPEG; q=1')).toEqual({
      ok: true,
      contentType: 'image/jpeg',
    })
    expect(normalizeType('Image/X-PNG ; charset=binary')).toBe('image/png')
  })

  it.each([
    ['an SVG sent as image/png', svgFile(), 'image/png', 'image/svg+xml'],
    [
      'an SVG with an XML declaration sent as image/png',
      svgWithXmlDeclaration(),
      'image/png',
      'application/xml',
    ],
    ['an SVG sent as what it is', svgFile(), 'image/svg+xml', 'image/svg+xml'],
    ['an HTML page sent as image/jpeg', htmlFile(), 'image/jpeg', 'text/html'],
    ['an HTML page sent as text/plain', htmlFile(), 'text/plain', 'text/html'],
    ['an HTML page sent as octet-stream', htmlFile(), 'application/octet-stream', 'text/html'],
    ['markup after a byte-order mark', Buffer.from('\ufeff  <html><script>1</script>'), '', 'text/html'],
    [
      'an SVG fragment deep in a text file',
      Buffer.from(`${'a,b\n'.repeat(100)}<svg onload=alert(1)>`),
      'text/csv',
      'image/svg+xml',
    ],
  ])('refuses %s as scriptable', async (_label, bytes, declared, detected) => {
    expect(await sniffContentType(bytes, declared)).toMatchObject({
      ok: false,
      reason: 'scriptable',
      detected,
    })
  })

  it('refuses a declared type the bytes contradict', async () => {
    expect(await sniffContentType(pngFile(), 'image/jpeg')).toEqual({
      ok: false,
      reason: 'mismatch',
      detected: 'image/png',
      declared: 'image/jpeg',
    })
    expect(await sniffContentType(await pdfFile(), 'image/png')).toMatchObject({
      ok: false,
      reason: 'mismatch',
      detected: 'application/pdf',
    })
    expect(await sniffContentType(Buffer.alloc(500, 1), 'image/png')).toMatchObject({
      ok: false,
      reason: 'mismatch',
      detected: 'application/octet-stream',
    })
  })

  it('keeps a declared text type for plain text, and calls unknown bytes octet-stream', async () => {
    const csv = Buffer.from('order,reason\nA-1003,too small\n')
    expect(await sniffContentType(csv, 'text/csv')).toEqual({ ok: true, contentType: 'text/csv' })
    expect(await sniffContentType(csv, 'application/vnd.ms-excel')).toEqual({
      ok: true,
      contentType: 'text/csv',
    })
    expect(await sniffContentType(csv, '')).toEqual({ ok: true, contentType: 'text/plain' })
    expect(await sniffContentType(Buffer.from('a < b and c > d'), 'text/plain')).toEqual({
      ok: true,
      contentType: 'text/plain',
    })
    expect(await sniffContentType(Buffer.from([0, 1, 2, 3, 0xff]), '')).toEqual({
      ok: true,
      contentType: 'application/octet-stream',
    })
  })
})
