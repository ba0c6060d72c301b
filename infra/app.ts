// `npx cdk deploy` starts here (cdk.json). No account or region is fixed: the stack deploys
// wherever the caller's credentials point, and synth works offline.
import { App } from 'aws-cdk-lib';
import { UpayStack } from './stack.js';

const app = new App();
new UpayStack(app, 'UpayBackend', { description: 'Upay payment backend: HTTP API, Lambda, DynamoDB ledger, Secrets Manager keys' });
app.synth();
