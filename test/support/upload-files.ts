import { crc32, deflateSync } from 'node:zlib'
import PDFDocument from 'pdfkit'

/** Real files for upload tests: a decodable PNG, a baseline JPEG, a PDF, and scriptable text. */

/** A `width` x 1 RGB PNG, padded after IEND to `size` bytes when asked (decoders ignore the tail). */
export function pngFile(width = 2, size?: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.length)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0)
  header.writeUInt32BE(1, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit RGB, no interlace
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(width * 3, 0x80)])
  const png = Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(row)),
    chunk('IEND', Buffer.alloc(0)),
  ])
  return size === undefined || size <= png.length
    ? png
    : Buffer.concat([png, Buffer.alloc(size - png.length)])
}

/** A 1x1 grey JPEG (SOI, JFIF APP0, quantisation and Huffman tables, one progressive scan, EOI). */
export const jpegFile = (): Buffer =>
  Buffer.from(
    '/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgBAQABPxA=',
    'base64',
  )

/** A one-page PDF rendered by pdfkit. */
export function pdfFile(): Promise<Buffer> {
  const doc = new PDFDocument({ size: 'A6' })
  const chunks: Buffer[] = []
  doc.on('data', (chunk: Buffer) => chunks.push(chunk))
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))))
  doc.text('Invoice R-1001')
  doc.end()
  return done
}

export const svgFile = (): Buffer =>
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(document.cookie)</script></svg>\n',
  )

export const svgWithXmlDeclaration = (): Buffer =>
  Buffer.from(`<?xml version="1.0" encoding="UTF-8"?>\n${svgFile().toString()}`)

export const htmlFile = (): Buffer =>
  Buffer.from(
    '<!doctype html>\n<html><body><script>fetch("/steal?c=" + document.cookie)</script></body></html>\n',
  )
