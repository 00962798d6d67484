import type { ChatBlock } from './api.ts'
import { renderMarkdown, safeUrl } from './markdown.ts'

export interface FormFieldSpec {
  name: string
  label: string
  type: 'text' | 'email' | 'phone' | 'number' | 'select' | 'multi_select' | 'checkbox' | 'date' | 'file'
  required?: boolean
  placeholder?: string
  options?: { label: string; value: string }[]
  min?: number
  max?: number
  accept?: string[]
  maxBytes?: number
}

interface Product {
  title?: string
  description?: string
  price?: string | number
  imageUrl?: string
  url?: string
}

export interface BlockActions {
  /** A `buttons` option was chosen. */
  choose(block: ChatBlock, value: string, label: string): void
  /** A `form` was submitted (the widget reads, uploads and sends its values). */
  submit(block: ChatBlock, form: HTMLFormElement, fields: FormFieldSpec[]): void
}

const el = <K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string) => {
  const element = document.createElement(tag)
  if (className) element.className = className
  if (text !== undefined) element.textContent = text
  return element
}

/** One block of a reply (engine/CHAT.md) as DOM; unknown types render nothing rather than guess. */
export function renderBlock(block: ChatBlock, actions: BlockActions): HTMLElement | undefined {
  switch (block.type) {
    case 'text': {
      const bubble = el('div', 'cx-bubble cx-text')
      bubble.append(renderMarkdown(String(block.markdown ?? '')))
      return bubble
    }
    case 'image': {
      const url = safeUrl(block.url)
      if (!url) return undefined
      const figure = el('div', 'cx-bubble cx-image')
      const img = el('img')
      img.src = url
      img.alt = String(block.alt ?? '')
      img.loading = 'lazy'
      figure.append(img)
      return figure
    }
    case 'product_card':
      return productCard((block.product ?? {}) as Product)
    case 'carousel': {
      const row = el('div', 'cx-carousel')
      for (const product of (block.products ?? []) as Product[]) row.append(productCard(product))
      return row
    }
    case 'link_button': {
      const url = safeUrl(block.url)
      if (!url) return undefined
      const a = el('a', 'cx-link-button', String(block.label ?? url))
      a.href = url
      a.target = '_blank'
      a.rel = 'noopener noreferrer'
      return a
    }
    case 'buttons': {
      const group = el('div', 'cx-buttons')
      for (const option of (block.options ?? []) as { label: string; value: string }[]) {
        const button = el('button', 'cx-choice', option.label)
        button.type = 'button'
        button.addEventListener('click', () => actions.choose(block, option.value, option.label))
        group.append(button)
      }
      return group
    }
    case 'form':
      return renderForm(block, actions)
    case 'handoff': {
      const notice = el('div', 'cx-handoff')
      notice.append(el('strong', undefined, 'A person from our team takes over. '))
      notice.append(document.createTextNode(String(block.message ?? '')))
      return notice
    }
    default:
      return undefined
  }
}

function productCard(product: Product): HTMLElement {
  const url = safeUrl(product.url)
  const card = url ? el('a', 'cx-card') : el('div', 'cx-card')
  if (url && card instanceof HTMLAnchorElement) {
    card.href = url
    card.target = '_blank'
    card.rel = 'noopener noreferrer'
  }
  const image = safeUrl(product.imageUrl)
  if (image) {
    const img = el('img')
    img.src = image
    img.alt = product.title ?? ''
    card.append(img)
  }
  card.append(el('div', 'cx-card-title', product.title ?? ''))
  if (product.description) card.append(el('div', 'cx-card-text', product.description))
  if (product.price !== undefined && product.price !== '')
    card.append(el('div', 'cx-card-price', String(product.price)))
  return card
}

function renderForm(block: ChatBlock, actions: BlockActions): HTMLElement {
  const fields = (block.fields ?? []) as FormFieldSpec[]
  const form = el('form', 'cx-form')
  form.noValidate = true
  for (const field of fields) form.append(renderField(field))
  const error = el('div', 'cx-form-error')
  error.setAttribute('role', 'alert')
  const submit = el('button', 'cx-submit', String(block.submitLabel ?? 'Send'))
  submit.type = 'submit'
  form.append(error, submit)
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    actions.submit(block, form, fields)
  })
  return form
}

function renderField(field: FormFieldSpec): HTMLElement {
  const wrapper = el('div', 'cx-field')
  wrapper.dataset.field = field.name
  const id = `cx-${field.name}-${Math.random().toString(36).slice(2, 8)}`
  const label = el('label', undefined, `${field.label}${field.required ? ' *' : ''}`)
  label.htmlFor = id
  if (field.type === 'multi_select') {
    const group = el('fieldset', 'cx-options')
    const legend = el('legend', undefined, label.textContent ?? '')
    group.append(legend)
    for (const option of field.options ?? []) {
      const item = el('label', 'cx-option')
      const box = el('input')
      box.type = 'checkbox'
      box.name = field.name
      box.value = option.value
      item.append(box, document.createTextNode(` ${option.label}`))
      group.append(item)
    }
    wrapper.append(group)
  } else if (field.type === 'select') {
    const select = el('select')
    select.id = id
    select.name = field.name
    const empty = el('option', undefined, field.placeholder ?? 'Choose…')
    empty.value = ''
    select.append(empty)
    for (const option of field.options ?? []) {
      const item = el('option', undefined, option.label)
      item.value = option.value
      select.append(item)
    }
    wrapper.append(label, select)
  } else if (field.type === 'checkbox') {
    const box = el('input')
    box.type = 'checkbox'
    box.id = id
    box.name = field.name
    label.prepend(box)
    wrapper.append(label)
  } else {
    const input = el('input')
    input.id = id
    input.name = field.name
    input.type = INPUT_TYPES[field.type] ?? 'text'
    if (field.placeholder) input.placeholder = field.placeholder
    if (field.required) input.required = true
    if (field.type === 'number') {
      input.step = 'any'
      if (field.min !== undefined) input.min = String(field.min)
      if (field.max !== undefined) input.max = String(field.max)
    }
    if (field.type === 'text' && field.max !== undefined) input.maxLength = field.max
    if (field.type === 'file' && field.accept) input.accept = field.accept.join(',')
    wrapper.append(label, input)
  }
  wrapper.append(el('div', 'cx-field-error'))
  return wrapper
}

const INPUT_TYPES: Partial<Record<FormFieldSpec['type'], string>> = {
  text: 'text',
  email: 'email',
  phone: 'tel',
  number: 'number',
  date: 'date',
  file: 'file',
}

/** Shows the server's (or the widget's own) field errors under their fields. */
export function showFieldErrors(form: HTMLFormElement, errors: { field: string; message: string }[]): void {
  for (const slot of form.querySelectorAll<HTMLElement>('.cx-field-error')) slot.textContent = ''
  const general: string[] = []
  for (const { field, message } of errors) {
    const slot = form.querySelector<HTMLElement>(
      `.cx-field[data-field="${CSS.escape(field)}"] .cx-field-error`,
    )
    if (slot) slot.textContent = message
    else general.push(message)
  }
  const box = form.querySelector<HTMLElement>('.cx-form-error')
  if (box) box.textContent = general.join(' ')
}
