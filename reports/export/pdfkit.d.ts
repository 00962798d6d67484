// pdfkit ships no types (and @types/pdfkit lags its API); this declares the part the PDF exporter uses.
declare module 'pdfkit' {
  import type { Readable } from 'node:stream'

  interface PageMargins {
    top: number
    bottom: number
    left: number
    right: number
  }

  interface TextOptions {
    width?: number
    height?: number
    align?: 'left' | 'center' | 'right' | 'justify'
    lineBreak?: boolean
    lineGap?: number
    continued?: boolean
  }

  interface DocumentOptions {
    size?: string | [number, number]
    layout?: 'portrait' | 'landscape'
    margins?: PageMargins
    autoFirstPage?: boolean
    bufferPages?: boolean
    compress?: boolean
    info?: { Title?: string; Author?: string; Subject?: string; Creator?: string; CreationDate?: Date }
  }

  class PDFDocument extends Readable {
    constructor(options?: DocumentOptions)
    page: { width: number; height: number; margins: PageMargins }
    x: number
    y: number
    addPage(options?: DocumentOptions): this
    end(): void
    font(name: string): this
    fontSize(size: number): this
    fillColor(color: string, opacity?: number): this
    strokeColor(color: string, opacity?: number): this
    lineWidth(width: number): this
    text(text: string, options?: TextOptions): this
    text(text: string, x?: number, y?: number, options?: TextOptions): this
    widthOfString(text: string, options?: TextOptions): number
    heightOfString(text: string, options?: TextOptions): number
    currentLineHeight(includeGap?: boolean): number
    moveDown(lines?: number): this
    moveTo(x: number, y: number): this
    lineTo(x: number, y: number): this
    rect(x: number, y: number, width: number, height: number): this
    roundedRect(x: number, y: number, width: number, height: number, radius: number): this
    circle(x: number, y: number, radius: number): this
    fill(color?: string): this
    stroke(color?: string): this
    fillAndStroke(fill?: string, stroke?: string): this
    dash(length: number, options?: { space?: number }): this
    undash(): this
    save(): this
    restore(): this
  }

  export default PDFDocument
}
