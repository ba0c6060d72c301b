// What `npm start` prints: where things are, the tokens exported once as shell variables, and
// copy-paste curl lines that use them and show the HTTP status. Sections and tokens are lists,
// so another route or role adds an entry, not a new layout.
import type { AnsweredRequest } from './api-server.js';

export interface BannerFacts {
  apiUrl: string;
  sandboxUrl: string;
  storeId: string;
  terminalSn: string;
  /** An unused activation code of the store, for a second terminal. */
  activationCode: string;
  /** Shell variable name → token, e.g. `CASHIER`. */
  tokens: Record<string, string>;
  /** The merchant order number of the demo payment (its QR twin is `<orderNo>-qr`). */
  orderNo: string;
  orderId: string;
}

export interface BannerSection {
  title: string;
  lines: string[];
}

const STATUS = `-w '\\n-> HTTP %{http_code}\\n'`;

/** A curl line against the API, authorised by the token in shell variable `token`. */
export function apiCurl(method: 'GET' | 'POST', path: string, token: string, body?: unknown): string {
  const json = body === undefined ? '' : ` -H 'content-type: application/json' -d '${JSON.stringify(body)}'`;
  return `curl -s ${STATUS}${method === 'POST' ? ' -X POST' : ''} "$API${path}" -H "authorization: Bearer $${token}"${json}`;
}

/** The instruction that issues more activation codes in the sandbox (its control API). */
export const moreActivationCodes = (sandboxUrl: string) => `curl -s -X POST ${sandboxUrl}/_sandbox/activation-codes -H 'content-type: application/json' -d '{"uses":1}'`;

export function demoSections(facts: BannerFacts): BannerSection[] {
  const { terminalSn: terminal_sn, orderNo, orderId } = facts;
  return [
    {
      title: `A payment, order ${orderNo} (the customer's barcode; its last four digits pick a scenario, see local/sandbox/README.md):`,
      lines: [apiCurl('POST', '/v1/payments', 'CASHIER', { terminal_sn, client_sn: orderNo, total_amount: 1000, dynamic_id: '280000000000000000', subject: 'Jasmine tea', operator: 'ann' })],
    },
    {
      title: `A QR payment, order ${orderNo}-qr, then the customer pays it (in the sandbox):`,
      lines: [
        apiCurl('POST', '/v1/precreates', 'CASHIER', { terminal_sn, client_sn: `${orderNo}-qr`, total_amount: 2500, payway: '3', subject: 'Cake', operator: 'ann' }),
        `curl -s ${STATUS} -X POST "$SANDBOX/_sandbox/qr/pay" -H 'content-type: application/json' -d '${JSON.stringify({ client_sn: `${orderNo}-qr` })}'`,
      ],
    },
    {
      title: `A partial refund of the barcode payment (order ${orderNo}, not the QR one), then that order:`,
      lines: [apiCurl('POST', `/v1/orders/${orderId}/refunds`, 'CASHIER', { refund_request_no: 'r1', refund_amount: 300, operator: 'ann' }), apiCurl('GET', `/v1/orders/${orderId}`, 'CASHIER')],
    },
    {
      title: `A second terminal, with a fresh activation code of store ${facts.storeId} (more codes: ${moreActivationCodes('$SANDBOX')}):`,
      lines: [apiCurl('POST', '/v1/terminals', 'ADMIN', { activation_code: facts.activationCode, device_id: 'till-2', name: 'Second till' })],
    },
  ];
}

export function banner(facts: BannerFacts, sections: BannerSection[] = demoSections(facts)): string {
  const exports = [`export API=${facts.apiUrl} SANDBOX=${facts.sandboxUrl}`, ...Object.entries(facts.tokens).map(([name, token]) => `export ${name}='${token}'`)];
  const body = sections.map((section) => [section.title, ...section.lines.map((line) => `  ${line}`)].join('\n')).join('\n\n');
  return `
Upay backend running locally (DynamoDB Local + Upay sandbox)

  API          ${facts.apiUrl}   (OpenAPI: ${facts.apiUrl}/openapi.json)
  sandbox      ${facts.sandboxUrl}  (control API under /_sandbox/)
  store        ${facts.storeId}, demo terminal ${facts.terminalSn}
  activation   a fresh code for another terminal: ${facts.activationCode}

First, in the shell you will paste into (tokens for store ${facts.storeId}, valid 12 hours):
${exports.map((line) => `  ${line}`).join('\n')}

${body}

The same facts are in .local/stack.json. One line per request follows; LOG_FORMAT=json gives the
handlers' own JSON logs instead. Ctrl-C stops everything.
`;
}

/** One request as a human reads it: time, method, route, status, duration, order. */
export function requestLine(answered: AnsweredRequest, at = new Date()): string {
  const time = at.toISOString().slice(11, 19);
  return `${time}  ${answered.method} ${answered.route}  ${answered.status}  ${answered.ms} ms${answered.order_id ? `  ${answered.order_id}` : ''}`;
}
