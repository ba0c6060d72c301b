// Stands in for `semver` in the bundles (infra/bundling.ts BUNDLING.alias). Its one importer
// there is aws-xray-sdk-core's patcher for the AWS SDK v2 (`captureAWS`), which we never call:
// every client is SDK v3, captured with the Tracer's captureAWSv3Client. The X-Ray SDK
// requires that patcher, and with it semver, at load, which built some forty regular
// expressions on every cold start for nothing.
function unused() {
  throw new Error('semver is not bundled: only the X-Ray SDK v2 patcher (captureAWS) needs it, and no function uses the AWS SDK v2');
}
module.exports = { gte: unused, satisfies: unused, valid: unused, coerce: unused };
