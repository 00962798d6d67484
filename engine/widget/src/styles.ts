import type { WidgetConfig } from './api.ts'

const FONTS: Record<WidgetConfig['theme']['fontFamily'], string> = {
  system: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
  serif: 'Georgia, "Times New Roman", serif',
  monospace: 'ui-monospace, Menlo, Consolas, monospace',
}

/** The widget's stylesheet (inside its shadow root), coloured by the published theme. */
export function widgetCss(config: WidgetConfig): string {
  const { theme, launcher } = config
  const side = launcher.position === 'bottom-left' ? 'left' : 'right'
  return `
:host { all: initial; }
.cx-root { --cx-primary: ${theme.primaryColor}; --cx-text: ${theme.textColor}; --cx-bg: ${theme.backgroundColor};
  --cx-radius: ${theme.radius}px; font-family: ${FONTS[theme.fontFamily]}; font-size: 14px; color: var(--cx-text);
  position: fixed; bottom: 20px; ${side}: 20px; z-index: 2147483000; display: flex; flex-direction: column;
  align-items: ${side === 'left' ? 'flex-start' : 'flex-end'}; gap: 12px; }
.cx-launcher { background: var(--cx-primary); color: #fff; border: 0; border-radius: 999px; padding: 12px 20px;
  font: inherit; font-weight: 600; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.cx-panel { width: 360px; max-width: calc(100vw - 40px); height: 560px; max-height: calc(100vh - 100px);
  background: var(--cx-bg); border-radius: var(--cx-radius); box-shadow: 0 10px 40px rgba(0,0,0,.25);
  display: flex; flex-direction: column; overflow: hidden; }
.cx-panel[hidden] { display: none; }
.cx-header { background: var(--cx-primary); color: #fff; padding: 12px 16px; display: flex; align-items: center;
  justify-content: space-between; font-weight: 600; }
.cx-close { background: transparent; border: 0; color: #fff; font-size: 20px; cursor: pointer; line-height: 1; }
.cx-messages { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 8px; }
.cx-bubble { background: #f1f3f5; border-radius: var(--cx-radius); padding: 8px 12px; max-width: 85%; align-self: flex-start; }
.cx-bubble p { margin: 0 0 6px; } .cx-bubble p:last-child { margin: 0; }
.cx-bubble ul { margin: 0; padding-left: 18px; }
.cx-bubble a { color: var(--cx-primary); }
.cx-visitor { align-self: flex-end; background: var(--cx-primary); color: #fff; }
.cx-image img { max-width: 100%; border-radius: calc(var(--cx-radius) / 2); display: block; }
.cx-card { display: block; width: 200px; flex: 0 0 auto; border: 1px solid #e2e8f0; border-radius: var(--cx-radius);
  overflow: hidden; text-decoration: none; color: inherit; background: #fff; }
.cx-card img { width: 100%; height: 110px; object-fit: cover; display: block; }
.cx-card-title { font-weight: 600; padding: 8px 10px 2px; }
.cx-card-text { padding: 0 10px; font-size: 12px; color: #4a5568; }
.cx-card-price { padding: 4px 10px 10px; font-weight: 600; color: var(--cx-primary); }
.cx-carousel { display: flex; gap: 8px; overflow-x: auto; padding-bottom: 4px; scroll-snap-type: x mandatory; }
.cx-carousel .cx-card { scroll-snap-align: start; }
.cx-link-button, .cx-choice, .cx-submit, .cx-question { display: inline-block; border: 1px solid var(--cx-primary);
  color: var(--cx-primary); background: #fff; border-radius: 999px; padding: 6px 14px; font: inherit; cursor: pointer;
  text-decoration: none; align-self: flex-start; }
.cx-submit { background: var(--cx-primary); color: #fff; border-radius: calc(var(--cx-radius) / 2); margin-top: 4px; }
.cx-buttons, .cx-questions { display: flex; flex-wrap: wrap; gap: 6px; }
.cx-buttons[aria-disabled="true"] button, .cx-form[aria-disabled="true"] button { opacity: .5; pointer-events: none; }
.cx-form { border: 1px solid #e2e8f0; border-radius: var(--cx-radius); padding: 10px; display: flex; flex-direction: column; gap: 8px; }
.cx-field label, .cx-field legend { display: block; font-weight: 600; font-size: 12px; margin-bottom: 2px; }
.cx-field input:not([type=checkbox]), .cx-field select { width: 100%; box-sizing: border-box; padding: 6px 8px;
  border: 1px solid #cbd5e0; border-radius: 6px; font: inherit; }
.cx-options { border: 0; padding: 0; margin: 0; } .cx-option { display: block; font-weight: 400 !important; }
.cx-field-error, .cx-form-error { color: #c53030; font-size: 12px; }
.cx-handoff { border-left: 4px solid var(--cx-primary); background: #fffbea; padding: 8px 12px; border-radius: 6px; }
.cx-status { font-size: 12px; color: #718096; align-self: center; }
.cx-typing { font-size: 12px; color: #718096; }
`
}
