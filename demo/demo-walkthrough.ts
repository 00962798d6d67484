import type { DemoInfo } from './demo-operator.ts'

/**
 * The curl walkthrough `comerix demo:seed` and `comerix serve --demo` print: the widget's five steps for
 * the order-status flow, with the real key. It needs only bash, curl and sed (no jq), so it can be pasted
 * as is; the test runs it.
 */
export function demoWalkthroughScript(info: DemoInfo): string {
  const origin = info.allowedOrigins[0] ?? 'http://localhost:3000'
  return `API=${info.baseUrl}
KEY=${info.publicKey}
ORIGIN=${origin}
# get FIELD: one string field of a JSON reply (with jq: jq -r .FIELD)
get() { sed -n "s/.*\\"$1\\":\\"\\([^\\"]*\\)\\".*/\\1/p"; }
chat() { curl -s "$API/v1/chat/messages?publicKey=$KEY" -H "Origin: $ORIGIN" -H "Authorization: Bearer $TOKEN" -H 'content-type: application/json' -d "$1"; }
poll() { curl -s "$API/v1/chat/executions/$EXEC?publicKey=$KEY" -H "Origin: $ORIGIN" -H "Authorization: Bearer $TOKEN"; }

# 1. open a session: the reply lists the intents this key may trigger
R=$(curl -s "$API/v1/chat/sessions?publicKey=$KEY" -H "Origin: $ORIGIN" -H 'content-type: application/json' -d '{"anonymousId":"demo-visitor"}'); echo "$R"
TOKEN=$(echo "$R" | get sessionToken)

# 2. trigger the order_status intent: status waiting_input, a form block and a waitToken
R=$(chat '{"intentName":"order_status"}'); echo "$R"
EXEC=$(echo "$R" | get executionId); WAIT=$(echo "$R" | get waitToken)

# 3. answer the form: the shop lookup runs in the background, status waiting_time
R=$(chat "{\\"executionId\\":\\"$EXEC\\",\\"waitToken\\":\\"$WAIT\\",\\"values\\":{\\"order_number\\":\\"A-1001\\"}}"); echo "$R"

# 4. poll until the lookup is done: text, product card, tracking link and rating buttons
for i in $(seq 30); do [ "$(echo "$R" | get status)" = waiting_time ] || break; sleep 1; R=$(poll); done; echo "$R"
WAIT=$(echo "$R" | get waitToken)

# 5. press a rating button: status completed
R=$(chat "{\\"executionId\\":\\"$EXEC\\",\\"waitToken\\":\\"$WAIT\\",\\"values\\":{\\"rating\\":\\"helpful\\"}}"); echo "$R"
`
}

/** The human output: what was seeded, the walkthrough, and notes. */
export function demoWalkthrough(info: DemoInfo): string {
  const lines = [
    `Demo tenant "${info.tenant}" ${info.tenantCreated ? 'created' : 'already existed: reused'}.`,
    `  API:               ${info.baseUrl}`,
    `  Admin secret key:  ${info.adminKey}`,
    `                     (new on every seed; secret keys are shown once. Earlier demo admin keys stay valid.)`,
    `  Widget public key: ${info.publicKey}`,
    `  Allowed origins:   ${info.allowedOrigins.join(', ')}`,
    `  Intents:           ${info.intents.join(', ')}`,
    `  Mock shop API:     ${info.shopApiUrl} (connection "shop"; orders A-1001 shipped, A-1002 processing, A-1003 delivered, A-1004 cancelled)`,
  ]
  if (!info.shopApiServed)
    lines.push(
      '',
      'Note: this process does not serve the mock shop API. Run `npm start -- --demo` (comerix serve --demo):',
      'it serves /demo/shop, lets the connection reach this machine, and re-points the connection at its own URL.',
    )
  lines.push(
    '',
    'Walkthrough (paste into bash; needs curl and sed):',
    '',
    demoWalkthroughScript(info),
    'The other demo intents, triggered the same way:',
    '  product_finder   form values {"budget":150,"category":"shoes","features":["waterproof"]} -> carousel + link button',
    '  returns_request  form values {"order_number":"A-1003","reason":"too_small","email":"you@example.com"}',
    '                   -> confirmation with the return id and a label link. The photo (optional file field) is',
    '                   uploaded first: curl -F file=@photo.png "$API/v1/chat/uploads?publicKey=$KEY&executionId=$EXEC&field=photo"',
    '                   -H "Origin: $ORIGIN" -H "Authorization: Bearer $TOKEN", then sent as "photo":"<uploadId>".',
    '                   The flow (and the mock shop) only receive that uploadId string, not the file itself.',
    '  faq              {"intentName":"faq","text":"How long does shipping take?"} -> waiting_time; poll: the answer',
    '                   from the shop FAQ (llm node, local provider) and "tokenUsage" with tokens and cost.',
    `Admin API: curl -s ${info.baseUrl}/v1/admin/flows -H "Authorization: Bearer ${info.adminKey}"`,
  )
  return lines.join('\n')
}
