// Writes docs/openapi.json from the schemas (`npm run openapi`).
import { writeFileSync } from 'node:fs';
import { openApiDocument } from '../lib/api/openapi.js';

writeFileSync('docs/openapi.json', `${JSON.stringify(openApiDocument(), null, 2)}\n`);
console.log('docs/openapi.json written');
